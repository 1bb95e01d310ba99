namespace Wispr.Sidecar.Models;

/// <summary>A model a user can get by name: where it lives upstream and how to recognise the right bytes.</summary>
public sealed record DownloadableModel(string FileName, Uri Url, string Sha1, long SizeBytes);

/// <summary>
/// A model made of several files that go into one folder, fetched from <paramref name="BaseUrl"/> + each file name.
/// No checksums are published for them, so each file is checked against its Content-Length and the folder as a whole by
/// the caller's validation (loading it) before it counts as complete.
/// </summary>
public sealed record DownloadableFolder(string FolderName, Uri BaseUrl, IReadOnlyList<string> Files, string Address);

public static class ModelCatalog
{
    /// <summary>Where models are fetched from unless WISPR_MODEL_BASE_URL names a mirror with the same layout (or a test server).</summary>
    public const string DefaultBaseUrl = "https://huggingface.co/";

    /// <summary>WISPR_MODEL_BASE_URL if set (a Hugging Face mirror: BASE/owner/repo/resolve/main/FILE), else huggingface.co.</summary>
    public static Uri BaseUrl()
    {
        var overridden = Environment.GetEnvironmentVariable("WISPR_MODEL_BASE_URL");
        var url = string.IsNullOrWhiteSpace(overridden) ? DefaultBaseUrl : overridden.Trim();
        return new Uri(url.EndsWith('/') ? url : url + "/");
    }

    /// <summary>whisper.cpp's base.en (142 MiB); SHA-1 as published in whisper.cpp's models table.</summary>
    public static DownloadableModel WhisperBaseEn => new(
        "ggml-base.en.bin",
        new Uri(BaseUrl(), "ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin"),
        "137c40403d78fd54d454da0f9bd998f78703390c",
        147_964_211);

    /// <summary>
    /// NVIDIA Parakeet TDT 0.6B v2 (English) in the public ONNX export onnx-asr and Handy load, int8 weights (about 670 MB
    /// instead of 2.4 GB for full precision, which the backend also loads when put there by hand).
    /// </summary>
    public static DownloadableFolder ParakeetTdtV2 => new(
        Recognition.Parakeet.ParakeetModelLayout.DefaultFolderName,
        new Uri(BaseUrl(), "istupakov/parakeet-tdt-0.6b-v2-onnx/resolve/main/"),
        ["encoder-model.int8.onnx", "decoder_joint-model.int8.onnx", "vocab.txt", "config.json"],
        Recognition.Parakeet.ParakeetModelLayout.PublicAddress);

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
