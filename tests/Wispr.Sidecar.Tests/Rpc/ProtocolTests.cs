using System.Text.Json;
using StreamJsonRpc;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Rpc;

/// <summary>The JSON-RPC surface over an in-memory pipe, with a fake backend so only the protocol and states are under test.</summary>
public sealed class ProtocolTests : IAsyncLifetime
{
    private readonly TestAudio _audio = new();
    private InMemorySidecar _sidecar = null!;
    private string _model = null!;

    public async Task InitializeAsync()
    {
        _model = _audio.Text("fake model", "model.bin");
        _sidecar = await InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = _model }, new FakeBackendProvider());
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _audio.Dispose();
    }

    [Fact]
    public async Task Initialize_reports_versions_capabilities_and_status_in_camelCase()
    {
        var init = await _sidecar.CallAsync<JsonElement>(M.Initialize, new { clientName = "test", clientVersion = "1" });
        Assert.Equal(1, init.GetProperty("protocolVersion").GetInt32());
        Assert.Equal(Environment.ProcessId, init.GetProperty("pid").GetInt32());
        var backends = init.GetProperty("capabilities").GetProperty("backends");
        Assert.Contains(backends.EnumerateArray(), b => b.GetProperty("id").GetString() == "whisper" && b.GetProperty("available").GetBoolean());
        Assert.Equal("idle", init.GetProperty("status").GetProperty("state").GetString());
        Assert.True(init.GetProperty("status").GetProperty("workingSetBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task A_whole_dictation_goes_listening_transcribing_idle_and_returns_text()
    {
        var wav = _audio.Tone(1.0);
        var (id, _) = await _sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = wav, realtime = false } });

        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });

        Assert.Equal("heard 16000 samples", result.GetProperty("rawText").GetString());
        Assert.Equal(1000, result.GetProperty("audioDurationMs").GetInt64());
        Assert.True(result.GetProperty("timings").GetProperty("stopToTextMs").GetInt64() >= 0);
        await _sidecar.WaitForNotificationAsync(M.DictationStateChanged, p => p.GetProperty("state").GetString() == "idle");
        var states = _sidecar.Notifications.Where(n => n.Method == M.DictationStateChanged).Select(n => n.Params.GetProperty("state").GetString()).ToList();
        Assert.Equal(["listening", "transcribing", "idle"], states);
    }

    [Fact]
    public async Task Stop_without_start_is_InvalidState_and_the_sidecar_keeps_serving()
    {
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => _sidecar.CallAsync<JsonElement>(M.DictationStop));
        Assert.Equal(WisprErrorCodes.InvalidState, ex.ErrorCode);
        var status = await _sidecar.CallAsync<JsonElement>(M.Status);
        Assert.Equal("idle", status.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Second_start_while_listening_is_InvalidState()
    {
        var wav = _audio.Tone(5.0);
        await _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "wavFile", path = wav } });
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() =>
            _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "wavFile", path = wav } }));
        Assert.Equal(WisprErrorCodes.InvalidState, ex.ErrorCode);
        var cancelled = await _sidecar.CallAsync<JsonElement>(M.DictationCancel);
        Assert.True(cancelled.GetProperty("cancelled").GetBoolean());
        await _sidecar.WaitForNotificationAsync(M.DictationStateChanged, p => p.TryGetProperty("reason", out var r) && r.GetString() == "cancelled");
    }

    [Theory]
    [InlineData("missing", WisprErrorCodes.AudioFileNotFound)]
    [InlineData("text", WisprErrorCodes.AudioFormatUnsupported)]
    [InlineData("empty", WisprErrorCodes.AudioFormatUnsupported)]
    public async Task Bad_audio_files_get_their_own_codes(string kind, int code)
    {
        var path = kind switch
        {
            "missing" => Path.Combine(_audio.Folder, "nope.wav"),
            "text" => _audio.Text("hello, not a wav"),
            _ => _audio.Text("", "empty.wav"),
        };
        var start = await Assert.ThrowsAsync<RemoteInvocationException>(() =>
            _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "wavFile", path } }));
        Assert.Equal(code, start.ErrorCode);
        var file = await Assert.ThrowsAsync<RemoteInvocationException>(() => _sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path }));
        Assert.Equal(code, file.ErrorCode);
        Assert.Equal("idle", (await _sidecar.CallAsync<JsonElement>(M.Status)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Silent_and_empty_recordings_are_NoSpeech()
    {
        var silent = await Assert.ThrowsAsync<RemoteInvocationException>(() =>
            _sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = _audio.Silence(2) }));
        Assert.Equal(WisprErrorCodes.NoSpeech, silent.ErrorCode);
        Assert.Contains("silent", silent.Message);
        var tiny = await Assert.ThrowsAsync<RemoteInvocationException>(() =>
            _sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = _audio.Tone(0.05) }));
        Assert.Equal(WisprErrorCodes.NoSpeech, tiny.ErrorCode);
    }

    [Fact]
    public async Task TranscribeFile_resamples_any_rate_and_channel_count()
    {
        var result = await _sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = _audio.Tone(2.0, sampleRate: 44100, channels: 2) });
        Assert.Equal(2000, result.GetProperty("audioDurationMs").GetInt64(), tolerance: 20);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("dictationId").ValueKind);
    }

    [Fact]
    public async Task Unknown_backend_is_BackendUnavailable_and_missing_params_are_InvalidParams()
    {
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => _sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "nope" }));
        Assert.Equal(WisprErrorCodes.BackendUnavailable, ex.ErrorCode);
        // -32602 is JSON-RPC's own InvalidParams, which StreamJsonRpc surfaces as its own exception type.
        var noPath = await Assert.ThrowsAsync<RemoteMethodNotFoundException>(() => _sidecar.CallAsync<JsonElement>(M.TranscribeFile));
        Assert.Equal(WisprErrorCodes.InvalidParams, (int)noPath.ErrorCode);
    }

    [Fact]
    public async Task A_corrupt_model_fails_stop_clearly_keeps_the_recording_and_the_sidecar_recovers()
    {
        var corrupt = _audio.Text("corrupt", "corrupt.bin");
        var cache = Directory.CreateTempSubdirectory("wispr-cache-").FullName;
        Environment.SetEnvironmentVariable("WISPR_CACHE_DIR", Path.Combine(cache, "models"));
        try
        {
            await _sidecar.CallAsync<JsonElement>(M.Initialize, new { modelPath = corrupt });
            var start = await _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "wavFile", path = _audio.Tone(0.5), realtime = false } });
            await _sidecar.WaitForNotificationAsync(M.DictationSourceEnded);
            var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => _sidecar.CallAsync<JsonElement>(M.DictationStop));
            Assert.Equal(WisprErrorCodes.ModelInvalid, ex.ErrorCode);
            var saved = Directory.GetFiles(Path.Combine(cache, "recordings"), "*.wav");
            Assert.Single(saved);
            Assert.Contains(saved[0], ex.Message);
            Assert.Equal(8000, Wispr.Sidecar.Audio.WavDecoder.ReadMono16k(saved[0]).Length);

            await _sidecar.CallAsync<JsonElement>(M.Initialize, new { modelPath = _model });
            var ok = await _sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = saved[0] });
            Assert.Equal("heard 8000 samples", ok.GetProperty("rawText").GetString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("WISPR_CACHE_DIR", null);
            Directory.Delete(cache, true);
        }
    }

    [Fact]
    public async Task Cancel_while_transcribing_answers_Cancelled_and_returns_to_idle()
    {
        await using var slow = await InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = _model }, new FakeBackendProvider(TimeSpan.FromSeconds(30)));
        await slow.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "wavFile", path = _audio.Tone(0.5), realtime = false } });
        await slow.WaitForNotificationAsync(M.DictationSourceEnded);
        var stop = slow.CallAsync<JsonElement>(M.DictationStop);
        await slow.WaitForNotificationAsync(M.DictationStateChanged, p => p.GetProperty("state").GetString() == "transcribing");
        Assert.True((await slow.CallAsync<JsonElement>(M.DictationCancel)).GetProperty("cancelled").GetBoolean());
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => stop);
        Assert.Equal(WisprErrorCodes.Cancelled, ex.ErrorCode);
        Assert.Equal("idle", (await slow.CallAsync<JsonElement>(M.Status)).GetProperty("state").GetString());
    }
}
