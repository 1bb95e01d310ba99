using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using StreamJsonRpc;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Audio;

/// <summary>Silero VAD on ONNX Runtime, the hands-free end of a dictation, and trimming before ASR (WAV sources: no audio server needed).</summary>
public sealed class VadTests : IAsyncLifetime
{
    private static readonly Lazy<SileroVad> Vad = new(() => new SileroVad(SileroVad.DefaultModelPath));
    private readonly TestAudio _audio = new();
    private InMemorySidecar _sidecar = null!;

    public async Task InitializeAsync() =>
        _sidecar = await InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = _audio.Text("fake model", "model.bin") }, new FakeBackendProvider());

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _audio.Dispose();
    }

    [Fact]
    public void The_shipped_model_has_the_inputs_and_outputs_the_code_feeds()
    {
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "assets", "models", "silero_vad.onnx")));
        Assert.True(File.Exists(SileroVad.DefaultModelPath), "the build copies the model next to the sidecar");
        using var session = new InferenceSession(SileroVad.DefaultModelPath);
        Assert.Equal(["input", "sr", "state"], session.InputMetadata.Keys.Order());
        Assert.Equal(["output", "stateN"], session.OutputMetadata.Keys.Order());
        Assert.Equal([2, -1, 128], session.InputMetadata["state"].Dimensions);
        Assert.Equal(typeof(long), session.InputMetadata["sr"].ElementType);
        Assert.Empty(session.InputMetadata["sr"].Dimensions);
    }

    [Fact]
    public void Speech_with_silence_around_it_is_found_where_it_is()
    {
        var speech = WavDecoder.ReadMono16k(RepoPaths.JfkWav);
        var audio = new float[2 * 16000].Concat(speech).Concat(new float[2 * 16000]).ToArray();
        var stream = Vad.Value.CreateStream();
        var tracker = new SpeechTracker(1000);
        stream.Accept(audio, p => tracker.Add(p));

        Assert.Equal(audio.Length / SileroVad.WindowSamples, stream.Probabilities.Count);
        var (start, end) = tracker.SpeechRange(audio.Length)!.Value;
        // JFK speaks from about 0.3 s to about 10.5 s into the file (which starts 2 s into this audio).
        Assert.InRange(start / 16000.0, 1.7, 2.6);
        Assert.InRange(end / 16000.0, 11.8, 13.3);
        Assert.All(stream.Probabilities.Take(50), p => Assert.True(p < 0.2f, $"silence probability {p}"));
    }

    [Fact]
    public void Silence_alone_is_never_speech()
    {
        var stream = Vad.Value.CreateStream();
        var tracker = new SpeechTracker(500);
        stream.Accept(new float[5 * 16000], p => Assert.False(tracker.Add(p)));
        Assert.False(tracker.HeardSpeech);
        Assert.Null(tracker.SpeechRange(5 * 16000));
    }

    [Fact]
    public void Hands_free_with_nothing_said_gives_up_after_the_no_speech_timeout()
    {
        var tracker = new SpeechTracker(1500);
        int windows = 0;
        while (!tracker.Add(0.01f))
            windows++;
        Assert.InRange((windows + 1) * 32, SpeechTracker.NoSpeechTimeoutMs, SpeechTracker.NoSpeechTimeoutMs + 32);
        Assert.False(tracker.HeardSpeech);
    }

    [Fact]
    public async Task Hands_free_over_rpc_ends_after_the_silence_and_feeds_only_the_speech()
    {
        var speech = WavDecoder.ReadMono16k(RepoPaths.JfkWav);
        var wav = _audio.Write("padded.wav", new float[3 * 16000], speech, new float[6 * 16000]);
        var (id, ended) = await _sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = wav, realtime = false }, vad = new { enabled = true, silenceMs = 2000 } });
        Assert.Equal("silence", ended.GetProperty("reason").GetString());
        // Ended about 2 s after the speech, well before the file's end (3 + 11 + 6 = 20 s).
        Assert.InRange(ended.GetProperty("capturedMs").GetInt64(), 13_000, 16_000);

        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
        int heard = FakeBackend.HeardSamples(result.GetProperty("rawText").GetString());
        Assert.InRange(heard, speech.Length - 2 * 16000, speech.Length + 2 * SpeechTracker.PadMs * 16);
    }

    [Fact]
    public async Task Hands_free_on_silence_alone_gives_no_text()
    {
        var wav = _audio.Silence(4);
        var (id, ended) = await _sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = wav, realtime = false }, vad = new { enabled = true, silenceMs = 1000 } });
        Assert.Equal("end", ended.GetProperty("reason").GetString()); // never heard speech, so only the file's end ends it
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }));
        Assert.Equal(WisprErrorCodes.NoSpeech, ex.ErrorCode);
        Assert.Contains("No speech was detected", ex.Message);
    }

    [Fact]
    public async Task A_tone_without_vad_is_transcribed_untrimmed()
    {
        var wav = _audio.Tone(1.0);
        var (id, _) = await _sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = wav, realtime = false } });
        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
        Assert.Equal("heard 16000 samples", result.GetProperty("rawText").GetString());
    }
}
