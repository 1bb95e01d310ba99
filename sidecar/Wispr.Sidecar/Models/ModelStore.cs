using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Parakeet;
using Wispr.Sidecar.Recognition.Whisper;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Models;

/// <summary>One catalog model as models/list shows it.</summary>
/// <param name="Path">Where it lives (or will) in the cache: the Whisper file or the Parakeet folder.</param>
/// <param name="PartialBytes">Bytes of an unfinished download kept for a resume (0 when none).</param>
/// <param name="Selected">The model its backend uses next (the backend's explicit model, or its default).</param>
public sealed record ModelListItem(string Id, string Backend, string Label, string Variant, IReadOnlyList<string> Languages, string Note,
    int RamMb, long SizeBytes, bool Downloaded, long SizeOnDisk, long PartialBytes, bool Resident, bool Selected, bool Downloading,
    string Path, IReadOnlyList<string> Urls, bool Checksum);

/// <summary>This machine, as the recommendation saw it.</summary>
public sealed record MachineInfo(int Cores, long MemoryBytes);

public sealed record ModelListResult(IReadOnlyList<ModelListItem> Models, string CacheFolder, long CacheBytes, string Recommended,
    MachineInfo Machine);

/// <summary>Progress of a models/download: bytes over all of the model's files.</summary>
public sealed record ModelDownloadProgress(string Id, string File, long ReceivedBytes, long TotalBytes, long BytesPerSecond);

/// <summary>
/// The model store behind models/*: what the catalog offers and what of it is on disk, downloads by id (through the providers, so
/// a prepare and a models/download of the same model share one download), deletion and "use a file I already have".
/// </summary>
public sealed class ModelStore(BackendHost backends, IEnumerable<ISpeechBackendProvider> providers, SidecarEvents events, ILogger<ModelStore> logger)
{
    private readonly Dictionary<string, int> _downloading = new(StringComparer.OrdinalIgnoreCase);

    private static string Cache => ModelCatalog.CacheDirectory();

