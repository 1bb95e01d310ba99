namespace Wispr.Sidecar.Models;

/// <summary>A model a user can get by name: where it lives upstream and how to recognise the right bytes.</summary>
public sealed record DownloadableModel(string FileName, Uri Url, string Sha1, long SizeBytes);

public static class ModelCatalog
{
    /// <summary>whisper.cpp's base.en (142 MiB); SHA-1 as published in whisper.cpp's models table.</summary>
    public static DownloadableModel WhisperBaseEn { get; } = new(
        "ggml-base.en.bin",
        new Uri("https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin"),
        "137c40403d78fd54d454da0f9bd998f78703390c",
        147_964_211);

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
