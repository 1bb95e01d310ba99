using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StreamJsonRpc;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Audio;

/// <summary>
/// Whole dictations from the microphone over JSON-RPC (the in-memory sidecar with the fake backend, whose "text" is the number
/// of samples it was given), with speech played into the PulseAudio test server.
/// </summary>
[Collection(PulseCollection.Name)]
public sealed class MicrophoneDictationTests : IAsyncLifetime
{
    private readonly TestAudio _audio = new();
    private InMemorySidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        var model = _audio.Text("fake model", "model.bin");
        _sidecar = await InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = model }, new FakeBackendProvider(),
            services => services.Replace(ServiceDescriptor.Singleton<IMicrophone>(_ => PulseServer.Address is null ? new PulseMicrophone() : PulseServer.Microphone())));
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _audio.Dispose();
    }

    private DictationService Dictation => _sidecar.Services.GetRequiredService<DictationService>();

    private static int HeardSamples(JsonElement result) => FakeBackend.HeardSamples(result.GetProperty("rawText").GetString());

    [PulseFact]
    public async Task Microphone_is_the_default_source_and_played_speech_reaches_the_text_path()
    {
        var jfk = WavDecoder.ReadMono16k(RepoPaths.JfkWav);
        // No source at all: the default microphone (the test server's default source is the null sink's monitor).
        var start = await _sidecar.CallAsync<JsonElement>(M.DictationStart, new { });
        var id = start.GetProperty("dictationId").GetString();
        await PulseServer.PlayAsync(RepoPaths.JfkWav);
        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });

        int heard = HeardSamples(result);
        Assert.InRange(heard, jfk.Length - WavDecoder.SampleRate / 10, jfk.Length + WavDecoder.SampleRate);

        var levels = _sidecar.Notifications.Where(n => n.Method == M.AudioLevel).Select(n => n.Params).ToList();
        Assert.NotEmpty(levels);
        Assert.All(levels, l => Assert.Equal(id, l.GetProperty("dictationId").GetString()));
        Assert.Contains(levels, l => l.GetProperty("peak").GetDouble() > 0.1);
        // ≤ 20 a second over the ~11 s recording (plus one for rounding).
        Assert.InRange(levels.Count, 5, 20 * (jfk.Length / WavDecoder.SampleRate + 2));
    }

    [PulseFact]
    public async Task Ten_consecutive_recordings_reuse_the_capture_buffer_without_growth()
    {
        // 1.5 s of a LibriVox reading, so ten takes stay quick.
        var clip = _audio.Write("clip.wav", WavDecoder.ReadMono16k(Path.Combine(RepoPaths.LibrivoxDir, "sense_and_sensibility_01_austen_64kb-0870.wav"))[..24000]);
        int capacityAfterFirst = 0;
        for (int i = 0; i < 10; i++)
        {
            var start = await _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "microphone", device = PulseServer.Monitor } });
            await PulseServer.PlayAsync(clip);
            var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = start.GetProperty("dictationId").GetString() });
            Assert.True(HeardSamples(result) > WavDecoder.SampleRate);
            if (i == 0)
                capacityAfterFirst = Dictation.CaptureCapacitySamples;
            else
                Assert.Equal(capacityAfterFirst, Dictation.CaptureCapacitySamples);
        }
        Assert.True(capacityAfterFirst > 0);
    }

    [PulseFact]
    public async Task A_second_start_while_recording_is_InvalidState_and_the_first_goes_on()
    {
        var start = await _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "microphone" } });
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => _sidecar.CallAsync<JsonElement>(M.DictationStart, new { }));
        Assert.Equal(WisprErrorCodes.InvalidState, ex.ErrorCode);
        Assert.Contains("stop or cancel", ex.Message);
        await PulseServer.PlayAsync(RepoPaths.JfkWav);
        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = start.GetProperty("dictationId").GetString() });
        Assert.True(HeardSamples(result) > 10 * WavDecoder.SampleRate);
    }

    [PulseFact]
    public async Task A_missing_microphone_fails_start_with_MicrophoneUnavailable_and_stays_idle()
    {
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() =>
            _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "microphone", device = "no_such_mic" } }));
        Assert.Equal(WisprErrorCodes.MicrophoneUnavailable, ex.ErrorCode);
        Assert.Equal("idle", (await _sidecar.CallAsync<JsonElement>(M.Status)).GetProperty("state").GetString());
    }

    [PulseFact]
    public async Task A_device_vanishing_mid_recording_ends_capture_with_an_error_and_what_was_captured_is_still_transcribed()
    {
        var sink = $"wispr_vanish_{Environment.ProcessId}";
        var (code, moduleId) = PulseServer.Run("pactl", PulseServer.Address, "load-module", "module-null-sink", $"sink_name={sink}", "rate=16000", "channels=1");
        Assert.True(code == 0, moduleId);
        try
        {
            var start = await _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "microphone", device = sink + ".monitor" } });
            var id = start.GetProperty("dictationId").GetString();
            await PulseServer.PlayAsync(Path.Combine(RepoPaths.LibrivoxDir, "sense_and_sensibility_01_austen_64kb-0870.wav"), sink);
            Assert.Equal(0, PulseServer.Run("pactl", PulseServer.Address, "unload-module", moduleId.Trim()).Code);
            moduleId = "";

            var ended = await _sidecar.WaitForNotificationAsync(M.DictationSourceEnded, p => p.GetProperty("dictationId").GetString() == id);
            Assert.Equal("error", ended.GetProperty("reason").GetString());
            Assert.Equal(WisprErrorCodes.MicrophoneUnavailable, ended.GetProperty("errorCode").GetInt32());
            Assert.Contains("went away", ended.GetProperty("error").GetString());
            var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
            Assert.True(HeardSamples(result) > WavDecoder.SampleRate);
        }
        finally
        {
            if (moduleId.Length > 0)
                PulseServer.Run("pactl", PulseServer.Address, "unload-module", moduleId.Trim());
        }
    }

    [PulseFact]
    public async Task ListDevices_over_rpc_returns_the_test_monitor()
    {
        var result = await _sidecar.CallAsync<JsonElement>(M.AudioListDevices);
        var devices = result.GetProperty("devices").EnumerateArray().ToList();
        Assert.Contains(devices, d => d.GetProperty("id").GetString() == PulseServer.Monitor && d.GetProperty("isDefault").GetBoolean());
        Assert.Contains("parec", result.GetProperty("recorder").GetString());
    }

    [PulseFact]
    public async Task Hands_free_ends_by_itself_after_the_silence_and_trims_it()
    {
        var speech = WavDecoder.ReadMono16k(RepoPaths.JfkWav);
        // 1 s of silence, the speech, 4 s of silence: hands-free must end 2 s into the trailing silence, by itself
        // (JFK pauses for more than a second between phrases, which must not end it).
        var padded = _audio.Write("padded.wav", new float[WavDecoder.SampleRate], speech, new float[4 * WavDecoder.SampleRate]);
        var start = await _sidecar.CallAsync<JsonElement>(M.DictationStart,
            new { source = new { kind = "microphone", device = PulseServer.Monitor }, vad = new { enabled = true, silenceMs = 2000 } });
        var id = start.GetProperty("dictationId").GetString();
        var playing = PulseServer.PlayAsync(padded);
        var ended = await _sidecar.WaitForNotificationAsync(M.DictationSourceEnded, p => p.GetProperty("dictationId").GetString() == id,
            TimeSpan.FromSeconds(30));
        Assert.Equal("silence", ended.GetProperty("reason").GetString());
        Assert.False(playing.IsCompleted, "the dictation ended only when the file had played out, not after the silence");
        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
        await playing;
        int heard = HeardSamples(result);
        // jfk.wav's own speech (it starts ~0.3 s in and ends ~0.6 s early) plus at most the 300 ms pads: the second of leading
        // silence and the trailing 2 s are gone.
        Assert.InRange(heard, speech.Length - 2 * WavDecoder.SampleRate, speech.Length + 2 * SpeechTracker.PadMs * 16);
    }
}
