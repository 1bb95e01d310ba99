using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Wispr.ModelGen;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Whisper;
using Wispr.Sidecar.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>
/// The encoder context sized to the clip ("fit"), through the real whisper.cpp on generated models: short clips get a small
/// context and still decode, long ones the full window; the settings reach the backend from the sidecar's options.
/// Never-end-text models with a token cap decode a fixed number of tokens whatever the audio, so "decoded" is checkable.
/// </summary>
[Collection(WhisperModelCollection.Name)]
public sealed class WhisperAudioContextTests(WhisperTestModelFixture fixture, ITestOutputHelper output)
{
    /// <summary>samples/jfk.wav then the LibriVox utterances: 35.7 s of real speech to cut clips from.</summary>
    private static readonly Lazy<float[]> Speech = new(() =>
        new[] { RepoPaths.JfkWav }
            .Concat(File.ReadAllLines(Path.Combine(RepoPaths.LibrivoxDir, "transcripts.tsv"))
                .Where(l => l.Contains('\t'))
                .Select(l => Path.Combine(RepoPaths.LibrivoxDir, l.Split('\t')[0] + ".wav")))
            .SelectMany(path => WavDecoder.ReadMono16k(path))
            .ToArray());

    private const int Cap = 8;

    private static ReadOnlyMemory<float> Clip(double seconds) => Speech.Value.AsMemory(0, (int)(seconds * WavDecoder.SampleRate));

    [Theory]
    [InlineData(0.5, 25 + 64)]
    [InlineData(2.0, 100 + 64)]
    [InlineData(29.0, null)]  // from ~28.7 s the fit reaches the full window
    [InlineData(31.0, null)]  // two 30 s windows
    public async Task Fit_context_transcribes_every_length(double seconds, int? expectedContext)
    {
        var model = NeverEndModel(WhisperShape.Test);
        await using var backend = await WhisperBackend.LoadAsync(
            new WhisperBackendOptions(model) { MaxTokens = Cap, AudioContext = AudioContextMode.Fit }, NullLogger.Instance, CancellationToken.None);

        var segments = await TranscribeAsync(backend, Clip(seconds));

        Assert.Equal(expectedContext, backend.LastRun?.AudioContext);
        Assert.InRange(backend.LastRun!.Value.Threads, 1, RecognitionTuning.MaxAutoThreads);
        Assert.NotEmpty(segments);
        Assert.All(segments, s => Assert.False(string.IsNullOrWhiteSpace(s.Text)));
        output.WriteLine($"{seconds} s: context {expectedContext?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "full"}, {segments.Count} segments: {string.Join(" | ", segments.Select(s => s.Text))}");
    }

    /// <summary>
    /// The real tiny.en shape (6 heads, 4+4 layers) with the smallest contexts: 0.15 s (72 positions) and 0.5 s (89). A
    /// too-small context would break the attention shapes or the cross-attention cache here. (Exactly 0.1 s, 10 mel frames,
    /// passes whisper.cpp's "too short" check but its window loop stops before decoding: no text with any context.)
    /// </summary>
    [Theory]
    [InlineData(0.15)]
    [InlineData(0.5)]
    public async Task Tiny_shape_decodes_the_shortest_clips_with_fit(double seconds)
    {
        var model = NeverEndModel(WhisperShape.TinyEn);
        await using var backend = await WhisperBackend.LoadAsync(
            new WhisperBackendOptions(model) { MaxTokens = Cap, AudioContext = AudioContextMode.Fit }, NullLogger.Instance, CancellationToken.None);

        var segments = await TranscribeAsync(backend, Clip(seconds));

        Assert.Equal(RecognitionTuning.AudioContextFor((int)(seconds * WavDecoder.SampleRate), AudioContextMode.Fit), backend.LastRun?.AudioContext);
        Assert.True(backend.LastRun?.AudioContext < 100);
        Assert.NotEmpty(segments);
    }

