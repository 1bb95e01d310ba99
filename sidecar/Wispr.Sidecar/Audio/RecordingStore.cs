using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>A recording kept on disk whose words were not delivered: the sidecar stopped mid-dictation, or recognition failed.</summary>
/// <param name="Id">The file name; what <c>recordings/delete</c> takes.</param>
public sealed record RecordingInfo(string Id, string Path, long DurationMs, long SizeBytes, long CreatedMs);

/// <summary>
/// The recordings folder: <c>--recordingsDir</c>, else <c>WISPR_RECORDINGS_DIR</c>, else <c>recordings/</c> beside the model
/// cache (<c>…/wispr-vscode/recordings</c>). Dictations spool into it (<see cref="RecordingSpool"/>); what is left there when no
/// live sidecar holds it is a recording to recover.
/// </summary>
public sealed class RecordingStore(SidecarOptions options, ILogger<RecordingStore> logger)
{
    /// <summary>Resolved at each use: tests and users may point the cache elsewhere after the options were read.</summary>
    public string Folder => options.RecordingsDirectory
        ?? (Environment.GetEnvironmentVariable("WISPR_RECORDINGS_DIR") is { Length: > 0 } env ? Path.GetFullPath(env) : null)
        ?? Path.Combine(Path.GetDirectoryName(ModelCatalog.CacheDirectory())!, "recordings");

    /// <summary>A new file name for a dictation: time, process and dictation id, so windows and restarts never collide.</summary>
    public string NewPath(string dictationId) => Path.Combine(Folder,
        string.Create(CultureInfo.InvariantCulture, $"dictation-{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}-{dictationId}.wav"));

    /// <summary>Starts spooling a dictation. Null (with why) when the folder cannot take a file: the dictation still runs, in memory only.</summary>
    public RecordingSpool? TryStartSpool(string dictationId, out string? error)
    {
        var path = NewPath(dictationId);
        try
        {
            error = null;
            return RecordingSpool.Create(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            error = $"{path}: {ex.Message}";
            logger.LogWarning("Dictation {Id} cannot be spooled to disk ({Error}); it lives in memory only", dictationId, error);
            return null;
        }
    }

    /// <summary>Writes <paramref name="audio"/> as a WAV file. Returns its path, or null with why; a half-written file is deleted.</summary>
    public string? TrySave(ReadOnlySpan<float> audio, string? dictationId, out string? error)
    {
        string? path = null;
        try
        {
            path = NewPath(dictationId ?? "file");
            using var spool = RecordingSpool.Create(path);
            spool.Write(audio);
            error = spool.Error;
            return error is null ? spool.Keep() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            error = path is null ? ex.Message : $"{path}: {ex.Message}";
            logger.LogError("Could not save the recording of dictation {Id}: {Error}", dictationId, error);
            return null;
        }
    }

    /// <summary>
    /// Recordings left behind: WAV files no live sidecar holds open. Each one's header is repaired from its length first (a kill
    /// can land between a block and its size patch); recordings under 100 ms hold no words and are deleted.
    /// </summary>
    public IReadOnlyList<RecordingInfo> List(string? exceptPath = null)
    {
        var folder = Folder;
        var found = new List<RecordingInfo>();
        if (!Directory.Exists(folder))
            return found;
        foreach (var path in Directory.EnumerateFiles(folder, "*.wav").Order(StringComparer.Ordinal))
        {
            if (exceptPath is not null && string.Equals(path, exceptPath, StringComparison.Ordinal))
                continue;
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                var length = RandomAccess.GetLength(handle);
                var samples = Repair(handle, length);
                if (samples is null)
                {
                    found.Add(new RecordingInfo(Path.GetFileName(path), path, 0, length, CreatedMs(path)));
                    continue; // not ours (another format): listed so the user can decide, never touched
                }
                if (samples < WavDecoder.SampleRate / 10)
                {
                    handle.Dispose();
                    File.Delete(path);
                    continue;
                }
                found.Add(new RecordingInfo(Path.GetFileName(path), path, samples.Value * 1000 / WavDecoder.SampleRate, length, CreatedMs(path)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Held by a live sidecar (a dictation in progress here or in another window), or unreadable: not a leftover.
                logger.LogDebug("Recording {Path} skipped: {Message}", path, ex.Message);
            }
        }
        return found;
    }

    /// <summary>Deletes a recording by id. False when there was none.</summary>
    /// <exception cref="WisprException">InvalidParams: the id is not a recording file name.</exception>
    public bool Delete(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id != Path.GetFileName(id) || !id.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) || id.StartsWith('.'))
            throw new WisprException(WisprErrorCodes.InvalidParams, $"'{id}' is not a recording id (a .wav file name from recordings/list).");
        var path = Path.Combine(Folder, id);
        if (!File.Exists(path))
            return false;
        File.Delete(path);
        logger.LogInformation("Recording {Id} deleted", id);
        return true;
    }

    private static long CreatedMs(string path) => new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeMilliseconds();

    /// <summary>
    /// For one of our headers (16 kHz mono float32, data at 44): sets both sizes to what the file holds (whole samples) and
    /// returns the sample count. Null for any other file.
    /// </summary>
    private static long? Repair(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length)
    {
        if (length < RecordingSpool.HeaderBytes)
            return null;
        Span<byte> header = stackalloc byte[RecordingSpool.HeaderBytes];
        if (RandomAccess.Read(handle, header, 0) != RecordingSpool.HeaderBytes)
            return null;
        var expected = RecordingSpool.Header(0);
        // Compare everything but the two sizes.
        if (!header[..4].SequenceEqual(expected.AsSpan(0, 4)) || !header[8..40].SequenceEqual(expected.AsSpan(8, 32)))
            return null;
        var dataBytes = (length - RecordingSpool.HeaderBytes) / sizeof(float) * sizeof(float);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[40..]) != dataBytes
            || BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != 36 + dataBytes)
        {
            RandomAccess.Write(handle, RecordingSpool.Header(dataBytes), 0);
            if (length != RecordingSpool.HeaderBytes + dataBytes)
                RandomAccess.SetLength(handle, RecordingSpool.HeaderBytes + dataBytes);
        }
        return dataBytes / sizeof(float);
    }
}
