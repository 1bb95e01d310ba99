using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Models;

public enum ModelProgressStage { Download, Verify, Load, Ready }

public sealed record ModelProgress(ModelProgressStage Stage, string File, long? ReceivedBytes = null, long? TotalBytes = null);

/// <summary>
/// Fetches a model into the cache once. A finished file is trusted by its size plus a marker written after the checksum
/// passed, so a second prepare neither downloads nor re-hashes 142 MiB.
/// </summary>
/// <remarks>
/// A server that accepts the connection and then sends nothing (before or after the headers) must not hang a prepare, a
/// dictation's stop or any later transcription: every wait for the headers and for each read of the body is bounded by
/// <paramref name="idleTimeout"/>, which restarts whenever bytes arrive (a slow but moving download is never cut).
/// Connecting is bounded by the handler's ConnectTimeout (see ServiceCollectionExtensions).
/// </remarks>
public sealed class ModelDownloader(HttpClient http, ILogger<ModelDownloader> logger, TimeSpan? idleTimeout = null)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>No byte for this long fails the download.</summary>
    public TimeSpan IdleTimeout { get; } = idleTimeout ?? TimeSpan.FromSeconds(20);

    /// <summary>A token for one network wait: cancelled by the caller or after <see cref="IdleTimeout"/> without progress.</summary>
    private sealed class IdleWatch(TimeSpan timeout, CancellationToken outer) : IDisposable
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);

        public CancellationToken Restart()
        {
            _cts.CancelAfter(timeout);
            return _cts.Token;
        }

        /// <summary>Turns our own timeout into an IOException that says what happened; the caller's cancellation stays one.</summary>
        public Exception Explain(OperationCanceledException ex, Uri url) => outer.IsCancellationRequested
            ? ex
            : new IOException($"no data from {url.Host} for {timeout.TotalSeconds:0.#} s; the download stalled", ex);

        public void Dispose() => _cts.Dispose();
    }

    /// <summary>Written last into a downloaded folder: "name size" per file. Present and matching = complete, never fetched again.</summary>
    public const string CompleteMarker = ".wispr-complete";

    /// <summary>True when <paramref name="folder"/> holds a finished download: the marker, and every file it lists at its size.</summary>
    public static bool IsComplete(string folder)
    {
        var marker = Path.Combine(folder, CompleteMarker);
        if (!File.Exists(marker))
            return false;
        foreach (var line in File.ReadAllLines(marker))
        {
            var space = line.LastIndexOf(' ');
            if (space <= 0 || !long.TryParse(line.AsSpan(space + 1), out var size))
                return false;
            var file = new FileInfo(Path.Combine(folder, line[..space]));
            if (!file.Exists || file.Length != size)
                return false;
        }
        return true;
    }

    /// <summary>
    /// Returns <paramref name="folder"/>, first downloading every file of <paramref name="model"/> into it unless it is complete.
    /// Files go to a staging folder beside it; each must arrive whole (its Content-Length), then <paramref name="validate"/> must
    /// accept the staged folder (the backend loads it); only then are the files moved in and the marker written, so an
    /// interrupted, short or unusable download never leaves a folder that looks complete.
    /// </summary>
    /// <exception cref="WisprException">ModelDownloadFailed: a file could not be fetched (the message names its address, the
    /// files and the folder to put them in by hand) or the downloaded folder did not validate.</exception>
    public async Task<(string Path, bool Downloaded)> EnsureFolderAsync(DownloadableFolder model, string folder,
        Func<string, CancellationToken, Task> validate, Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(validate);
        folder = Path.GetFullPath(folder);
        if (IsComplete(folder))
            return (folder, false);

        var staging = folder + ".download";
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true); // left by an interrupted attempt: never trusted
        Directory.CreateDirectory(staging);
        logger.LogInformation("Downloading {Model} from {Url} into {Folder}", model.FolderName, model.BaseUrl, folder);
        Uri? current = null;
        try
        {
            var sizes = new List<string>();
            foreach (var file in model.Files)
            {
                current = new Uri(model.BaseUrl, file);
                var size = await DownloadFileAsync(current, Path.Combine(staging, file), file, progress, cancellationToken).ConfigureAwait(false);
                sizes.Add($"{file} {size}");
            }
            current = null;
            progress?.Invoke(new ModelProgress(ModelProgressStage.Verify, model.FolderName));
            try
            {
                await validate(staging, cancellationToken).ConfigureAwait(false);
            }
            catch (WisprException ex) when (ex.Code is WisprErrorCodes.ModelInvalid or WisprErrorCodes.ModelNotFound or WisprErrorCodes.BackendLoadFailed)
            {
                throw new WisprException(WisprErrorCodes.ModelDownloadFailed,
                    $"The files downloaded from {model.BaseUrl} do not form a usable model ({ex.Message}); they were discarded.", ex);
            }
            await File.WriteAllLinesAsync(Path.Combine(staging, CompleteMarker), sizes, cancellationToken).ConfigureAwait(false);
            if (!Directory.Exists(folder))
                Directory.Move(staging, folder); // one atomic step: the folder appears complete, marker included
            else
            {
                // A folder with some files put there by hand: replace ours, marker last.
                foreach (var file in model.Files)
                    File.Move(Path.Combine(staging, file), Path.Combine(folder, file), overwrite: true);
                File.Move(Path.Combine(staging, CompleteMarker), Path.Combine(folder, CompleteMarker), overwrite: true);
            }
            return (folder, true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new WisprException(WisprErrorCodes.ModelDownloadFailed,
                $"Could not download {model.FolderName} from {current?.ToString() ?? model.BaseUrl.ToString()} ({ex.Message}). " +
                $"Download {string.Join(", ", model.Files)} from {model.Address} yourself into {folder}, or point the model setting at a folder that has them.", ex);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Streams one file to <paramref name="target"/>; an answer shorter than its Content-Length is an IOException.</summary>
    private async Task<long> DownloadFileAsync(Uri url, string target, string name, Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        using var idle = new IdleWatch(IdleTimeout, cancellationToken);
        try
        {
            return await DownloadFileAsync(url, target, name, progress, idle).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            throw idle.Explain(ex, url);
        }
    }

    private async Task<long> DownloadFileAsync(Uri url, string target, string name, Action<ModelProgress>? progress, IdleWatch idle)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, idle.Restart()).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var total = response.Content.Headers.ContentLength;
        long received = 0;
        await using (var body = await response.Content.ReadAsStreamAsync(idle.Restart()).ConfigureAwait(false))
        await using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            var lastReport = DateTime.MinValue;
            int n;
            while ((n = await body.ReadAsync(buffer, idle.Restart()).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None).ConfigureAwait(false);
                received += n;
                if (DateTime.UtcNow - lastReport >= ProgressInterval)
                {
                    lastReport = DateTime.UtcNow;
                    progress?.Invoke(new ModelProgress(ModelProgressStage.Download, name, received, total));
                }
            }
        }
        if (total is { } expected && received != expected)
            throw new IOException($"{name}: received {received} of {expected} bytes");
        progress?.Invoke(new ModelProgress(ModelProgressStage.Download, name, received, total ?? received));
        return received;
    }

    /// <summary>Returns the cached path, downloading it first when absent. <c>Downloaded</c> says whether bytes were fetched.</summary>
    public async Task<(string Path, bool Downloaded)> EnsureAsync(DownloadableModel model, string cacheDirectory,
        Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        var target = Path.Combine(cacheDirectory, model.FileName);
        var marker = target + ".sha1";
        if (File.Exists(target) && File.Exists(marker)
            && File.ReadAllText(marker).Trim() == $"{model.Sha1} {new FileInfo(target).Length}")
            return (target, false);

        Directory.CreateDirectory(cacheDirectory);
        var partial = target + ".partial";
        logger.LogInformation("Downloading {File} from {Url} into {Folder}", model.FileName, model.Url, cacheDirectory);
        using var idle = new IdleWatch(IdleTimeout, cancellationToken);
        var answered = false; // before an answer: the model cannot be had (ModelNotFound); after: the download failed (ModelDownloadFailed)
        try
        {
            using var response = await http.GetAsync(model.Url, HttpCompletionOption.ResponseHeadersRead, idle.Restart()).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            answered = true;
            var announced = response.Content.Headers.ContentLength;
            long? total = announced ?? model.SizeBytes;
            await using (var body = await response.Content.ReadAsStreamAsync(idle.Restart()).ConfigureAwait(false))
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
                var buffer = new byte[1 << 16];
                long received = 0;
                var lastReport = DateTime.MinValue;
                int n;
                while ((n = await body.ReadAsync(buffer, idle.Restart()).ConfigureAwait(false)) > 0)
                {
                    sha1.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None).ConfigureAwait(false);
                    received += n;
                    if (DateTime.UtcNow - lastReport >= ProgressInterval)
                    {
                        lastReport = DateTime.UtcNow;
                        progress?.Invoke(new ModelProgress(ModelProgressStage.Download, model.FileName, received, total));
                    }
                }
                if (announced is { } expected && received != expected)
                    throw new IOException($"{model.FileName}: received {received} of {expected} bytes");
                progress?.Invoke(new ModelProgress(ModelProgressStage.Verify, model.FileName, received, total));
                var actual = Convert.ToHexStringLower(sha1.GetHashAndReset());
                if (!string.Equals(actual, model.Sha1, StringComparison.OrdinalIgnoreCase))
                    throw new WisprException(WisprErrorCodes.ModelDownloadFailed,
                        $"Downloaded {model.FileName} from {model.Url} has SHA-1 {actual}, expected {model.Sha1}; the file was discarded.");
            }
            File.Move(partial, target, overwrite: true);
            await File.WriteAllTextAsync(marker, $"{model.Sha1} {new FileInfo(target).Length}", cancellationToken).ConfigureAwait(false);
            return (target, true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var why = ex is OperationCanceledException oce ? idle.Explain(oce, model.Url).Message : ex.Message;
            if (answered)
                throw new WisprException(WisprErrorCodes.ModelDownloadFailed,
                    $"The download of {model.FileName} from {model.Url} failed ({why}); nothing of it was kept. " +
                    $"Try again, or download it yourself and put it at {target}, or point the setting wispr.whisper.modelPath (or --model) at a local file.", ex);
            throw new WisprException(WisprErrorCodes.ModelNotFound,
                $"Model {model.FileName} is not on this machine and could not be downloaded from {model.Url} ({why}). " +
                $"Download it yourself and put it at {target}, or point the setting wispr.whisper.modelPath (or --model) at a local file.", ex);
        }
        finally
        {
            if (File.Exists(partial))
                File.Delete(partial);
        }
    }
}
