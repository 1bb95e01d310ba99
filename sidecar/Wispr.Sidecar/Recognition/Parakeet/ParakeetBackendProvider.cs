using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Parakeet;

/// <summary>
/// Finds the Parakeet model folder (an explicit one, else --parakeetModel, else parakeet-tdt-0.6b-v2 in the user cache) and loads it.
/// The backend is always listed as available; it is not downloaded automatically (five files from the model hub, one of 2.4 GB),
/// so a missing folder is a ModelNotFound error that says which files to put where.
/// </summary>
public sealed class ParakeetBackendProvider(SidecarOptions options, ILoggerFactory loggers) : ISpeechBackendProvider
{
    public string Id => "parakeet";

    public string Label => "Parakeet TDT 0.6B";

    public string? UnavailableReason => null;

    /// <summary>The folder used when no explicit one is given.</summary>
    public string DefaultFolder => options.ParakeetModelPath ?? ParakeetModelLayout.DefaultFolder();

    public Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        var layout = ParakeetModelLayout.Locate(modelPathOverride ?? DefaultFolder);
        return Task.FromResult((layout.Folder, false));
    }

    public async Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken) =>
        await ParakeetBackend.LoadAsync(
            new ParakeetBackendOptions(modelPath) { Threads = options.Threads ?? Math.Max(1, Environment.ProcessorCount), UseGpu = options.UseGpu },
            loggers.CreateLogger<ParakeetBackend>(), cancellationToken).ConfigureAwait(false);
}