    [Fact]
    public async Task Fit_and_full_both_decode_a_short_clip()
    {
        // Same model, same clip, same cap: only the encoder's window differs, so both must decode (the text may differ).
        var model = NeverEndModel(WhisperShape.Test);
        var texts = new Dictionary<AudioContextMode, string>();
        foreach (var mode in new[] { AudioContextMode.Fit, AudioContextMode.Full })
        {
            await using var backend = await WhisperBackend.LoadAsync(
                new WhisperBackendOptions(model) { MaxTokens = Cap, AudioContext = mode, Threads = 1 }, NullLogger.Instance, CancellationToken.None);
            texts[mode] = string.Join(' ', (await TranscribeAsync(backend, Clip(3))).Select(s => s.Text));
            Assert.Equal(mode == AudioContextMode.Fit ? 150 + 64 : null, backend.LastRun?.AudioContext);
            Assert.Equal(1, backend.LastRun?.Threads);
        }
        Assert.All(texts.Values, t => Assert.False(string.IsNullOrWhiteSpace(t)));
    }

    [Theory]
    [InlineData(2.0, null, 2.5, 8)]     // ceil(2.5 × 2) + 3
    [InlineData(5.0, 99, 2.5, 16)]      // the rate wins over the fixed cap
    [InlineData(60.0, null, 2.5, 78)]   // one 30 s window at a time
    [InlineData(60.0, 30, null, 30)]    // no rate: the fixed cap, whatever the length
    [InlineData(0.0, null, 2.5, 3)]
    public void Decode_steps_follow_the_clip_when_a_rate_is_set(double seconds, int? maxTokens, double? rate, int? expected) =>
        Assert.Equal(expected, WhisperBackend.DecodeSteps((int)(seconds * WavDecoder.SampleRate), maxTokens, rate));

    /// <summary>
    /// The benchmark's per-second cap, through whisper.cpp: a never-end-text model decodes to the cap, so a clip four times
    /// as long decodes about four times the text (a fixed cap would give both the same).
    /// </summary>
    [Fact]
    public async Task Tokens_per_second_make_a_longer_clip_decode_more()
    {
        var model = NeverEndModel(WhisperShape.Test);
        await using var backend = await WhisperBackend.LoadAsync(
            new WhisperBackendOptions(model) { TokensPerSecond = 3, AudioContext = AudioContextMode.Fit, Threads = 1 }, NullLogger.Instance, CancellationToken.None);

        var shortText = string.Join(' ', (await TranscribeAsync(backend, Clip(2))).Select(s => s.Text));
        Assert.Equal(6 + 3, backend.LastRun?.MaxTokens);
        var longText = string.Join(' ', (await TranscribeAsync(backend, Clip(8))).Select(s => s.Text));
        Assert.Equal(24 + 3, backend.LastRun?.MaxTokens);

        output.WriteLine($"2 s: {shortText.Length} chars; 8 s: {longText.Length} chars");
        Assert.False(string.IsNullOrWhiteSpace(shortText));
        Assert.True(longText.Length > 2 * shortText.Length, $"8 s decoded {longText.Length} chars, 2 s {shortText.Length}");
    }

