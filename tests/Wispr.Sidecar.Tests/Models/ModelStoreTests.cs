using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using StreamJsonRpc;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;
using static Wispr.Sidecar.Tests.Support.DownloadTestHost;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Models;

/// <summary>
/// The model store end to end against <see cref="ModelFileServer"/> on loopback, through a stand-in catalog (WISPR_MODEL_CATALOG)
/// whose files are generated here with their own checksums: complete, interrupted and resumed, a server without ranges, a wrong
/// checksum, 404, a stall, slow with cancel, two callers of one file, a full disk, list/delete/useFile.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class ModelStoreTests : IAsyncLifetime
{
    private const int Size = 3 * 1024 * 1024 + 123;
    private const string WhisperPath = "org/repo/resolve/main/ggml-stand-in.bin";

    private readonly string _root = Directory.CreateTempSubdirectory("wispr-store-").FullName;
    private ModelFileServer _server = null!;
    private string Cache => Path.Combine(_root, "models");

    public async Task InitializeAsync()
    {
        _server = ModelFileServer.Start();
        _server.Serve(WhisperPath, ModelFileServer.StandIn(Size, seed: 1));
        WriteCatalog(_server.WhisperEntry("stand-in", WhisperPath));
        Environment.SetEnvironmentVariable("WISPR_MODEL_BASE_URL", _server.Prefix);
        Environment.SetEnvironmentVariable("WISPR_CACHE_DIR", Cache);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable("WISPR_MODEL_BASE_URL", null);
        Environment.SetEnvironmentVariable("WISPR_CACHE_DIR", null);
        Environment.SetEnvironmentVariable("WISPR_MODEL_CATALOG", null);
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private void WriteCatalog(params CatalogEntry[] entries)
    {
        var file = Path.Combine(_root, "catalog.json");
        File.WriteAllText(file, ModelCatalog.Serialize(entries));
        Environment.SetEnvironmentVariable("WISPR_MODEL_CATALOG", file);
    }

    private string Target => Path.Combine(Cache, "ggml-stand-in.bin");
    private string Partial => ModelDownloader.PartialPath(Cache, "ggml-stand-in.bin");

    private Task<InMemorySidecar> StartAsync() => StartSidecarAsync(Path.Combine(_root, "recordings"));

    private static ModelDownloader Downloader(FreeSpaceProbe? freeSpace = null) =>
        new(new HttpClient(), NullLogger<ModelDownloader>.Instance, IdleTimeout, freeSpace);

    private static async Task<RemoteInvocationException> FailsAsync(Func<CancellationToken, Task> call) => (await FailsWithinAsync(call)).Error;

    private static JsonElement Item(JsonElement list, string id) =>
        list.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("id").GetString() == id);

    [Fact]
    public async Task A_download_completes_with_progress_and_speed_and_the_list_shows_it_then_never_fetches_again()
    {
        await using var sidecar = await StartAsync();
        var before = Item(await sidecar.CallAsync<JsonElement>(M.ModelsList), "stand-in");
        Assert.False(before.GetProperty("downloaded").GetBoolean());
        Assert.Equal(Size, before.GetProperty("sizeBytes").GetInt64());

        var result = await sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" });
        Assert.True(result.GetProperty("downloaded").GetBoolean());
        Assert.Equal(Target, result.GetProperty("path").GetString());
        Assert.Equal(_server[WhisperPath].Content, await File.ReadAllBytesAsync(Target));
        var last = await sidecar.WaitForNotificationAsync(M.ModelsDownloadProgress, p => p.GetProperty("receivedBytes").GetInt64() == Size, Slack);
        Assert.Equal("stand-in", last.GetProperty("id").GetString());
        Assert.Equal(Size, last.GetProperty("totalBytes").GetInt64());
        Assert.True(last.GetProperty("bytesPerSecond").GetInt64() > 0);

        var list = await sidecar.CallAsync<JsonElement>(M.ModelsList);
        var after = Item(list, "stand-in");
        Assert.True(after.GetProperty("downloaded").GetBoolean());
        Assert.Equal(Size, after.GetProperty("sizeOnDisk").GetInt64());
        Assert.Equal(0, after.GetProperty("partialBytes").GetInt64());
        Assert.Equal(Cache, list.GetProperty("cacheFolder").GetString());
        Assert.True(list.GetProperty("cacheBytes").GetInt64() >= Size);
        Assert.Equal("stand-in", list.GetProperty("recommended").GetString());

        var again = await sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" });
        Assert.False(again.GetProperty("downloaded").GetBoolean());
        Assert.Equal(1, _server[WhisperPath].Requests);
    }

    [Fact]
    public async Task An_interrupted_download_resumes_with_a_range_request_and_fetches_no_byte_twice()
    {
        var file = _server[WhisperPath];
        file.CutNextAfter = 1_000_000;
        await using var sidecar = await StartAsync();
        var cut = await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" }, ct));
        Assert.Equal(WisprErrorCodes.ModelDownloadFailed, cut.ErrorCode);
        Assert.Contains("resumes", cut.Message);
        Assert.False(File.Exists(Target));
        Assert.Equal(1_000_000, new FileInfo(Partial).Length);
        Assert.Equal(1_000_000, Item(await sidecar.CallAsync<JsonElement>(M.ModelsList), "stand-in").GetProperty("partialBytes").GetInt64());

        await sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" });
        Assert.Equal(file.Content, await File.ReadAllBytesAsync(Target));
        Assert.Equal([null, 1_000_000L], file.RangeStarts.ToArray());
        Assert.Equal(Size, file.BytesSent); // the overlap of the two requests is empty
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task A_server_that_ignores_ranges_restarts_the_download_cleanly_from_byte_zero()
    {
        var file = _server[WhisperPath];
        file.IgnoreRange = true;
        file.CutNextAfter = 1_000_000;
        var downloader = Downloader();
        var model = ModelCatalog.AsFile(ModelCatalog.Find("stand-in")!);
        var cut = await Assert.ThrowsAsync<WisprException>(() => downloader.EnsureAsync(model, Cache, null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelDownloadFailed, cut.Code);

        var (path, downloaded) = await downloader.EnsureAsync(model, Cache, null, CancellationToken.None);
        Assert.True(downloaded);
        Assert.Equal(file.Content, await File.ReadAllBytesAsync(path)); // not the first megabyte twice
        Assert.Equal([null, 1_000_000L], file.RangeStarts.ToArray());
        Assert.Equal(1_000_000 + Size, file.BytesSent);
    }

    [Fact]
    public async Task A_wrong_checksum_discards_the_bytes_with_its_own_code()
    {
        WriteCatalog(_server.WhisperEntry("stand-in", WhisperPath, sha1: new string('0', 40)));
        await using var sidecar = await StartAsync();
        var ex = await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" }, ct));
        Assert.Equal(WisprErrorCodes.ModelChecksumMismatch, ex.ErrorCode);
        Assert.Contains("SHA-1", ex.Message);
        Assert.False(File.Exists(Target));
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task A_404_and_an_unreachable_server_have_their_own_codes_and_name_the_address()
    {
        _server[WhisperPath].NotFound = true;
        await using var sidecar = await StartAsync();
        var missing = await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" }, ct));
        Assert.Equal(WisprErrorCodes.ModelSourceNotFound, missing.ErrorCode);
        Assert.Contains(_server.Prefix + WhisperPath, missing.Message);

        var closed = ModelFileServer.Start();
        var offline = closed.Prefix;
        await closed.DisposeAsync(); // nothing listens there any more
        Environment.SetEnvironmentVariable("WISPR_MODEL_BASE_URL", offline);
        var unreachable = await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" }, ct));
        Assert.Equal(WisprErrorCodes.ModelSourceUnreachable, unreachable.ErrorCode);
        Assert.Contains(offline + WhisperPath, unreachable.Message);
        var unknown = await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "no-such-model" }, ct));
        Assert.Equal(WisprErrorCodes.UnknownModel, unknown.ErrorCode);
    }

    [Fact]
    public async Task A_stall_after_the_headers_fails_within_the_idle_timeout()
    {
        _server[WhisperPath].StallAfterHeaders = true;
        await using var sidecar = await StartAsync();
        var clock = Stopwatch.StartNew();
        var ex = await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" }, ct));
        Assert.Equal(WisprErrorCodes.ModelDownloadFailed, ex.ErrorCode);
        Assert.Contains("stalled", ex.Message);
        Assert.True(clock.Elapsed < IdleTimeout + Slack, $"answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task Cancelling_a_slow_download_stops_it_keeps_its_bytes_and_the_next_one_resumes()
    {
        var file = _server[WhisperPath];
        // A slow server: the first 16 KiB, then nothing until the test has cancelled (a state, not a pace).
        file.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        file.ChunkDelay = TimeSpan.FromMilliseconds(5);
        await using var sidecar = await StartAsync();
        using var cancel = new CancellationTokenSource();
        var download = sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" }, cancel.Token);
        await sidecar.WaitForNotificationAsync(M.ModelsDownloadProgress, p => p.GetProperty("receivedBytes").GetInt64() > 0, Slack * 3);
        var clock = Stopwatch.StartNew();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);
        Assert.True(clock.Elapsed < Slack, $"cancel answered after {clock.Elapsed}");
        // The download itself stopped (nobody else waited for it): nothing more was read after the cancel.
        Assert.True(file.Ended.TryPeek(out var ended));
        file.Gate.SetResult();
        await ended!.Task.WaitAsync(Slack * 3);
        var kept = new FileInfo(Partial).Length;
        Assert.InRange(kept, 1, 16384); // at most what the server sent before the cancel
        var listed = Item(await sidecar.CallAsync<JsonElement>(M.ModelsList), "stand-in");
        Assert.False(listed.GetProperty("downloading").GetBoolean());
        Assert.False(listed.GetProperty("downloaded").GetBoolean());

        file.ChunkDelay = null;
        await sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" });
        Assert.Equal(file.Content, await File.ReadAllBytesAsync(Target));
        Assert.Equal(kept, file.RangeStarts.Last());
    }

    [Fact]
    public async Task Two_callers_of_one_file_share_one_download_and_its_progress()
    {
        var file = _server[WhisperPath];
        file.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var downloader = Downloader();
        var url = new Uri(_server.BaseUrl, WhisperPath);
        var expected = new ModelDownloader.Expected(Size, file.Sha1);
        var firstTicks = 0;
        var secondTicks = 0;
        var first = downloader.FetchAsync(url, Target, Partial, expected, _ => Interlocked.Increment(ref firstTicks), CancellationToken.None);
        // FetchAsync joins (or starts) synchronously: when it returns, the second caller is attached to whatever runs.
        var second = downloader.FetchAsync(url, Target, Partial, expected, _ => Interlocked.Increment(ref secondTicks), CancellationToken.None);
        file.Gate.SetResult();
        Assert.Equal(new long[] { Size, Size }, await Task.WhenAll(first, second).WaitAsync(Slack * 3));
        Assert.Equal(1, file.Requests);
        Assert.True(secondTicks > 0, "the second caller saw the shared download's progress");
        Assert.Equal(file.Content, await File.ReadAllBytesAsync(Target));
    }

    [Fact]
    public async Task Too_little_free_space_fails_before_the_first_byte_with_its_own_code()
    {
        // An injectable probe stands for a nearly full disk (the real filling is the tmpfs test below).
        var downloader = Downloader(freeSpace: _ => Size / 2);
        var ex = await Assert.ThrowsAsync<WisprException>(() =>
            downloader.EnsureAsync(ModelCatalog.AsFile(ModelCatalog.Find("stand-in")!), Cache, null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.InsufficientDiskSpace, ex.Code);
        Assert.Contains("free", ex.Message);
        Assert.Equal(0, _server[WhisperPath].Requests);
    }

    [SkippableTmpfsFact]
    public async Task A_disk_that_fills_during_the_download_fails_with_its_code_and_keeps_the_bytes_for_a_resume()
    {
        var small = Path.Combine(_root, "small-disk");
        Directory.CreateDirectory(small);
        Assert.True(TmpfsMount.TryMount(small, "2m", out var why), why);
        try
        {
            // The probe says there is room (as a stale or wrong answer would): the real disk then fills.
            var downloader = Downloader(freeSpace: _ => long.MaxValue);
            var ex = await Assert.ThrowsAsync<WisprException>(() =>
                downloader.EnsureAsync(ModelCatalog.AsFile(ModelCatalog.Find("stand-in")!), small, null, CancellationToken.None));
            Assert.Equal(WisprErrorCodes.InsufficientDiskSpace, ex.Code);
            Assert.Contains("filled up", ex.Message);
            Assert.False(File.Exists(Path.Combine(small, "ggml-stand-in.bin")));
            Assert.True(new FileInfo(ModelDownloader.PartialPath(small, "ggml-stand-in.bin")).Length > 0);
        }
        finally
        {
            TmpfsMount.Unmount(small);
        }
    }

    [Fact]
    public async Task Delete_refuses_the_resident_model_and_removes_any_other_with_its_partial_bytes()
    {
        var model = Path.Combine(_root, "whisper-test.bin");
        Wispr.ModelGen.WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, model, Wispr.ModelGen.WhisperShape.Test, seed: 1);
        var bytes = await File.ReadAllBytesAsync(model);
        _server.Serve("org/repo/resolve/main/ggml-real.bin", bytes);
        WriteCatalog(_server.WhisperEntry("stand-in", WhisperPath), _server.WhisperEntry("real", "org/repo/resolve/main/ggml-real.bin"));
        await using var sidecar = await StartAsync();
        await sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "real" });
        await sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "whisper", modelPath = "real" });
        var list = await sidecar.CallAsync<JsonElement>(M.ModelsList);
        Assert.True(Item(list, "real").GetProperty("resident").GetBoolean());
        Assert.True(Item(list, "real").GetProperty("selected").GetBoolean());

        var refused = await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsDelete, new { id = "real" }, ct));
        Assert.Equal(WisprErrorCodes.ModelInUse, refused.ErrorCode);
        Assert.True(File.Exists(Path.Combine(Cache, "ggml-real.bin")));

        _server[WhisperPath].CutNextAfter = 100_000;
        await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" }, ct));
        var deleted = await sidecar.CallAsync<JsonElement>(M.ModelsDelete, new { id = "stand-in" });
        Assert.Equal(100_000, deleted.GetProperty("freedBytes").GetInt64());
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task Use_file_validates_before_use_and_a_bad_file_changes_nothing()
    {
        var model = Path.Combine(_root, "mine.bin");
        Wispr.ModelGen.WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, model, Wispr.ModelGen.WhisperShape.Test, seed: 2);
        var garbage = Path.Combine(_root, "garbage.bin");
        await File.WriteAllBytesAsync(garbage, Encoding.ASCII.GetBytes("not a model at all"));
        await using var sidecar = await StartAsync();

        var bad = await FailsAsync(ct => sidecar.CallAsync<JsonElement>(M.ModelsUseFile, new { path = garbage }, ct));
        Assert.Equal(WisprErrorCodes.ModelInvalid, bad.ErrorCode);
        var status = await sidecar.CallAsync<JsonElement>(M.Status);
        Assert.Equal("whisper", status.GetProperty("backend").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("residentBackend").ValueKind);
        if (status.GetProperty("model").ValueKind == JsonValueKind.Object)
            Assert.NotEqual(garbage, status.GetProperty("model").GetProperty("path").GetString());

        var used = await sidecar.CallAsync<JsonElement>(M.ModelsUseFile, new { path = model });
        Assert.Equal("whisper", used.GetProperty("backend").GetString());
        Assert.Equal(model, used.GetProperty("status").GetProperty("model").GetProperty("path").GetString());
        Assert.True(used.GetProperty("status").GetProperty("model").GetProperty("loaded").GetBoolean());
        Assert.True(File.Exists(model)); // used where it is, not moved
    }

    [Fact]
    public async Task Downloads_go_through_the_proxy_the_environment_names()
    {
        await using var proxy = TinyProxy.Start();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Wispr.Sidecar.dll"), "serve", "--logLevel", "Warning" })
            psi.ArgumentList.Add(a);
        foreach (var name in new[] { "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "https_proxy", "http_proxy" })
            psi.Environment.Remove(name);
        psi.Environment["HTTP_PROXY"] = proxy.Address;
        psi.Environment["HTTPS_PROXY"] = proxy.Address;
        psi.Environment["WISPR_MODEL_CATALOG"] = Environment.GetEnvironmentVariable("WISPR_MODEL_CATALOG");
        psi.Environment["WISPR_MODEL_BASE_URL"] = _server.Prefix;
        psi.Environment["WISPR_CACHE_DIR"] = Cache;
        psi.Environment["WISPR_RECORDINGS_DIR"] = Path.Combine(_root, "recordings");
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var rpc = RpcConnection.Create(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
            rpc.StartListening();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var result = await rpc.InvokeWithParameterObjectAsync<JsonElement>(M.ModelsDownload, new { id = "stand-in" }, timeout.Token);
            Assert.True(result.GetProperty("downloaded").GetBoolean());
            await rpc.InvokeWithParameterObjectAsync<JsonElement>(M.Shutdown, new { }, timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        Assert.Contains(proxy.RequestLines, l => l.Contains(_server.Prefix + WhisperPath, StringComparison.Ordinal));
        Assert.Contains(_server.RequestLines, l => l.StartsWith("GET http://", StringComparison.Ordinal)); // came by the proxy
        Assert.Equal(_server[WhisperPath].Content, await File.ReadAllBytesAsync(Target));
        _ = await stderr;
    }
}

/// <summary>The embedded catalog itself: complete, well-formed, and the recommendation's picks exist.</summary>
[Collection(EnvironmentCollection.Name)] // WISPR_MODEL_CATALOG, set by the store tests, would replace it
public sealed class ModelCatalogTests
{
    [Fact]
    public void The_catalog_lists_every_whisper_size_english_and_multilingual_with_published_checksums_and_both_parakeets()
    {
        Assert.Null(Environment.GetEnvironmentVariable("WISPR_MODEL_CATALOG"));
        var all = ModelCatalog.All;
        Assert.Equal(all.Count, all.Select(e => e.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var size in new[] { "tiny", "base", "small", "medium" })
            foreach (var variant in new[] { size, size + ".en" })
                Assert.Contains(all, e => e.Id == "whisper-" + variant);
        foreach (var quantized in new[] { "tiny-q5_1", "tiny.en-q8_0", "base-q5_1", "base.en-q8_0", "small-q8_0", "small.en-q5_1", "medium-q5_0", "large-v3-turbo", "large-v3-turbo-q8_0" })
            Assert.Contains(all, e => e.Id == "whisper-" + quantized);
        foreach (var whisper in all.Where(e => e.Backend == "whisper"))
        {
            var file = Assert.Single(whisper.Files);
            Assert.Matches("^[0-9a-f]{40}$", file.Sha1);
            Assert.StartsWith("ggerganov/whisper.cpp/resolve/main/ggml-", file.Path);
            Assert.True(file.SizeBytes > 30_000_000, whisper.Id);
            Assert.NotEmpty(whisper.Languages);
        }
        Assert.Equal("137c40403d78fd54d454da0f9bd998f78703390c", ModelCatalog.WhisperBaseEn.Sha1);
        Assert.Equal(147_964_211, ModelCatalog.WhisperBaseEn.SizeBytes);
        foreach (var id in new[] { "parakeet-tdt-0.6b-v2-int8", "parakeet-tdt-0.6b-v2-fp32", "parakeet-tdt-0.6b-v3-int8", "parakeet-tdt-0.6b-v3-fp32" })
        {
            var parakeet = Assert.Single(all, e => e.Id == id);
            Assert.NotNull(parakeet.Folder);
            Assert.Contains(parakeet.Files, f => f.Name == "vocab.txt");
            Assert.All(parakeet.Files, f => Assert.True(f.SizeBytes > 0));
        }
        Assert.Equal(25, ModelCatalog.Find("parakeet-tdt-0.6b-v3-int8")!.Languages.Count);
        Assert.Equal("parakeet-tdt-0.6b-v2", ModelCatalog.ParakeetTdtV2.FolderName);
        Assert.Equal("https://huggingface.co/istupakov/parakeet-tdt-0.6b-v2-onnx/resolve/main/", ModelCatalog.ParakeetTdtV2.BaseUrl.ToString());
    }

    [Theory]
    [InlineData(2, 4, "en", "whisper-base.en")]
    [InlineData(4, 8, null, "whisper-small.en-q8_0")]
    [InlineData(16, 32, "en", "parakeet-tdt-0.6b-v2-int8")]
    [InlineData(16, 32, "de", "parakeet-tdt-0.6b-v3-int8")]
    [InlineData(16, 32, "ja", "whisper-large-v3-turbo-q5_0")]
    [InlineData(4, 8, "fr", "whisper-small-q8_0")]
    [InlineData(2, 2, "fr", "whisper-base")]
    public void The_recommendation_fits_the_machine_and_the_language(int cores, int gib, string? language, string expected)
    {
        Assert.Null(Environment.GetEnvironmentVariable("WISPR_MODEL_CATALOG"));
        Assert.Equal(expected, ModelStore.Recommend(new MachineInfo(cores, gib * 1024L * 1024 * 1024), language));
    }
}
