using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StreamJsonRpc;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Models;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Dictation;

/// <summary>
/// No model, no recording: offline with nothing cached (the model address refuses connections), or with an explicit model
/// file that is missing, dictation/start fails with ModelNotFound before any audio is captured, so the user is told before
/// speaking, and nothing is left behind.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class NoModelStartTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("wispr-nomodel-").FullName;
    private readonly TestAudio _audio = new();

    private string Recordings => Path.Combine(_root, "recordings");

    public Task InitializeAsync()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        } // closed again: connecting is refused, as offline
        Environment.SetEnvironmentVariable("WISPR_MODEL_BASE_URL", $"http://127.0.0.1:{port}/");
        Environment.SetEnvironmentVariable("WISPR_CACHE_DIR", Path.Combine(_root, "models"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable("WISPR_MODEL_BASE_URL", null);
        Environment.SetEnvironmentVariable("WISPR_CACHE_DIR", null);
        _audio.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private Task<InMemorySidecar> StartAsync(string? whisperModel) => InMemorySidecar.StartAsync(new SidecarOptions
    {
        ModelPath = whisperModel,
        RecordingsDirectory = Recordings,
        Threads = 1,
    });

    [Theory]
    [InlineData(false)] // the default model: not cached, cannot be downloaded
    [InlineData(true)]  // an explicit file that does not exist
    public async Task Start_without_a_model_fails_with_ModelNotFound_before_recording(bool explicitFile)
    {
        await using var sidecar = await StartAsync(explicitFile ? Path.Combine(_root, "missing.bin") : null);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // a failure bound, not a wait
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.DictationStart,
            new { source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = true } }, guard.Token));

        Assert.Equal(WisprErrorCodes.ModelNotFound, ex.ErrorCode);
        var status = await sidecar.CallAsync<JsonElement>(M.Status);
        Assert.Equal("idle", status.GetProperty("state").GetString());
        Assert.DoesNotContain(sidecar.Notifications, n => n.Method is M.DictationStateChanged or M.AudioLevel);
        Assert.False(Directory.Exists(Recordings) && Directory.EnumerateFiles(Recordings).Any(), "a recording was started");
    }
}
