using System.Text.Json;

namespace Wispr.Sidecar.Models;

/// <summary>A model a user can get by name: where it lives upstream and how to recognise the right bytes.</summary>
public sealed record DownloadableModel(string FileName, Uri Url, string Sha1, long SizeBytes);

/// <summary>
/// A model made of several files that go into one folder, fetched from <paramref name="BaseUrl"/> + each file name.
/// No checksums are published for them, so each file is checked against its size and the folder as a whole by the
/// caller's validation (loading it) before it counts as complete.
/// </summary>
public sealed record DownloadableFolder(string FolderName, Uri BaseUrl, IReadOnlyList<string> Files, string Address,
    IReadOnlyDictionary<string, long>? Sizes = null);

/// <summary>One file of a catalog entry. <see cref="Path"/> is relative to the catalog's base URL; <see cref="Sha1"/> is null where none is published.</summary>
public sealed record CatalogFile(string Name, string Path, long SizeBytes, string? Sha1);

/// <summary>
/// One model of the catalog (Models/catalog.json). Whisper entries are one ggml file in the cache folder; Parakeet entries are
/// a set of files in <see cref="Folder"/> under it. <see cref="Languages"/> holds ISO 639-1 codes, or "*" for every Whisper language.
/// </summary>
public sealed record CatalogEntry(string Id, string Backend, string Label, string Variant, IReadOnlyList<string> Languages,
    string Note, int RamMb, IReadOnlyList<CatalogFile> Files, string? Folder = null)
{
    public long SizeBytes => Files.Sum(f => f.SizeBytes);

    /// <summary>Where the model lives once downloaded: the Whisper file, or the Parakeet folder.</summary>
    public string LocalPath(string cacheDirectory) =>
        System.IO.Path.Combine(cacheDirectory, Folder ?? Files[0].Name);

    /// <summary>The file's address under <paramref name="baseUrl"/> (huggingface.co, a mirror, or a test server).</summary>
    public static Uri Url(Uri baseUrl, CatalogFile file) => new(baseUrl, file.Path);
}

public static class ModelCatalog
{
    /// <summary>Where models are fetched from unless WISPR_MODEL_BASE_URL names a mirror with the same layout (or a test server).</summary>
    public const string DefaultBaseUrl = "https://huggingface.co/";

    public const string WhisperDefaultId = "whisper-base.en";
    public const string ParakeetDefaultId = "parakeet-tdt-0.6b-v2-int8";

    private sealed record CatalogDocument(int Version, IReadOnlyList<CatalogEntry> Models);

    private static readonly Lazy<IReadOnlyList<CatalogEntry>> Loaded = new(Load);

    /// <summary>
    /// Every model of the catalog, in the order a picker shows them: the embedded one, or the JSON file WISPR_MODEL_CATALOG names
    /// (same shape; tests serve stand-in files with their own checksums through it, a company mirror may list its own models).
    /// </summary>
    public static IReadOnlyList<CatalogEntry> All =>
        Environment.GetEnvironmentVariable("WISPR_MODEL_CATALOG") is { Length: > 0 } file ? LoadFile(file) : Loaded.Value;

    /// <summary>The entry with this id (case-insensitive), or null.</summary>
    public static CatalogEntry? Find(string? id) =>
        string.IsNullOrWhiteSpace(id) ? null : All.FirstOrDefault(e => string.Equals(e.Id, id.Trim(), StringComparison.OrdinalIgnoreCase));

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    private static IReadOnlyList<CatalogEntry> Load()
    {
        // Embedded, so the catalog cannot go missing beside the binaries; one data file, reviewed like code.
        using var stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream("Wispr.Sidecar.Models.catalog.json")
            ?? throw new InvalidOperationException("The model catalog (Models/catalog.json) is not embedded in this build.");
        return Parse(stream);
    }

    private static IReadOnlyList<CatalogEntry> LoadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Parse(stream);
    }

    internal static IReadOnlyList<CatalogEntry> Parse(Stream json)
    {
        var doc = JsonSerializer.Deserialize<CatalogDocument>(json, JsonOptions) ?? throw new InvalidOperationException("The model catalog is empty.");
        foreach (var entry in doc.Models)
        {
            if (entry.Files.Count == 0 || entry.Backend is not ("whisper" or "parakeet") || (entry.Backend == "parakeet") != (entry.Folder is not null))
                throw new InvalidOperationException($"Model catalog entry '{entry.Id}' is malformed (backend, files or folder).");
        }
        return doc.Models;
    }

    /// <summary>Writes a catalog in the shape <see cref="All"/> reads (tests and mirrors build theirs with it).</summary>
    public static string Serialize(IEnumerable<CatalogEntry> entries) =>
        JsonSerializer.Serialize(new CatalogDocument(1, entries.ToList()), JsonOptions);

    /// <summary>WISPR_MODEL_BASE_URL if set (a Hugging Face mirror: BASE/owner/repo/resolve/main/FILE), else huggingface.co.</summary>
    public static Uri BaseUrl()
    {
        var overridden = Environment.GetEnvironmentVariable("WISPR_MODEL_BASE_URL");
        var url = string.IsNullOrWhiteSpace(overridden) ? DefaultBaseUrl : overridden.Trim();
        return new Uri(url.EndsWith('/') ? url : url + "/");
    }

    /// <summary>A one-file (Whisper) entry as the downloader takes it.</summary>
    public static DownloadableModel AsFile(CatalogEntry entry)
    {
        var file = entry.Files[0];
        return new DownloadableModel(file.Name, CatalogEntry.Url(BaseUrl(), file), file.Sha1 ?? "", file.SizeBytes);
    }

    /// <summary>A folder (Parakeet) entry as the downloader takes it.</summary>
    public static DownloadableFolder AsFolder(CatalogEntry entry)
    {
        var baseUrl = BaseUrl();
        var first = entry.Files[0];
        var folderUrl = new Uri(CatalogEntry.Url(baseUrl, first), ".");
        return new DownloadableFolder(entry.Folder!, folderUrl, entry.Files.Select(f => f.Name).ToList(),
            "https://huggingface.co/" + first.Path[..first.Path.IndexOf("/resolve/", StringComparison.Ordinal)],
            entry.Files.ToDictionary(f => f.Name, f => f.SizeBytes));
    }

    /// <summary>whisper.cpp's base.en (142 MiB), the default Whisper model; SHA-1 as published in whisper.cpp's models table.</summary>
    public static DownloadableModel WhisperBaseEn => AsFile(Find(WhisperDefaultId)!);

    /// <summary>
    /// NVIDIA Parakeet TDT 0.6B v2 (English) in the public ONNX export onnx-asr and Handy load, int8 weights (about 660 MB
    /// instead of 2.5 GB for full precision), the default Parakeet model.
    /// </summary>
    public static DownloadableFolder ParakeetTdtV2 => AsFolder(Find(ParakeetDefaultId)!);

    /// <summary>
    /// The per-user model cache: WISPR_CACHE_DIR if set, else the platform's cache folder
    /// (XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows).
    /// </summary>
    public static string CacheDirectory()
    {
        var overridden = Environment.GetEnvironmentVariable("WISPR_CACHE_DIR");
        if (!string.IsNullOrWhiteSpace(overridden))
            return Path.GetFullPath(overridden);
        string root;
        if (OperatingSystem.IsWindows())
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        else if (OperatingSystem.IsMacOS())
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "Library", "Caches");
        else
            root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "wispr-vscode", "models");
    }
}
