using System.Diagnostics;
using System.Net;
using System.Text.Json;
using StreamJsonRpc;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;
using static Wispr.Sidecar.Tests.Support.DownloadTestHost;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Models;

/// <summary>
/// A model server that answers and then stalls, or cuts a file short, or has nothing, against the real sidecar (real
/// providers, WISPR_MODEL_BASE_URL pointing at a loopback server): bounded waits, no backend lock held by the network,
/// the recording kept, the right codes, and a failed switch rolled back to the backend that was resident.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class StalledDownloadTests : IAsyncLifetime
{

    private readonly string _cache = Directory.CreateTempSubdirectory("wispr-stall-").FullName;
    private readonly TestAudio _audio = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackModelServer _server = null!;
    private volatile string _mode = "stall";

    private string Recordings => Path.Combine(_cache, "recordings");

    public Task InitializeAsync()
    {
        _server = new LoopbackModelServer(Path.Combine(_cache, "models"), AnswerAsync);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _release.TrySetResult();
        _server.Dispose();
        _audio.Dispose();
        Directory.Delete(_cache, recursive: true);
        return Task.CompletedTask;
    }

    private async Task AnswerAsync(HttpListenerContext ctx)
    {
        if (_mode == "404")
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
            return;
        }
        ctx.Response.ContentLength64 = 1_000_000;
        await ctx.Response.OutputStream.WriteAsync(new byte[1000]);
        await ctx.Response.OutputStream.FlushAsync();
        if (_mode == "short")
        {
            ctx.Response.Abort(); // the connection drops mid-file
            return;
        }
        await _release.Task; // headers and a first block, then nothing: a stalled server
        ctx.Response.Abort();
    }

    private Task<InMemorySidecar> StartAsync(string? whisperModel = null) => StartSidecarAsync(Recordings, whisperModel);

    [Fact]
    public async Task A_download_that_stalls_after_its_headers_fails_prepare_within_the_idle_timeout_and_holds_no_backend_lock()
    {
        await using var sidecar = await StartAsync();
        var prepare = sidecar.CallAsync<JsonElement>(M.ModelPrepare);
        // The first block's progress: the download is running (and about to stall).
        await sidecar.WaitForNotificationAsync(M.ModelProgress, p => p.GetProperty("stage").GetString() == "download", TimeSpan.FromSeconds(30));

        // model/unload takes the backend lock: it must not wait behind the stalled network.
        using (var quick = new CancellationTokenSource(Slack))
            await sidecar.CallAsync<JsonElement>(M.ModelUnload, ct: quick.Token);

        var (elapsed, ex) = await FailsWithinAsync(_ => prepare);
        Assert.Equal(WisprErrorCodes.ModelDownloadFailed, ex.ErrorCode);
        Assert.Contains("stalled", ex.Message);
        Assert.Contains(_server.Prefix, ex.Message);
        Assert.True(elapsed < IdleTimeout + Slack, $"prepare answered after {elapsed}");
    }

    [Fact]
    public async Task Stop_during_a_stalled_prepare_answers_within_the_bound_with_ModelDownloadFailed_and_keeps_the_recording()
    {
        await using var sidecar = await StartAsync();
        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = false } });

        var clock = Stopwatch.StartNew();
        var (_, ex) = await FailsWithinAsync(ct => sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }, ct));
        var elapsed = clock.Elapsed;
        Assert.Equal(WisprErrorCodes.ModelDownloadFailed, ex.ErrorCode);
        Assert.True(elapsed < IdleTimeout + Slack, $"stop answered after {elapsed}");
        var kept = Assert.Single(Directory.GetFiles(Recordings, "*.wav"));
        Assert.Contains(kept, ex.Message);
        Assert.Equal(16000, WavDecoder.ReadMono16k(kept).Length);
    }

    [Fact]
    public async Task A_cut_short_Whisper_download_is_ModelDownloadFailed_and_leaves_nothing()
    {
        _mode = "short";
        await using var sidecar = await StartAsync();
        var (_, ex) = await FailsWithinAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelPrepare, ct: ct));
        Assert.Equal(WisprErrorCodes.ModelDownloadFailed, ex.ErrorCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(_cache, "models")));
    }

    [Fact]
    public async Task A_failed_switch_to_an_undownloadable_Parakeet_rolls_back_to_the_resident_Whisper()
    {
        _mode = "404";
        var model = Path.Combine(_cache, "whisper-test.bin");
        Wispr.ModelGen.WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, model, Wispr.ModelGen.WhisperShape.Test, seed: 1);
        await using var sidecar = await StartAsync(model);
        await sidecar.CallAsync<JsonElement>(M.ModelPrepare);
        Assert.Equal("whisper", (await sidecar.CallAsync<JsonElement>(M.Status)).GetProperty("residentBackend").GetString());

        var (_, ex) = await FailsWithinAsync(ct => sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "parakeet" }, ct));
        Assert.Equal(WisprErrorCodes.ModelSourceNotFound, ex.ErrorCode);

        var status = await sidecar.CallAsync<JsonElement>(M.Status);
        Assert.Equal("whisper", status.GetProperty("backend").GetString());
        Assert.Equal("whisper", status.GetProperty("residentBackend").GetString());
        Assert.Equal(model, status.GetProperty("model").GetProperty("path").GetString());
        Assert.True(status.GetProperty("model").GetProperty("loaded").GetBoolean());
        Assert.False(status.GetProperty("switching").GetBoolean());
    }
}
