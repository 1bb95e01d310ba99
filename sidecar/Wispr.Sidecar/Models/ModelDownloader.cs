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
public sealed class ModelDownloader(HttpClient http, ILogger<ModelDownloader> logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

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
        try
        {
            using var response = await http.GetAsync(model.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            long? total = response.Content.Headers.ContentLength ?? model.SizeBytes;
            await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
                var buffer = new byte[1 << 16];
                long received = 0;
                var lastReport = DateTime.MinValue;
                int n;
                while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha1.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    received += n;
                    if (DateTime.UtcNow - lastReport >= ProgressInterval)
                    {
                        lastReport = DateTime.UtcNow;
                        progress?.Invoke(new ModelProgress(ModelProgressStage.Download, model.FileName, received, total));
                    }
                }
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
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new WisprException(WisprErrorCodes.ModelNotFound,
                $"Model {model.FileName} is not on this machine and could not be downloaded from {model.Url} ({ex.Message}). " +
                $"Download it yourself and put it at {target}, or point the setting wispr.whisper.modelPath (or --model) at a local file.", ex);
        }
        finally
        {
            if (File.Exists(partial))
                File.Delete(partial);
        }
    }
}