    public ModelListResult List(string? language = null)
    {
        var cache = Cache;
        var resident = backends.ResidentModelPath;
        var items = ModelCatalog.All.Select(entry =>
        {
            var path = entry.LocalPath(cache);
            var downloaded = IsDownloaded(entry, path);
            bool downloading;
            lock (_downloading)
                downloading = _downloading.ContainsKey(entry.Id);
            var model = backends.ModelFor(entry.Backend);
            var selected = model is null
                ? entry.Id == (entry.Backend == "whisper" ? ModelCatalog.WhisperDefaultId : ModelCatalog.ParakeetDefaultId)
                : string.Equals(model, entry.Id, StringComparison.OrdinalIgnoreCase) || string.Equals(model, path, StringComparison.Ordinal);
            return new ModelListItem(entry.Id, entry.Backend, entry.Label, entry.Variant, entry.Languages, entry.Note, entry.RamMb, entry.SizeBytes,
                downloaded, downloaded ? SizeOf(path) : 0, PartialBytes(entry, cache),
                resident is not null && string.Equals(resident, path, StringComparison.Ordinal), selected, downloading, path,
                entry.Files.Select(f => CatalogEntry.Url(ModelCatalog.BaseUrl(), f).ToString()).ToList(), entry.Files.All(f => f.Sha1 is not null));
        }).ToList();
        var machine = new MachineInfo(Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        return new ModelListResult(items, cache, SizeOf(cache), Recommend(machine, language), machine);
    }

    /// <summary>
    /// The model to suggest for this machine: fast enough to dictate comfortably on its cores, small enough for its memory, and
    /// English-only when the language is English or unknown (the English models are more accurate for English).
    /// </summary>
    public static string Recommend(MachineInfo machine, string? language)
    {
        var gib = machine.MemoryBytes / (1024.0 * 1024 * 1024);
        var english = string.IsNullOrWhiteSpace(language) || language.Equals("auto", StringComparison.OrdinalIgnoreCase)
            || language.StartsWith("en", StringComparison.OrdinalIgnoreCase);
        var strong = machine.Cores >= 8 && gib >= 8;
        var modest = machine.Cores >= 4 && gib >= 4;
        string id;
        if (english)
            id = strong ? "parakeet-tdt-0.6b-v2-int8" : modest ? "whisper-small.en-q8_0" : "whisper-base.en";
        else
        {
            var code = language!.Split('-', '_')[0].ToLowerInvariant();
            var parakeetV3 = ModelCatalog.Find("parakeet-tdt-0.6b-v3-int8");
            id = strong && parakeetV3 is not null && parakeetV3.Languages.Contains(code) ? parakeetV3.Id
                : strong ? "whisper-large-v3-turbo-q5_0" : modest ? "whisper-small-q8_0" : "whisper-base";
        }
        // A catalog that lacks the pick (a test's or a mirror's): its first entry for the same kind of language.
        return ModelCatalog.Find(id)?.Id
            ?? ModelCatalog.All.FirstOrDefault(e => e.Languages.Contains(english ? "en" : "*"))?.Id
            ?? (ModelCatalog.All is [var first, ..] ? first.Id : "");
    }

    public static CatalogEntry Require(string? id) =>
        ModelCatalog.Find(id) ?? throw new WisprException(string.IsNullOrWhiteSpace(id) ? WisprErrorCodes.InvalidParams : WisprErrorCodes.UnknownModel,
            string.IsNullOrWhiteSpace(id) ? "This call needs a model id (see models/list)." : $"'{id}' is not a model of the catalog; models/list names them.");

    /// <summary>
    /// Makes sure the model is on disk, downloading what is missing (resuming what an earlier attempt left). Shares the download
    /// with any other request for the same files. Cancelling stops this request's wait (and the download, when nobody else waits).
    /// </summary>
    public async Task<(string Path, bool Downloaded)> DownloadAsync(string id, CancellationToken cancellationToken)
    {
        var entry = Require(id);
        var provider = providers.First(p => p.Id == entry.Backend);
        var received = new Dictionary<string, (long Received, long? Total)>(StringComparer.Ordinal);
        void Report(ModelProgress p)
        {
            if (p.Stage != ModelProgressStage.Download || p.ReceivedBytes is not { } bytes)
                return;
            long got, total;
            lock (received)
            {
                received[p.File] = (bytes, p.TotalBytes);
                got = received.Values.Sum(v => v.Received);
                total = entry.Files.Sum(f => received.TryGetValue(f.Name, out var r) && r.Total is { } t ? t : f.SizeBytes);
            }
            events.RaiseModelDownloadProgress(new ModelDownloadProgress(entry.Id, p.File, got, Math.Max(total, got), p.BytesPerSecond ?? 0));
        }
        lock (_downloading)
            _downloading[entry.Id] = _downloading.GetValueOrDefault(entry.Id) + 1;
        try
        {
            var result = await provider.EnsureModelAsync(entry.Id, Report, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Model {Id} is on disk at {Path}{How}", entry.Id, result.ModelPath, result.Downloaded ? " (downloaded)" : "");
            return result;
        }
        finally
        {
            lock (_downloading)
            {
                if (--_downloading[entry.Id] == 0)
                    _downloading.Remove(entry.Id);
            }
        }
    }

    /// <summary>Deletes a downloaded model (and any unfinished download of it). Refused for the resident model and during its download.</summary>
    public long Delete(string id)
    {
        var entry = Require(id);
        var path = entry.LocalPath(Cache);
        if (backends.ResidentModelPath is { } resident && string.Equals(resident, path, StringComparison.Ordinal))
            throw new WisprException(WisprErrorCodes.ModelInUse, $"{entry.Label} is loaded now; choose another model (or unload it) before deleting it.");
        lock (_downloading)
        {
            if (_downloading.ContainsKey(entry.Id))
                throw new WisprException(WisprErrorCodes.ModelInUse, $"{entry.Label} is being downloaded; cancel the download before deleting it.");
        }
        var freed = 0L;
        foreach (var item in new[] { path, path + ".sha1", ModelDownloader.PartialPath(Cache, entry.Folder ?? entry.Files[0].Name) }
                     .Concat(entry.Folder is null ? [] : [Path.Combine(Cache, ModelDownloader.PartialFolder, entry.Folder)]))
        {
            if (File.Exists(item))
            {
                freed += new FileInfo(item).Length;
                File.Delete(item);
            }
            else if (Directory.Exists(item))
            {
                freed += SizeOf(item);
                Directory.Delete(item, recursive: true);
            }
        }
        logger.LogInformation("Deleted model {Id} ({Bytes} bytes) from {Path}", entry.Id, freed, path);
        return freed;
    }

    /// <summary>
    /// Checks a model the user already has (a Whisper ggml file, or a Parakeet folder) with the backends' own validation, without
    /// loading it; returns the backend it belongs to. The file is used where it is (never copied: models are large).
    /// </summary>
    public static string Validate(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            ParakeetModelLayout.Locate(full);
            return "parakeet";
        }
        if (!File.Exists(full))
            throw new WisprException(WisprErrorCodes.ModelNotFound, $"There is no file or folder at {full}.");
        WhisperModelValidator.Validate(full);
        return "whisper";
    }

    private static bool IsDownloaded(CatalogEntry entry, string path) => entry.Folder is not null
        ? ModelDownloader.IsComplete(path)
        : entry.Files[0].Sha1 is { } sha1 ? ModelDownloader.IsVerified(path, sha1) : File.Exists(path) && new FileInfo(path).Length == entry.Files[0].SizeBytes;

    private static long PartialBytes(CatalogEntry entry, string cache) => entry.Folder is null
        ? LengthOf(ModelDownloader.PartialPath(cache, entry.Files[0].Name))
        : entry.Files.Sum(f => LengthOf(ModelDownloader.PartialPath(cache, Path.Combine(entry.Folder, f.Name))));

    private static long LengthOf(string file) => File.Exists(file) ? new FileInfo(file).Length : 0;

    /// <summary>A file's size, or everything under a folder (0 when absent or unreadable).</summary>
    internal static long SizeOf(string path)
    {
        try
        {
            if (File.Exists(path))
                return new FileInfo(path).Length;
            if (Directory.Exists(path))
                return new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        return 0;
    }
}