    [Theory]
    [InlineData(1, AudioContextMode.Full, null)]
    [InlineData(0, AudioContextMode.Fit, 4.0)]
    public async Task Sidecar_options_reach_the_backend(int threads, AudioContextMode mode, double? tokensPerSecond)
    {
        using var audio = new TestAudio();
        var wav = audio.Write("two-seconds.wav", Clip(2).ToArray());
        var recordings = Directory.CreateTempSubdirectory("wispr-context-recordings-").FullName;
        try
        {
            await using var sidecar = await InMemorySidecar.StartAsync(new SidecarOptions
            {
                ModelPath = NeverEndModel(WhisperShape.Test), RecordingsDirectory = recordings, MaxTokens = Cap, Threads = threads, AudioContext = mode,
                TokensPerSecond = tokensPerSecond,
            });
            var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = wav, realtime = false } });
            var result = await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
            Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("text").GetString()));

            var host = sidecar.Services.GetRequiredService<BackendHost>();
            var (requested, context, lastRun) = await host.UseAsync((b, _) =>
            {
                var whisper = Assert.IsType<WhisperBackend>(b);
                return Task.FromResult((whisper.RequestedThreads, whisper.AudioContext, whisper.LastRun));
            }, CancellationToken.None);
            Assert.Equal(threads, requested);
            Assert.Equal(mode, context);
            Assert.NotNull(lastRun);
            Assert.Equal(mode == AudioContextMode.Fit ? 100 + 64 : null, lastRun.Value.AudioContext);
            // The per-second cap takes the fixed one's place: 4 tokens a second of the 2 s clip, plus timestamps and end-of-text.
            Assert.Equal(tokensPerSecond is null ? Cap : 8 + 3, lastRun.Value.MaxTokens);
            if (threads > 0)
                Assert.Equal(threads, lastRun.Value.Threads);
            else
                Assert.InRange(lastRun.Value.Threads, 1, RecognitionTuning.MaxAutoThreads);
        }
        finally
        {
            Directory.Delete(recordings, recursive: true);
        }
    }

    /// <summary>Issue 13: a shortened context may cost accuracy on real weights. Runs with WISPR_TEST_MODEL_PATH; skipped (saying so) otherwise.</summary>
    [RealModelFact]
    public async Task Fit_costs_no_more_than_one_point_of_word_error_rate_against_full()
    {
        var clips = new List<(string Wav, string Reference)> { (RepoPaths.JfkWav, File.ReadAllText(RepoPaths.JfkText)) };
        clips.AddRange(File.ReadAllLines(Path.Combine(RepoPaths.LibrivoxDir, "transcripts.tsv"))
            .Where(l => l.Contains('\t'))
            .Select(l => l.Split('\t', 2))
            .Select(p => (Path.Combine(RepoPaths.LibrivoxDir, p[0] + ".wav"), p[1])));
        var rates = new Dictionary<AudioContextMode, double>();
        foreach (var mode in new[] { AudioContextMode.Full, AudioContextMode.Fit })
        {
            await using var backend = await WhisperBackend.LoadAsync(
                new WhisperBackendOptions(RealModelFactAttribute.ModelPath) { AudioContext = mode }, NullLogger.Instance, CancellationToken.None);
            int errors = 0, words = 0;
            foreach (var (wav, reference) in clips)
            {
                var text = string.Join(' ', (await TranscribeAsync(backend, WavDecoder.ReadMono16k(wav))).Select(s => s.Text));
                var wer = WordErrorRate.Compute(reference, text);
                output.WriteLine($"{mode} {Path.GetFileName(wav)}: WER {wer.Wer:P1}: {text}");
                errors += wer.Errors;
                words += wer.ReferenceWords;
            }
            rates[mode] = (double)errors / words;
        }
        output.WriteLine($"WER full {rates[AudioContextMode.Full]:P2}, fit {rates[AudioContextMode.Fit]:P2}");
        Assert.True(rates[AudioContextMode.Fit] <= rates[AudioContextMode.Full] + 0.01,
            $"fit WER {rates[AudioContextMode.Fit]:P2} is more than one point above full {rates[AudioContextMode.Full]:P2}");
    }

    [Fact]
    public void The_wait_policy_reaches_libc_where_dotnet_alone_would_not()
    {
        // Why NativeThreading calls setenv: on Unix .NET keeps its own copy of the environment, which libgomp never reads.
        var probe = $"WISPR_PROBE_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(probe, "1");
        if (!OperatingSystem.IsWindows())
            Assert.Null(NativeThreading.NativeValue(probe));

        var preset = Environment.GetEnvironmentVariable(NativeThreading.WaitPolicyVariable) is { Length: > 0 }
            || Environment.GetEnvironmentVariable(NativeThreading.SpinCountVariable) is { Length: > 0 };
        var before = NativeThreading.NativeValue(NativeThreading.WaitPolicyVariable);
        NativeThreading.Configure();
        if (preset)
            Assert.Equal(before, NativeThreading.NativeValue(NativeThreading.WaitPolicyVariable)); // the user's choice stands
        else
            Assert.Equal(NativeThreading.WaitPolicy, NativeThreading.NativeValue(NativeThreading.WaitPolicyVariable));
    }

    private static async Task<List<TranscriptSegment>> TranscribeAsync(ISpeechBackend backend, ReadOnlyMemory<float> pcm)
    {
        var segments = new List<TranscriptSegment>();
        await foreach (var s in backend.TranscribeAsync(pcm, TranscribeOptions.Default, CancellationToken.None))
            segments.Add(s);
        return segments;
    }

    private static readonly Dictionary<string, string> Models = [];

    /// <summary>One never-end-text model per shape for this test run, in the fixture's folder (deleted with it).</summary>
    private string NeverEndModel(WhisperShape shape)
    {
        lock (Models)
        {
            if (!Models.TryGetValue(shape.Name, out var path) || !File.Exists(path))
            {
                path = fixture.NewPath($"never-end-{shape.Name}.bin");
                WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, path, shape, 1, GgmlType.F16, neverEndText: true);
                Models[shape.Name] = path;
            }
            return path;
        }
    }
}
