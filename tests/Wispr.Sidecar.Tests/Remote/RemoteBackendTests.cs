using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StreamJsonRpc;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition.Remote;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Remote;

/// <summary>
/// The remote backend against a fake OpenAI-compatible server the tests start: the request it sends, the residency rule
/// (choosing it unloads the local model), and every fault losing nothing: the documented code, a message naming the server,
/// and the recording kept and named.
/// </summary>
[Collection(WhisperModelCollection.Name)]
public sealed class RemoteBackendTests(WhisperTestModelFixture model) : IAsyncLifetime
{
    private const string Key = "sk-remote-test-secret";
    private static readonly string[] Identifiers = ["getUserById"];
    private readonly TestAudio _audio = new();
    private readonly string _recordings = Directory.CreateTempSubdirectory("wispr-remote-recordings-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _audio.Dispose();
        Directory.Delete(_recordings, recursive: true);
        return Task.CompletedTask;
    }

    private Task<InMemorySidecar> StartAsync() =>
        InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = model.ModelPath, RecordingsDirectory = _recordings, Threads = 1 });

    private static async Task UseRemoteAsync(InMemorySidecar sidecar, string baseUrl, int timeoutMs = 60_000)
    {
        await sidecar.CallAsync<JsonElement>(M.RemoteConfigure, new { baseUrl, apiKey = Key, timeoutMs });
        await sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "remote" });
    }

    /// <summary>A one-second dictation from a file, stopped: the stop's error (the test fails if it succeeds).</summary>
    private async Task<RemoteInvocationException> FailingDictationAsync(InMemorySidecar sidecar)
    {
        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = false } });
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // a hang fails the test instead of hanging it
        return await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }, guard.Token));
    }

    private void AssertRecordingKept(RemoteInvocationException ex)
    {
        var kept = Assert.Single(Directory.GetFiles(_recordings, "*.wav"));
        Assert.Contains(kept, ex.Message);
        Assert.Equal(WavDecoder.SampleRate, WavDecoder.ReadMono16k(kept).Length);
    }

    [Fact]
    public async Task A_dictation_sends_one_16_bit_WAV_with_the_vocabulary_prompt_and_the_key_and_gets_the_servers_text()
    {
        await using var server = new FakeTranscriptionServer("ok");
        await using var sidecar = await StartAsync();
        await sidecar.CallAsync<JsonElement>(M.ModelPrepare); // the local model is resident first
        await UseRemoteAsync(sidecar, server.BaseUrl);

        var status = await sidecar.CallAsync<JsonElement>(M.Status);
        Assert.Equal("remote", status.GetProperty("residentBackend").GetString()); // choosing it unloaded Whisper
        Assert.Equal($"remote: {server.Host} (whisper-1)", status.GetProperty("model").GetProperty("path").GetString());

        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = false } });
        var result = await sidecar.CallAsync<JsonElement>(M.DictationStop,
            new { dictationId = id, context = new { vocabulary = new { identifiers = Identifiers } } });

        Assert.Equal(FakeTranscriptionServer.Text, result.GetProperty("rawText").GetString());
        Assert.Equal("remote", result.GetProperty("backend").GetString());
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/audio/transcriptions", request.Path);
        Assert.Equal($"Bearer {Key}", request.Headers["authorization"]);
        var body = request.BodyText;
        Assert.Contains("RIFF", body);
        Assert.Contains("WAVEfmt ", body);
        Assert.Contains("getUserById", body); // the same vocabulary prompt the local backends get
        Assert.Contains("whisper-1", body);
        // 16 kHz mono 16-bit: 32,000 bytes for the second of audio, plus the WAV header and the multipart fields.
        Assert.InRange(request.Body.Length, 32_044, 32_044 + 4096);
        Assert.Empty(Directory.GetFiles(_recordings, "*.wav")); // the text is out: the recording is gone
    }

    [Theory]
    [InlineData("401", WisprErrorCodes.RemoteUnauthorized, "refused the key (HTTP 401)")]
    [InlineData("500", WisprErrorCodes.RemoteServerError, "failed (HTTP 500)")]
    [InlineData("stall", WisprErrorCodes.RemoteTimeout, "did not answer within 2 s")]
    [InlineData("malformed", WisprErrorCodes.RemoteBadResponse, "not an OpenAI transcription")]
    [InlineData("drop", WisprErrorCodes.RemoteUnreachable, "dropped the connection before answering")]
    public async Task A_server_fault_fails_the_stop_with_its_code_naming_the_server_and_keeps_the_recording(string scenario, int code, string says)
    {
        await using var server = new FakeTranscriptionServer(scenario);
        await using var sidecar = await StartAsync();
        // 1 s budget + 1 s of audio: the stall is bounded at 2 s.
        await UseRemoteAsync(sidecar, server.BaseUrl, timeoutMs: 1000);

        var ex = await FailingDictationAsync(sidecar);

        Assert.Equal(code, ex.ErrorCode);
        Assert.Contains($"The transcription server at {server.Host}", ex.Message);
        Assert.Contains(says, ex.Message);
        Assert.DoesNotContain(Key, ex.Message);
        AssertRecordingKept(ex);
        Assert.Single(server.Requests); // none of these is retried
        Assert.Equal("idle", (await sidecar.CallAsync<JsonElement>(M.Status)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_429_is_retried_after_the_wait_its_Retry_After_asks_for()
    {
        await using var server = new FakeTranscriptionServer("429-then-ok") { RetryAfterSeconds = 1 };
        await using var sidecar = await StartAsync();
        await UseRemoteAsync(sidecar, server.BaseUrl);

        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = false } });
        var result = await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });

        Assert.Equal(FakeTranscriptionServer.Text, result.GetProperty("rawText").GetString());
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].ArrivedAt - requests[0].ArrivedAt >= TimeSpan.FromMilliseconds(950),
            $"the retry came {(requests[1].ArrivedAt - requests[0].ArrivedAt).TotalMilliseconds:0} ms after the 429 that asked for 1 s");
    }

    [Fact]
    public async Task A_429_asking_for_more_than_the_budget_fails_at_once_as_rate_limited_and_keeps_the_recording()
    {
        await using var server = new FakeTranscriptionServer("429") { RetryAfterSeconds = 120 };
        await using var sidecar = await StartAsync();
        await UseRemoteAsync(sidecar, server.BaseUrl, timeoutMs: 5000);

        var clock = Stopwatch.StartNew();
        var ex = await FailingDictationAsync(sidecar);

        Assert.Equal(WisprErrorCodes.RemoteRateLimited, ex.ErrorCode);
        Assert.Contains("asked to wait 120 s", ex.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}"); // not after waiting out the budget or the 120 s
        Assert.Single(server.Requests);
        AssertRecordingKept(ex);
    }

    [Fact]
    public async Task An_unreachable_server_is_RemoteUnreachable_naming_it_and_keeps_the_recording()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now: connecting is refused
        await using var sidecar = await StartAsync();
        await UseRemoteAsync(sidecar, $"http://127.0.0.1:{port}/v1", timeoutMs: 1000);

        var ex = await FailingDictationAsync(sidecar);

        Assert.Equal(WisprErrorCodes.RemoteUnreachable, ex.ErrorCode);
        Assert.Contains($"127.0.0.1:{port}", ex.Message);
        AssertRecordingKept(ex);
    }

    [Fact]
    public async Task Choosing_remote_without_a_server_is_RemoteNotConfigured_and_rolls_back_to_the_resident_Whisper()
    {
        await using var sidecar = await StartAsync();
        await sidecar.CallAsync<JsonElement>(M.ModelPrepare);

        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "remote" }));
        Assert.Equal(WisprErrorCodes.RemoteNotConfigured, ex.ErrorCode);
        Assert.Contains("wispr.remote.baseUrl", ex.Message);

        var status = await sidecar.CallAsync<JsonElement>(M.Status);
        Assert.Equal("whisper", status.GetProperty("backend").GetString());
        Assert.Equal("whisper", status.GetProperty("residentBackend").GetString());
    }

    [Fact]
    public async Task Remote_configure_refuses_a_bad_address_keeps_the_previous_server_and_never_echoes_the_key()
    {
        await using var server = new FakeTranscriptionServer("ok");
        await using var sidecar = await StartAsync();
        var ok = await sidecar.CallAsync<JsonElement>(M.RemoteConfigure, new { baseUrl = server.BaseUrl + "?api-key=abc", apiKey = Key });
        Assert.Equal(server.Host, ok.GetProperty("host").GetString());
        Assert.True(ok.GetProperty("hasApiKey").GetBoolean());
        Assert.DoesNotContain(Key, ok.GetRawText());
        Assert.DoesNotContain("abc", ok.GetRawText()); // the address is masked like cleanup's

        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.RemoteConfigure, new { baseUrl = "ftp://nowhere" }));
        Assert.Equal(WisprErrorCodes.RemoteNotConfigured, ex.ErrorCode);

        // The previous server stays in force: switching to remote and dictating reaches it.
        await sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "remote" });
        var status = await sidecar.CallAsync<JsonElement>(M.Status);
        Assert.Equal($"remote: {server.Host} (whisper-1)", status.GetProperty("model").GetProperty("path").GetString());
    }

    [Fact]
    public void The_WAV_sent_is_16_kHz_mono_16_bit_32000_bytes_per_second()
    {
        using var wav = RemoteBackend.EncodeWav(new float[WavDecoder.SampleRate * 3]);
        Assert.Equal(44 + 3 * RemoteBackend.UploadBytesPerSecond, wav.Length);
        Assert.Equal(32_000, RemoteBackend.UploadBytesPerSecond);
    }
}
