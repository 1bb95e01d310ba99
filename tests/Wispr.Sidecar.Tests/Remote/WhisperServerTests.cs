using System.Diagnostics;
using System.Net;
using System.Text;
using StreamJsonRpc;
using Wispr.Sidecar.Rpc;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Remote;

/// <summary>
/// whisper.cpp's own whisper-server (built from ../shared/vendor by scripts/build-whisper-server.sh, cached under
/// .artifacts/whisper-server/), serving the generated test model on 127.0.0.1 at OpenAI's path. Started once per class,
/// waited for by asking it until it answers (a state, not a time), killed at the end.
/// </summary>
public sealed partial class WhisperServer : IAsyncDisposable
{
    /// <summary>
    /// The server's decoding pinned to what the sidecar's local Whisper does: greedy with best-of 5 (whisper.cpp's default;
    /// the server's is 2), no flash attention (Whisper.net's default; the server's is on), the same threads. Temperature 0
    /// comes with each request; timestamps are decoded on both sides.
    /// </summary>
    public static readonly string[] PinnedDecoding = ["-bo", "5", "-nfa", "-t", "2"];

    private readonly Process _process;

    private WhisperServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    /// <summary>The binary: WISPR_WHISPER_SERVER, else built (once per source commit; cached) by the repository's script.</summary>
    public static string Binary()
    {
        if (Environment.GetEnvironmentVariable("WISPR_WHISPER_SERVER") is { Length: > 0 } given)
            return given;
        var script = Path.Combine(RepoPaths.Root, "scripts", "build-whisper-server.sh");
        using var build = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = build.StandardError.ReadToEndAsync();
        var stdout = build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0)
            throw new InvalidOperationException($"scripts/build-whisper-server.sh failed ({build.ExitCode}): {stderr.Result}");
        return stdout.Trim().Split('\n')[^1];
    }

    public static async Task<WhisperServer> StartAsync(string modelPath)
    {
        var binary = Binary();
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var info = new ProcessStartInfo(binary,
                ["-m", modelPath, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 "--inference-path", "/v1/audio/transcriptions", .. PinnedDecoding])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new WhisperServer(process, port);
            if (await server.WaitUntilAnsweringAsync())
                return server;
            await server.DisposeAsync();
            if (attempt == 3)
                throw new InvalidOperationException($"whisper-server did not start on 127.0.0.1 (3 tries; last port {port}).");
        }
    }

    /// <summary>True once the server answers HTTP; false if it exited (a taken port). Bounded at 3 minutes for a loaded machine.</summary>
    private async Task<bool> WaitUntilAnsweringAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (!bound.IsCancellationRequested)
        {
            if (_process.HasExited)
                return false;
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Port}/"), bound.Token);
                return true;
            }
            catch (HttpRequestException)
            {
                // Not listening yet: wait for the process to change state (exit) or a short beat, then ask again.
                try { await _process.WaitForExitAsync(bound.Token).WaitAsync(TimeSpan.FromMilliseconds(100)); }
                catch (TimeoutException) { }
            }
        }
        return false;
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"\s+")]
    public static partial Regex Spaces();
}

/// <summary>The remote backend against a real whisper-server: a dictation through the sidecar, and the same text as in process.</summary>
[Collection(WhisperModelCollection.Name)]
public sealed class WhisperServerTests(WhisperTestModelFixture model) : IAsyncLifetime
{
    private readonly string _recordings = Directory.CreateTempSubdirectory("wispr-remote-recordings-").FullName;
    private WhisperServer _server = null!;

