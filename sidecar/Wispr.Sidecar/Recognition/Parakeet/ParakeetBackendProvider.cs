using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Parakeet;

/// <summary>
/// Finds the Parakeet model folder (an explicit one; a catalog id; else --parakeetModel; else the catalog's default,
/// parakeet-tdt-0.6b-v2 int8, in the user cache) and loads it. A catalog folder is downloaded once when it holds neither a
/// finished download nor files put there by hand; explicit folders are never downloaded into.
/// </summary>
public sealed class ParakeetBackendProvider(ModelDownloader downloader, SidecarOptions options, ILoggerFactory loggers) : ISpeechBackendProvider, IExclusiveLoads
{
    public Func<Func<CancellationToken, Task>, CancellationToken, Task>? RunExclusive { get; set; }

    public string Id => "parakeet";

    public string Label => "Parakeet TDT 0.6B";

    public string? UnavailableReason => null;

    /// <summary>The folder used when no explicit one is given.</summary>
    public string DefaultFolder => options.ParakeetModelPath ?? ParakeetModelLayout.DefaultFolder();

    public async Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        var entry = ModelCatalog.Find(modelPathOverride);
        if (entry is not null && entry.Backend != Id)
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"{entry.Label} is a model for {entry.Backend}; select that backend for it.");
        var explicitFolder = entry is null ? modelPathOverride ?? options.ParakeetModelPath : null;
        if (explicitFolder is not null)
            return (ParakeetModelLayout.Locate(explicitFolder).Folder, false);

        entry ??= ModelCatalog.Find(ModelCatalog.ParakeetDefaultId)!;
        var folder = entry.LocalPath(ModelCatalog.CacheDirectory());
        if (!ModelDownloader.IsComplete(folder) && Directory.Exists(folder))
        {
            try
            {
                return (ParakeetModelLayout.Locate(folder).Folder, false); // put there by hand (full precision, say)
            }
            catch (WisprException ex) when (ex.Code == WisprErrorCodes.ModelNotFound)
            {
                // Some files missing: download the set.
            }
        }
        return await downloader.EnsureFolderAsync(ModelCatalog.AsFolder(entry), folder, ValidateAsync, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A downloaded folder counts only if the backend loads it: ONNX Runtime parses both networks, shapes and a probe step agree.</summary>
    private Task ValidateAsync(string folder, CancellationToken cancellationToken) =>
        RunExclusive is { } exclusive ? exclusive(ct => TrialLoadAsync(folder, ct), cancellationToken) : TrialLoadAsync(folder, cancellationToken);

    private async Task TrialLoadAsync(string folder, CancellationToken cancellationToken)
    {
        var backend = await ParakeetBackend.LoadAsync(new ParakeetBackendOptions(folder) { Threads = 1 }, loggers.CreateLogger<ParakeetBackend>(), cancellationToken)
            .ConfigureAwait(false);
        await backend.DisposeAsync().ConfigureAwait(false);
    }

    public async Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken) =>
        await ParakeetBackend.LoadAsync(
            new ParakeetBackendOptions(modelPath) { Threads = options.Threads, UseGpu = options.UseGpu, AllowSpinning = options.AllowSpinning },
            loggers.CreateLogger<ParakeetBackend>(), cancellationToken).ConfigureAwait(false);
}
