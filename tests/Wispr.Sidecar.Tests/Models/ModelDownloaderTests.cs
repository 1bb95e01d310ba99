using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Tests.Models;

/// <summary>The download path against a real HTTP server on loopback: progress, checksum, once-only, offline message.</summary>
public sealed class ModelDownloaderTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("wispr-models-").FullName;
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
    private readonly HttpListener _server;
    private readonly string _prefix;
    private int _requests;

    public ModelDownloaderTests()
    {
        var port = FreePort();
        _prefix = $"http://127.0.0.1:{port}/";
        _server = new HttpListener();
        _server.Prefixes.Add(_prefix);
        _server.Start();
        _ = ServeAsync();
    }

    private async Task ServeAsync()
    {
        while (_server.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _server.GetContextAsync(); } catch { return; }
            Interlocked.Increment(ref _requests);
            if (ctx.Request.Url!.AbsolutePath.EndsWith("missing.bin", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 404;
                ctx.Response.Close();
                continue;
            }
            ctx.Response.ContentLength64 = _payload.Length;
            await ctx.Response.OutputStream.WriteAsync(_payload);
            ctx.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

#pragma warning disable CA5350 // whisper.cpp publishes SHA-1 digests of its models: the download check is an integrity check, not security
    private DownloadableModel Model(string name, string? sha1 = null) =>
        new(name, new Uri(_prefix + name), sha1 ?? Convert.ToHexStringLower(SHA1.HashData(_payload)), _payload.Length);
#pragma warning restore CA5350

    private static ModelDownloader Downloader() => new(new HttpClient(), NullLogger<ModelDownloader>.Instance);

    [Fact]
    public async Task Downloads_once_verifies_and_reports_progress_then_serves_from_cache()
    {
        var progress = new List<ModelProgress>();
        var (path, downloaded) = await Downloader().EnsureAsync(Model("m.bin"), _cache, progress.Add, CancellationToken.None);
        Assert.True(downloaded);
        Assert.Equal(_payload, await File.ReadAllBytesAsync(path));
        Assert.Contains(progress, p => p.Stage == ModelProgressStage.Verify && p.ReceivedBytes == _payload.Length);
        Assert.Equal(1, _requests);

        var (again, downloadedAgain) = await Downloader().EnsureAsync(Model("m.bin"), _cache, null, CancellationToken.None);
        Assert.False(downloadedAgain);
        Assert.Equal(path, again);
        Assert.Equal(1, _requests);
    }

    [Fact]
    public async Task A_checksum_mismatch_discards_the_file()
    {
        var ex = await Assert.ThrowsAsync<WisprException>(() =>
            Downloader().EnsureAsync(Model("bad.bin", new string('0', 40)), _cache, null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelChecksumMismatch, ex.Code);
        Assert.Empty(Directory.GetFiles(_cache, "*", SearchOption.AllDirectories)); // no file, and no partial bytes kept to resume from
    }

    [Fact]
    public async Task Unreachable_source_names_the_file_its_address_and_where_to_put_it()
    {
        var offline = new DownloadableModel("ggml-base.en.bin", new Uri($"http://127.0.0.1:{FreePort()}/ggml-base.en.bin"), new string('0', 40), 1);
        var ex = await Assert.ThrowsAsync<WisprException>(() => Downloader().EnsureAsync(offline, _cache, null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelSourceUnreachable, ex.Code);
        Assert.Contains("ggml-base.en.bin", ex.Message);
        Assert.Contains(offline.Url.ToString(), ex.Message);
        Assert.Contains(Path.Combine(_cache, "ggml-base.en.bin"), ex.Message);
        var http404 = await Assert.ThrowsAsync<WisprException>(() => Downloader().EnsureAsync(Model("missing.bin"), _cache, null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelSourceNotFound, http404.Code);
    }

    public void Dispose()
    {
        _server.Stop();
        _server.Close();
        Directory.Delete(_cache, true);
    }
}