    public async Task InitializeAsync() => _server = await WhisperServer.StartAsync(model.ModelPath);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_recordings, recursive: true);
    }

    private static string Normalized(JsonElement result) => WhisperServer.Spaces().Replace(result.GetProperty("rawText").GetString()!, " ").Trim();

    [Fact]
    public async Task The_same_model_gives_the_same_text_in_process_and_through_whisper_server_for_a_dictation()
    {
        await using var sidecar = await InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = model.ModelPath, RecordingsDirectory = _recordings, Threads = 2,
            AudioContext = global::Wispr.Sidecar.Recognition.AudioContextMode.Full }); // whisper-server encodes the full 30 s window
        var local = await sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = RepoPaths.JfkWav });
        Assert.Equal("whisper", local.GetProperty("backend").GetString());

        await sidecar.CallAsync<JsonElement>(M.RemoteConfigure, new { baseUrl = _server.BaseUrl, model = "test-model" });
        var status = await sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "remote" });
        Assert.Equal("remote", status.GetProperty("residentBackend").GetString()); // the local model is unloaded

        // A whole dictation on the remote backend: capture, spool, stop, the server's text.
        // Whole-recording decoding (segmented: false), so the server gets the same clip the local transcription did.
        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = RepoPaths.JfkWav, realtime = false }, segmented = false },
            TimeSpan.FromSeconds(60));
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var remote = await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }, guard.Token);

        Assert.Equal("remote", remote.GetProperty("backend").GetString());
        Assert.Equal($"remote: 127.0.0.1:{_server.Port} (test-model)", remote.GetProperty("modelPath").GetString());
        Assert.NotEqual("", Normalized(local));
        Assert.Equal(Normalized(local), Normalized(remote));
        Assert.Empty(Directory.GetFiles(_recordings, "*.wav"));
    }

    /// <summary>
    /// The real sidecar process (logging at Trace) on the remote backend against whisper-server: a dictation, then a server that
    /// refuses the key. The key reaches the servers and no log line; the dictation's text is the in-process text.
    /// </summary>
    [Fact]
    public async Task The_sidecar_process_dictates_through_whisper_server_and_never_logs_the_key()
    {
        var key = "sk-remote-" + Guid.NewGuid().ToString("N");
        await using var refusing = new FakeTranscriptionServer("401");
        var child = SidecarChild.Start(["serve", "--model", model.ModelPath, "--threads", "2", "--audioContext", "full",
            "--recordingsDir", _recordings, "--logLevel", "Trace"]);
        await using (child)
        {
            var process = child.Process;
            using var rpc = RpcConnection.Create(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
            var sourceEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            rpc.AddLocalRpcTarget(new SourceEndedSink(sourceEnded), RpcConnection.TargetOptions);
            rpc.StartListening();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var ct = timeout.Token;
            Task<JsonElement> Call(string method, object args) => rpc.InvokeWithParameterObjectAsync<JsonElement>(method, args, ct);

            await Call(M.Initialize, new { clientName = "test" });
            var local = await Call(M.TranscribeFile, new { path = RepoPaths.JfkWav });
            await Call(M.RemoteConfigure, new { baseUrl = _server.BaseUrl, apiKey = key });
            Assert.Equal("remote", (await Call(M.BackendSelect, new { backend = "remote" })).GetProperty("residentBackend").GetString());
            await Call(M.DictationStart, new { source = new { kind = "wavFile", path = RepoPaths.JfkWav, realtime = false }, segmented = false });
            await sourceEnded.Task.WaitAsync(ct); // the whole file is in: stop now transcribes all of it
            var remote = await Call(M.DictationStop, new { });
            Assert.Equal("remote", remote.GetProperty("backend").GetString());
            Assert.Equal(Normalized(local), Normalized(remote));

            await Call(M.RemoteConfigure, new { baseUrl = refusing.BaseUrl, apiKey = key });
            var refused = await Assert.ThrowsAsync<RemoteInvocationException>(() => Call(M.TranscribeFile, new { path = RepoPaths.JfkWav }));
            Assert.Equal(WisprErrorCodes.RemoteUnauthorized, refused.ErrorCode);
            Assert.Equal($"Bearer {key}", Assert.Single(refusing.Requests).Headers["authorization"]); // the key did reach the server

            // Answered, then the exit: the sidecar stops only once the answer is on stdout (ShutdownAnswerTests).
            await Call(M.Shutdown, new { });
            await process.WaitForExitAsync(ct);
            Assert.Equal(0, process.ExitCode);
        }
        Assert.Contains("Remote transcription", child.Log); // the Trace log was captured
        Assert.DoesNotContain(key, child.Log);
    }

    private sealed class SourceEndedSink(TaskCompletionSource ended)
    {
        [JsonRpcMethod(M.DictationSourceEnded)]
        public void SourceEnded(JsonElement p) => ended.TrySetResult();
    }
}
