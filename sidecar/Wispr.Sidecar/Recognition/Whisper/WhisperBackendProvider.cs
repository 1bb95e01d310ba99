using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Whisper;

/// <summary>
/// Finds the Whisper model (an explicit file; a catalog id, downloaded once into the user cache; else the catalog's default,
/// base.en) and loads it.
/// </summary>
public sealed class WhisperBackendProvider(ModelDownloader downloader, SidecarOptions options, ILoggerFactory loggers) : ISpeechBackendProvider
{
    public string Id => "whisper";

    public string Label => "Whisper";

    public string? UnavailableReason => null;

    public async Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        if (ModelCatalog.Find(modelPathOverride) is { } entry)
        {
            if (entry.Backend != Id)
                throw new WisprException(WisprErrorCodes.ModelInvalid, $"{entry.Label} is a model for {entry.Backend}; select that backend for it.");
            return await downloader.EnsureAsync(ModelCatalog.AsFile(entry), ModelCatalog.CacheDirectory(), progress, cancellationToken).ConfigureAwait(false);
        }
        if (modelPathOverride is not null)
        {
            if (Directory.Exists(modelPathOverride))
                throw new WisprException(WisprErrorCodes.ModelInvalid,
                    $"Whisper needs a ggml model file, but '{modelPathOverride}' is a folder" +
                    (File.Exists(Path.Combine(modelPathOverride, "vocab.txt")) ? " (a Parakeet ONNX model? Select the Parakeet backend for it)." : "."));
            if (!File.Exists(modelPathOverride))
                throw new WisprException(WisprErrorCodes.ModelNotFound,
                    $"Whisper model file not found: {modelPathOverride}. Check the wispr.whisper.modelPath setting (or --model), " +
                    $"or clear it to use the default {ModelCatalog.WhisperBaseEn.FileName}.");
            return (modelPathOverride, false);
        }
        return await downloader.EnsureAsync(ModelCatalog.WhisperBaseEn, ModelCatalog.CacheDirectory(), progress, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken) =>
        await WhisperBackend.LoadAsync(
            new WhisperBackendOptions(modelPath) { Threads = options.Threads, AudioContext = options.AudioContext, MaxTokens = options.MaxTokens, TokensPerSecond = options.TokensPerSecond, UseGpu = options.UseGpu },
            loggers.CreateLogger<WhisperBackend>(), cancellationToken).ConfigureAwait(false);
}
