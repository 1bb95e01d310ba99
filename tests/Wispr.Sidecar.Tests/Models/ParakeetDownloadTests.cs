using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Recognition.Parakeet;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;

namespace Wispr.Sidecar.Tests.Models;

/// <summary>
/// The Parakeet download into the user cache, against a real HTTP server on loopback that serves the tiny test model under the
/// int8 export's names and Hugging Face's path layout (WISPR_MODEL_BASE_URL points at it): once only, never a half folder.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class ParakeetDownloadTests : IDisposable
{
    private const string RepoPath = "/istupakov/parakeet-tdt-0.6b-v2-onnx/resolve/main/";

    // Served name -> file of the tiny model (an int8 encoder is self-contained, as the tiny full-precision one is).
    private static readonly Dictionary<string, string> Served = new()
    {
        ["encoder-model.int8.onnx"] = "encoder-model.onnx",
        ["decoder_joint-model.int8.onnx"] = "decoder_joint-model.onnx",
        ["vocab.txt"] = "vocab.txt",
        ["config.json"] = "config.json",
    };

    private readonly string _cache = Directory.CreateTempSubdirectory("wispr-parakeet-dl-").FullName;
    private readonly LoopbackModelServer _server;
    private readonly List<string> _requests = [];

    /// <summary>What the server does wrong, per served file name: "404", "short" (ends before its Content-Length), "garbage".</summary>
    private readonly Dictionary<string, string> _faults = new();

    public ParakeetDownloadTests()
    {
        _server = new LoopbackModelServer(_cache, AnswerAsync);
    }

    private string Folder => Path.Combine(_cache, ParakeetModelLayout.DefaultFolderName);

    private async Task AnswerAsync(HttpListenerContext ctx)
    {
        var path = ctx.Request.Url!.AbsolutePath;
        var name = path.StartsWith(RepoPath, StringComparison.Ordinal) ? path[RepoPath.Length..] : "";
        lock (_requests)
            _requests.Add(name);
        string? fault;
        lock (_faults)
            _faults.TryGetValue(name, out fault);
        if (!Served.TryGetValue(name, out var file) || fault == "404")
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
            return;
        }
        var bytes = await File.ReadAllBytesAsync(Path.Combine(TinyParakeetModel.Folder, file));
        if (fault == "garbage")
            bytes = Enumerable.Range(0, bytes.Length).Select(i => (byte)(i * 31 + 7)).ToArray();
        ctx.Response.ContentLength64 = bytes.Length;
        if (fault == "short")
        {
            await ctx.Response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            ctx.Response.Abort(); // the connection drops mid-file
            return;
        }
        await ctx.Response.OutputStream.WriteAsync(bytes);
        ctx.Response.Close();
    }

    private int RequestCount { get { lock (_requests) return _requests.Count; } }

    private static ParakeetBackendProvider Provider() => new(
        new ModelDownloader(new HttpClient(), NullLogger<ModelDownloader>.Instance), new SidecarOptions(), NullLoggerFactory.Instance);

    private void AssertNoFolderLeft()
    {
        Assert.False(Directory.Exists(Folder), "a failed download left the model folder");
        Assert.False(Directory.Exists(Folder + ".download"), "a failed download left its staging folder");
        var notFound = Assert.Throws<WisprException>(() => ParakeetModelLayout.Locate(Folder));
        Assert.Equal(WisprErrorCodes.ModelNotFound, notFound.Code);
    }

    [ParakeetFact]
    public async Task Downloads_the_int8_export_once_then_prepares_from_the_cache_without_a_request()
    {
        var progress = new List<ModelProgress>();
        var (folder, downloaded) = await Provider().EnsureModelAsync(null, progress.Add, CancellationToken.None);

        Assert.True(downloaded);
        Assert.Equal(Folder, folder);
        Assert.Equal(ModelCatalog.ParakeetTdtV2.Files.Order(), _requests.Order());
        Assert.True(ModelDownloader.IsComplete(folder));
        foreach (var (served, file) in Served)
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(TinyParakeetModel.Folder, file)), await File.ReadAllBytesAsync(Path.Combine(folder, served)));
        foreach (var served in Served.Keys)
            Assert.Contains(progress, p => p.Stage == ModelProgressStage.Download && p.File == served && p.ReceivedBytes == p.TotalBytes && p.ReceivedBytes > 0);
        Assert.Contains(progress, p => p.Stage == ModelProgressStage.Verify);

        var (again, downloadedAgain) = await Provider().EnsureModelAsync(null, null, CancellationToken.None);
        Assert.False(downloadedAgain);
        Assert.Equal(folder, again);
        Assert.Equal(4, RequestCount);

        await using var backend = await Provider().LoadAsync(folder, CancellationToken.None);
        Assert.Equal(TinyParakeetModel.ExpectedText, string.Concat((await backend.TranscribeAsync(new float[16000 * 2], Sidecar.Recognition.TranscribeOptions.Default, CancellationToken.None)
            .ToListAsync()).Select(s => s.Text)));
    }

    [ParakeetFact]
    public async Task A_download_cut_short_leaves_no_folder_and_the_next_prepare_fetches_it_whole()
    {
        lock (_faults)
            _faults["encoder-model.int8.onnx"] = "short";
        var ex = await Assert.ThrowsAsync<WisprException>(() => Provider().EnsureModelAsync(null, null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelDownloadFailed, ex.Code);
        Assert.Contains(_server.Prefix + RepoPath.TrimStart('/') + "encoder-model.int8.onnx", ex.Message);
        AssertNoFolderLeft();

        lock (_faults)
            _faults.Clear();
        var (folder, downloaded) = await Provider().EnsureModelAsync(null, null, CancellationToken.None);
        Assert.True(downloaded);
        Assert.True(ModelDownloader.IsComplete(folder));
    }

    [ParakeetFact]
    public async Task A_404_is_ModelSourceNotFound_naming_the_address_the_files_and_the_folder()
    {
        lock (_faults)
            _faults["vocab.txt"] = "404";
        var ex = await Assert.ThrowsAsync<WisprException>(() => Provider().EnsureModelAsync(null, null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelSourceNotFound, ex.Code);
        Assert.Contains(_server.Prefix + RepoPath.TrimStart('/') + "vocab.txt", ex.Message);
        Assert.Contains("404", ex.Message);
        Assert.Contains(ParakeetModelLayout.PublicAddress, ex.Message);
        Assert.Contains(Folder, ex.Message);
        AssertNoFolderLeft();
    }

    [ParakeetFact]
    public async Task Files_that_arrive_whole_but_do_not_load_are_discarded()
    {
        lock (_faults)
            _faults["decoder_joint-model.int8.onnx"] = "garbage";
        var ex = await Assert.ThrowsAsync<WisprException>(() => Provider().EnsureModelAsync(null, null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelDownloadFailed, ex.Code);
        Assert.Contains("not form a usable model", ex.Message);
        AssertNoFolderLeft();
    }

    [ParakeetFact]
    public async Task A_folder_filled_by_hand_or_an_explicit_one_is_used_as_it_is()
    {
        var explicitFolder = TinyParakeetModel.CopyTo(_cache);
        var (path, downloaded) = await Provider().EnsureModelAsync(explicitFolder, null, CancellationToken.None);
        Assert.Equal(explicitFolder, path);
        Assert.False(downloaded);

        Directory.Move(explicitFolder, Folder);
        (path, downloaded) = await Provider().EnsureModelAsync(null, null, CancellationToken.None);
        Assert.Equal(Folder, path);
        Assert.False(downloaded);
        Assert.Equal(0, RequestCount);
    }

    [Fact]
    public void The_base_address_can_point_at_a_mirror()
    {
        Assert.Equal(new Uri(_server.Prefix + "ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin"), ModelCatalog.WhisperBaseEn.Url);
        Assert.Equal(new Uri(_server.Prefix + RepoPath.TrimStart('/')), ModelCatalog.ParakeetTdtV2.BaseUrl);
        Environment.SetEnvironmentVariable("WISPR_MODEL_BASE_URL", null);
        Assert.Equal(new Uri("https://huggingface.co/istupakov/parakeet-tdt-0.6b-v2-onnx/resolve/main/"), ModelCatalog.ParakeetTdtV2.BaseUrl);
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_cache, true);
    }
}

/// <summary>Tests that set process-wide environment variables (WISPR_CACHE_DIR, WISPR_MODEL_BASE_URL): run alone, not beside others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Environment variables";
}
