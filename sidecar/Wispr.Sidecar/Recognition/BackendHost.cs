using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition;

/// <summary>
/// Owns the one resident speech backend. Every use, load and switch goes through one lock, so a transcription never
/// sees a half-switched backend and two backends are never loaded at once: a switch unloads first, then loads.
/// </summary>
public sealed class BackendHost : IAsyncDisposable
{
    private readonly Dictionary<string, ISpeechBackendProvider> _providers;
    private readonly ILogger<BackendHost> _logger;
    private readonly SidecarEvents _events;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private ISpeechBackend? _resident;
    private string _selected;
    private string? _modelPathOverride;
    private bool _disposed;

    public BackendHost(IEnumerable<ISpeechBackendProvider> providers, SidecarOptions options, SidecarEvents events, ILogger<BackendHost> logger)
    {
        _providers = providers.ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
        _logger = logger;
        _events = events;
        _selected = options.Backend;
        _modelPathOverride = options.ModelPath;
        if (!_providers.ContainsKey(_selected))
            throw new ArgumentException($"Unknown backend '{_selected}'.");
    }

    public IReadOnlyCollection<ISpeechBackendProvider> Providers => _providers.Values;

    public string SelectedBackend => _selected;

    /// <summary>The explicit model file for the selected backend, or null for its default.</summary>
    public string? ModelPathOverride => _modelPathOverride;

    /// <summary>Path of the resident model, or null when nothing is loaded. A snapshot: it may change right after.</summary>
    public string? ResidentModelPath => Volatile.Read(ref _resident)?.ModelPath;

    /// <summary>Sets the model file used from the next load; unloads the resident model if it differs.</summary>
    public async Task SetModelPathAsync(string? modelPath, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var normalized = string.IsNullOrWhiteSpace(modelPath) ? null : Path.GetFullPath(modelPath);
            if (normalized == _modelPathOverride)
                return;
            _modelPathOverride = normalized;
            await UnloadLockedAsync().ConfigureAwait(false);
        }
        finally { _lock.Release(); }
    }

    /// <summary>Ensures the selected backend is loaded. Returns the load time (0 when it already was) and whether a download happened.</summary>
    public async Task<(string ModelPath, bool Downloaded, long LoadMs)> PrepareAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await EnsureLoadedLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally { _lock.Release(); }
    }

    /// <summary>Runs <paramref name="work"/> against the resident backend, loading it first if needed, holding off switches meanwhile.</summary>
    public async Task<T> UseAsync<T>(Func<ISpeechBackend, long, Task<T>> work, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (_, _, loadMs) = await EnsureLoadedLockedAsync(cancellationToken).ConfigureAwait(false);
            return await work(_resident!, loadMs).ConfigureAwait(false);
        }
        finally { _lock.Release(); }
    }

    /// <summary>Switches backend: unload the current one, swap the selection, then load the new one.</summary>
    public async Task SelectAsync(string backend, string? modelPath, CancellationToken cancellationToken)
    {
        if (!_providers.TryGetValue(backend, out var provider))
            throw new WisprException(WisprErrorCodes.BackendUnavailable,
                $"Unknown backend '{backend}'. Available: {string.Join(", ", _providers.Keys)}.");
        if (provider.UnavailableReason is { } reason)
            throw new WisprException(WisprErrorCodes.BackendUnavailable, $"Backend '{provider.Label}' is not available: {reason}");

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var previous = (_selected, _modelPathOverride);
            await UnloadLockedAsync().ConfigureAwait(false);
            _selected = provider.Id;
            _modelPathOverride = string.IsNullOrWhiteSpace(modelPath) ? (provider.Id == previous._selected ? previous._modelPathOverride : null) : Path.GetFullPath(modelPath);
            try
            {
                await EnsureLoadedLockedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Leave the sidecar usable: the previous choice comes back (loaded lazily on next use).
                (_selected, _modelPathOverride) = previous;
                throw;
            }
        }
        finally { _lock.Release(); }
    }

    public async Task UnloadAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try { await UnloadLockedAsync().ConfigureAwait(false); }
        finally { _lock.Release(); }
    }

    private async Task<(string ModelPath, bool Downloaded, long LoadMs)> EnsureLoadedLockedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var provider = _providers[_selected];
        var (path, downloaded) = await provider.EnsureModelAsync(_modelPathOverride, _events.RaiseModelProgress, cancellationToken).ConfigureAwait(false);
        if (_resident is { } current)
        {
            if (string.Equals(current.ModelPath, path, StringComparison.Ordinal))
                return (path, downloaded, 0);
            await UnloadLockedAsync().ConfigureAwait(false);
        }
        _events.RaiseModelProgress(new ModelProgress(ModelProgressStage.Load, Path.GetFileName(path)));
        var clock = Stopwatch.StartNew();
        _resident = await provider.LoadAsync(path, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Loaded {Backend} model {Model} in {Ms} ms", provider.Id, path, clock.ElapsedMilliseconds);
        _events.RaiseModelProgress(new ModelProgress(ModelProgressStage.Ready, Path.GetFileName(path)));
        return (path, downloaded, clock.ElapsedMilliseconds);
    }

    private async Task UnloadLockedAsync()
    {
        var resident = _resident;
        if (resident is null)
            return;
        _resident = null; // drop our reference before disposing, so nothing can reach a half-disposed backend
        await resident.DisposeAsync().ConfigureAwait(false);
        _logger.LogInformation("Unloaded {Backend} model {Model}", resident.Name, resident.ModelPath);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        await UnloadAsync().ConfigureAwait(false);
        _disposed = true;
        _lock.Dispose();
    }
}
