using Wispr.Sidecar.Models;

namespace Wispr.Sidecar.Recognition;

/// <summary>Knows how to find a backend's model and load it. Stateless: the loaded backend is owned by <see cref="BackendHost"/>.</summary>
public interface ISpeechBackendProvider
{
    /// <summary>Wire id: "whisper", "parakeet".</summary>
    string Id { get; }

    string Label { get; }

    /// <summary>Null when usable in this build; otherwise why not.</summary>
    string? UnavailableReason { get; }

    /// <summary>Makes sure the model is on disk (downloading it at most once) and returns its path.</summary>
    Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Loads a model already on disk. Validates it first; a bad file is a WisprException, never a native crash.</summary>
    Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken);
}

/// <summary>
/// A provider that proves a download by loading it once (Parakeet's folder). <see cref="BackendHost"/> sets
/// <see cref="RunExclusive"/>: the step then runs under the backend lock with nothing else resident, as every load must.
/// </summary>
public interface IExclusiveLoads
{
    Func<Func<CancellationToken, Task>, CancellationToken, Task>? RunExclusive { get; set; }
}
