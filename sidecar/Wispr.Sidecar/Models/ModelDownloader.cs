using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Models;

public enum ModelProgressStage { Download, Verify, Load, Ready }

/// <param name="BytesPerSecond">Download speed over this request (bytes fetched now, not resumed ones), when downloading.</param>
public sealed record ModelProgress(ModelProgressStage Stage, string File, long? ReceivedBytes = null, long? TotalBytes = null, long? BytesPerSecond = null);

/// <summary>Free bytes where a download goes (an injectable probe: tests report a nearly full disk through it). Null = unknown.</summary>
public delegate long? FreeSpaceProbe(string folder);

/// <summary>
/// Fetches models into the cache. Every file goes through <see cref="FetchAsync"/>: one download per file however many callers
/// ask (they share it and its progress), resumed with an HTTP Range request from what an interrupted attempt left, checked
/// (SHA-1 where published, else its Content-Length) and only then renamed into place. A finished file is trusted by its size
/// plus a marker written after the check passed, so a second prepare neither downloads nor re-hashes it.
/// </summary>
/// <remarks>
/// Unfinished bytes live in <c>.partial/</c> under the cache folder, never beside a model, so nothing half-downloaded ever looks
/// like one. They are kept when the connection fails, stalls, the disk fills or the caller cancels (the next attempt resumes),
/// and deleted when the checksum fails. A server that ignores the Range header (answers 200) is restarted cleanly from byte 0.
/// A server that accepts the connection and then sends nothing must not hang anyone: every wait for headers and each read of the
/// body is bounded by <see cref="IdleTimeout"/>, which restarts whenever bytes arrive (a slow but moving download is never cut).
/// Connecting is bounded by the handler's ConnectTimeout (see ServiceCollectionExtensions).
/// </remarks>
public sealed class ModelDownloader(HttpClient http, ILogger<ModelDownloader> logger, TimeSpan? idleTimeout = null, FreeSpaceProbe? freeSpace = null)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Folder (under the cache) of unfinished downloads.</summary>
    public const string PartialFolder = ".partial";

    /// <summary>No byte for this long fails the download.</summary>
    public TimeSpan IdleTimeout { get; } = idleTimeout ?? TimeSpan.FromSeconds(20);

    private readonly FreeSpaceProbe _freeSpace = freeSpace ?? DiskFreeSpace;
    private readonly Dictionary<string, SharedFetch> _inflight = new(StringComparer.Ordinal);

    /// <summary>The platform's answer for the volume holding <paramref name="folder"/>.</summary>
    public static long? DiskFreeSpace(string folder)
    {
        try { return new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
    }

    /// <summary>A token for one network wait: cancelled by the caller or after <see cref="IdleTimeout"/> without progress.</summary>
    private sealed class IdleWatch(TimeSpan timeout, CancellationToken outer) : IDisposable
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);

        public CancellationToken Restart()
        {
            _cts.CancelAfter(timeout);
            return _cts.Token;
        }

        public bool Expired => _cts.IsCancellationRequested && !outer.IsCancellationRequested;

        public void Dispose() => _cts.Dispose();
    }

    /// <summary>One download of one file, shared by everyone who asks for it while it runs.</summary>
    private sealed class SharedFetch : IDisposable
    {
        public readonly CancellationTokenSource Cancel = new();
        public readonly TaskCompletionSource<long> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly List<Action<ModelProgress>> Listeners = [];
        public int Waiters;

        public void Report(ModelProgress progress)
        {
            Action<ModelProgress>[] listeners;
            lock (Listeners)
                listeners = [.. Listeners];
            foreach (var listener in listeners)
                listener(progress);
        }

        public void Dispose() => Cancel.Dispose();
    }

    /// <summary>What a file must be: its size (when known) and SHA-1 (when published).</summary>
    public sealed record Expected(long? SizeBytes, string? Sha1);

    /// <summary>
    /// Downloads <paramref name="url"/> into <paramref name="target"/> (unless a download of that target runs already: then waits
    /// for that one). Returns the file's size. Cancelling stops only this caller's wait; the download stops when every caller
    /// has cancelled, keeping its bytes for a resume.
    /// </summary>
    /// <exception cref="WisprException">ModelChecksumMismatch, InsufficientDiskSpace, ModelSourceNotFound (HTTP 404),
    /// ModelSourceUnreachable (no connection, DNS, proxy), or ModelDownloadFailed (stalled, cut short, another HTTP error); the
    /// message is one sentence naming the address.</exception>
    public async Task<long> FetchAsync(Uri url, string target, string partial, Expected expected, Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            SharedFetch fetch;
            var owner = false;
            lock (_inflight)
            {
                if (!_inflight.TryGetValue(partial, out fetch!))
                {
                    fetch = new SharedFetch();
                    _inflight[partial] = fetch;
                    owner = true;
                }
                fetch.Waiters++;
            }
            if (progress is not null)
                lock (fetch.Listeners)
                    fetch.Listeners.Add(progress);
            if (owner)
                _ = RunAsync(fetch, url, target, partial, expected);
            try
            {
                return await fetch.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                lock (_inflight)
                {
                    // Nobody waits any more: stop, keeping the bytes for a resume. (Once finished, it has left the table.)
                    if (--fetch.Waiters == 0 && _inflight.TryGetValue(partial, out var running) && running == fetch)
                        fetch.Cancel.Cancel();
                }
                throw;
            }
            catch (OperationCanceledException)
            {
                // Joined a download its other callers had just cancelled: it has stopped and left the table; start afresh.
                continue;
            }
            finally
            {
                if (progress is not null)
                    lock (fetch.Listeners)
                        fetch.Listeners.Remove(progress);
            }
        }
    }

    private async Task RunAsync(SharedFetch fetch, Uri url, string target, string partial, Expected expected)
    {
        try
        {
            var size = await Task.Run(() => FetchOnceAsync(url, target, partial, expected, fetch.Report, fetch.Cancel.Token), CancellationToken.None).ConfigureAwait(false);
            Finish(() => fetch.Done.TrySetResult(size));
        }
        catch (OperationCanceledException) when (fetch.Cancel.IsCancellationRequested)
        {
            Finish(() => fetch.Done.TrySetCanceled(fetch.Cancel.Token));
        }
        catch (Exception ex)
        {
            Finish(() => fetch.Done.TrySetException(ex));
        }

        void Finish(Action complete)
        {
            // Leave the table first: a request that comes after this download ended starts a new one (a retry).
            lock (_inflight)
                _inflight.Remove(partial);
            complete();
            fetch.Dispose();
        }
    }

    private async Task<long> FetchOnceAsync(Uri url, string target, string partial, Expected expected, Action<ModelProgress> report, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(target);
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var idle = new IdleWatch(IdleTimeout, cancellationToken);
        var answered = false;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                long offset = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                if (expected.SizeBytes is { } size && offset > size)
                {
                    File.Delete(partial); // longer than the model: not a prefix of it
                    offset = 0;
                }
                RequireSpace(Path.GetDirectoryName(partial)!, (expected.SizeBytes ?? 0) - offset, name);

                using var sha1 = expected.Sha1 is { Length: > 0 } ? IncrementalHash.CreateHash(HashAlgorithmName.SHA1) : null;
                if (sha1 is not null && offset > 0)
                    await HashExistingAsync(partial, sha1, cancellationToken).ConfigureAwait(false);

                long total;
                if (expected.SizeBytes is { } whole && offset == whole && offset > 0)
                    total = whole; // an earlier attempt got every byte (and stopped before the check)
                else
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    if (offset > 0)
                        request.Headers.Range = new RangeHeaderValue(offset, null);
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Restart()).ConfigureAwait(false);
                    answered = true;
                    if (response.StatusCode == HttpStatusCode.NotFound)
                        throw new WisprException(WisprErrorCodes.ModelSourceNotFound, $"{url} answered 404 Not Found.");
                    if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && attempt == 0)
                    {
                        File.Delete(partial); // the server disagrees about what we have: start over
                        continue;
                    }
                    response.EnsureSuccessStatusCode();
                    var resumed = offset > 0 && response.StatusCode == HttpStatusCode.PartialContent
                        && response.Content.Headers.ContentRange?.From == offset;
                    if (offset > 0 && !resumed && response.StatusCode == HttpStatusCode.PartialContent)
                    {
                        File.Delete(partial); // a range we did not ask for: nothing to append it to
                        throw new IOException($"{url.Host} answered with bytes {response.Content.Headers.ContentRange} instead of from {offset}");
                    }
                    if (offset > 0 && !resumed)
                    {
                        logger.LogInformation("{Host} ignored the range request for {File}; downloading it again from the start", url.Host, name);
                        offset = 0;
                        sha1?.GetHashAndReset();
                    }
                    var length = response.Content.Headers.ContentLength;
                    total = length is { } l ? offset + l : expected.SizeBytes ?? -1;
                    if (expected.SizeBytes is { } known && total >= 0 && total != known)
                        logger.LogWarning("{Url} serves {Total} bytes, the catalog says {Known}; its checksum decides", url, total, known);
                    if (expected.SizeBytes is null && length is { } announced)
                        RequireSpace(Path.GetDirectoryName(partial)!, announced, name);
                    logger.LogInformation("Downloading {File} from {Url}{Resume}", name, url, offset > 0 ? $", resuming at byte {offset}" : "");
                    await using var body = await response.Content.ReadAsStreamAsync(idle.Restart()).ConfigureAwait(false);
                    var received = await CopyAsync(body, partial, offset, sha1, name, total, report, idle).ConfigureAwait(false);
                    if (length is { } expectedLength && received - offset != expectedLength)
                        throw new IOException($"{name}: received {received} of {total} bytes");
                    total = received;
                }

                report(new ModelProgress(ModelProgressStage.Verify, name, total, total));
                if (sha1 is not null)
                {
                    var actual = Convert.ToHexStringLower(sha1.GetHashAndReset());
                    if (!string.Equals(actual, expected.Sha1, StringComparison.OrdinalIgnoreCase))
                    {
                        File.Delete(partial); // wrong bytes: never resumed from
                        throw new WisprException(WisprErrorCodes.ModelChecksumMismatch,
                            $"{name} from {url} has SHA-1 {actual}, expected {expected.Sha1}; the download was discarded.");
                    }
                }
                File.Move(partial, target, overwrite: true);
                return total;
            }
        }
        catch (OperationCanceledException ex) when (idle.Expired)
        {
            throw new WisprException(WisprErrorCodes.ModelDownloadFailed,
                $"no data from {url} for {IdleTimeout.TotalSeconds:0.#} s; the download of {name} stalled{KeptNote(partial)}.", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The handler's ConnectTimeout: nobody answered.
            throw new WisprException(WisprErrorCodes.ModelSourceUnreachable, $"could not reach {url.Host} for {url} (no connection within the connect timeout).", ex);
        }
        catch (HttpRequestException ex) when (!answered)
        {
            throw new WisprException(WisprErrorCodes.ModelSourceUnreachable, $"could not reach {url.Host} for {url} ({ex.Message}).", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new WisprException(WisprErrorCodes.ModelDownloadFailed, $"the download of {name} from {url} failed ({ex.Message}){KeptNote(partial)}.", ex);
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            throw new WisprException(WisprErrorCodes.InsufficientDiskSpace,
                $"the disk holding {Path.GetDirectoryName(partial)} filled up while downloading {name}; free some space and try again (the download resumes){KeptNote(partial)}.", ex);
        }
        catch (IOException ex) when (ex is not FileNotFoundException)
        {
            throw new WisprException(WisprErrorCodes.ModelDownloadFailed, $"the download of {name} from {url} failed ({ex.Message}){KeptNote(partial)}.", ex);
        }
    }

    private static string KeptNote(string partial) =>
        File.Exists(partial) && new FileInfo(partial).Length > 0 ? $"; the {new FileInfo(partial).Length} bytes received are kept and the next attempt resumes" : "";

    private void RequireSpace(string folder, long needed, string name)
    {
        if (needed <= 0 || _freeSpace(folder) is not { } free || free >= needed)
            return;
        throw new WisprException(WisprErrorCodes.InsufficientDiskSpace,
            $"{name} needs {Mb(needed)} more, but only {Mb(free)} is free in {folder}; free some space or delete models you do not use.");
    }

    internal static string Mb(long bytes) => $"{bytes / 1048576.0:0.#} MB";

    /// <summary>ENOSPC (28) / EFBIG (27) on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.</summary>
    private static bool IsDiskFull(IOException ex) => (ex.HResult & 0xFFFF) is 28 or 27 or 112 or 39;

    private static async Task HashExistingAsync(string path, IncrementalHash sha1, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, useAsync: true);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int n;
            while ((n = await file.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
                sha1.AppendData(buffer, 0, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Size of each read from the network (and of each hash and write). Large, so a fast link costs few hops per megabyte: a
    /// socket read returns what has arrived, up to this; a slow link still reports every small read.
    /// </summary>
    private const int ChunkSize = 1 << 20;

    /// <summary>
    /// Appends the body to <paramref name="partial"/> from <paramref name="offset"/>; returns the file's length after it. Two
    /// buffers alternate: while one chunk is hashed and written (on the thread pool), the next is read from the network, so the
    /// SHA-1 and the disk do not stall the connection (a plain copy such as curl's does neither).
    /// </summary>
    private static async Task<long> CopyAsync(Stream body, string partial, long offset, IncrementalHash? sha1, string name, long total,
        Action<ModelProgress> report, IdleWatch idle)
    {
        // No FileStream buffer: every write is a whole chunk already.
        await using var file = new FileStream(partial, offset > 0 ? FileMode.Open : FileMode.Create, FileAccess.Write, FileShare.None, 0, useAsync: true);
        file.SetLength(offset);
        file.Seek(offset, SeekOrigin.Begin);
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(ChunkSize), ArrayPool<byte>.Shared.Rent(ChunkSize)];
        var pending = Task.CompletedTask;
        var received = offset;
        var clock = Stopwatch.StartNew();
        var lastReport = -ProgressInterval; // the first bytes report at once
        try
        {
            for (var current = 0; ; current ^= 1)
            {
                var n = await body.ReadAsync(buffers[current].AsMemory(0, ChunkSize), idle.Restart()).ConfigureAwait(false);
                // The previous chunk must be on disk before the next is written (in order) and before its buffer is read into again.
                await pending.ConfigureAwait(false);
                if (n == 0)
                    break;
                var chunk = buffers[current].AsMemory(0, n);
                // Not cancelled mid-write: the file always holds whole reads, so a resume continues exactly after them.
                pending = Task.Run(async () =>
                {
                    sha1?.AppendData(chunk.Span);
                    await file.WriteAsync(chunk, CancellationToken.None).ConfigureAwait(false);
                }, CancellationToken.None);
                received += n;
                if (clock.Elapsed - lastReport >= ProgressInterval)
                {
                    lastReport = clock.Elapsed;
                    report(new ModelProgress(ModelProgressStage.Download, name, received, total >= 0 ? total : null, Speed(received - offset, clock.Elapsed)));
                }
            }
        }
        finally
        {
            // However the loop ended (a stall, a cancel), the chunk in flight is written whole before the file closes.
            await pending.ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
        await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        report(new ModelProgress(ModelProgressStage.Download, name, received, total >= 0 ? total : received, Speed(received - offset, clock.Elapsed)));
        return received;
    }

    private static long Speed(long bytes, TimeSpan elapsed) => elapsed.TotalSeconds > 0 ? (long)(bytes / elapsed.TotalSeconds) : 0;

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

    /// <summary>True when the Whisper file at <paramref name="target"/> was downloaded and checked (its marker matches it).</summary>
    public static bool IsVerified(string target, string sha1)
    {
        var marker = target + ".sha1";
        return File.Exists(target) && File.Exists(marker) && File.ReadAllText(marker).Trim() == $"{sha1} {new FileInfo(target).Length}";
    }

    /// <summary>Where the unfinished bytes of <paramref name="relative"/> (a file, or folder/file) under the cache are kept.</summary>
    public static string PartialPath(string cacheDirectory, string relative) =>
        Path.Combine(cacheDirectory, PartialFolder, relative + ".partial");

    /// <summary>
    /// Returns <paramref name="folder"/>, first downloading every file of <paramref name="model"/> into it unless it is complete.
    /// Files go to a staging folder beside it; each must arrive whole (its Content-Length), then <paramref name="validate"/> must
    /// accept the staged folder (the backend loads it); only then are the files moved in and the marker written, so an
    /// interrupted, short or unusable download never leaves a folder that looks complete.
    /// </summary>
    /// <exception cref="WisprException">The code of the failed file's download (see <see cref="FetchAsync"/>; the message names
    /// its address, the files and the folder to put them in by hand), or ModelDownloadFailed when the folder did not validate.</exception>
    public async Task<(string Path, bool Downloaded)> EnsureFolderAsync(DownloadableFolder model, string folder,
        Func<string, CancellationToken, Task> validate, Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(validate);
        folder = Path.GetFullPath(folder);
        if (IsComplete(folder))
            return (folder, false);

        var cache = Path.GetDirectoryName(folder)!;
        var staging = folder + ".download";
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true); // left by an interrupted attempt: never trusted (its files' bytes live in .partial/)
        Directory.CreateDirectory(staging);
        logger.LogInformation("Downloading {Model} from {Url} into {Folder}", model.FolderName, model.BaseUrl, folder);
        Uri? current = null;
        try
        {
            // RequireSpace per file sees only that file; the whole set is checked first so a 2.5 GB model fails before its first byte.
            var needed = model.Sizes?.Sum(s => Math.Max(0, s.Value - PartialLength(PartialPath(cache, Path.Combine(model.FolderName, s.Key))))) ?? 0;
            RequireSpace(cache, needed, model.FolderName);
            var sizes = new List<string>();
            foreach (var file in model.Files)
            {
                current = new Uri(model.BaseUrl, file);
                var size = await FetchAsync(current, Path.Combine(staging, file), PartialPath(cache, Path.Combine(model.FolderName, file)),
                    new Expected(null, null), progress, cancellationToken).ConfigureAwait(false);
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
        catch (WisprException ex) when (current is not null)
        {
            throw new WisprException(ex.Code,
                $"Could not download {model.FolderName}: {ex.Message} " +
                $"Download {string.Join(", ", model.Files)} from {model.Address} yourself into {folder}, or point the model setting at a folder that has them.", ex);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    private static long PartialLength(string partial) => File.Exists(partial) ? new FileInfo(partial).Length : 0;

    /// <summary>Returns the cached path, downloading it first when absent. <c>Downloaded</c> says whether bytes were fetched.</summary>
    public async Task<(string Path, bool Downloaded)> EnsureAsync(DownloadableModel model, string cacheDirectory,
        Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        var target = Path.Combine(cacheDirectory, model.FileName);
        if (IsVerified(target, model.Sha1))
            return (target, false);
        try
        {
            var size = await FetchAsync(model.Url, target, PartialPath(cacheDirectory, model.FileName), new Expected(model.SizeBytes > 0 ? model.SizeBytes : null, model.Sha1),
                progress, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(target + ".sha1", $"{model.Sha1} {size}", CancellationToken.None).ConfigureAwait(false);
            return (target, true);
        }
        catch (WisprException ex)
        {
            throw new WisprException(ex.Code,
                $"Could not download {model.FileName}: {ex.Message} " +
                $"Try again, or download it yourself and put it at {target}, or point the setting wispr.whisper.modelPath (or --model) at a local file.", ex);
        }
    }
}
