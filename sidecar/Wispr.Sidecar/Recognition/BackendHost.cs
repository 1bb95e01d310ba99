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
    // Explicit model per backend id (a Whisper file, a Parakeet folder); absent = the provider's default.
    private readonly Dictionary<string, string?> _modelPaths = new(StringComparer.OrdinalIgnoreCase);
    private int _switching;
    private bool _disposed;

    public BackendHost(IEnumerable<ISpeechBackendProvider> providers, SidecarOptions options, SidecarEvents events, ILogger<BackendHost> logger)
    {
        _providers = providers.ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
        _logger = logger;
        _events = events;
        if (!_providers.TryGetValue(options.Backend, out var selected))
            throw new ArgumentException($"Unknown backend '{options.Backend}'. Available: {string.Join(", ", _providers.Keys)}.");
        _selected = selected.Id;
        _modelPaths[_selected] = options.ModelPath; // --model belongs to the backend chosen with --backend
    }

    public IReadOnlyCollection<ISpeechBackendProvider> Providers => _providers.Values;

    public string SelectedBackend => _selected;

    /// <summary>The explicit model for the selected backend, or null for its default.</summary>
    public string? ModelPathOverride => ModelPathFor(_selected);

    /// <summary>Path of the resident model, or null when nothing is loaded. A snapshot: it may change right after.</summary>
    public string? ResidentModelPath => Volatile.Read(ref _resident)?.ModelPath;

    /// <summary>Id of the resident backend, or null when nothing is loaded. A snapshot.</summary>
    public string? ResidentBackend => Volatile.Read(ref _resident)?.Name;

    /// <summary>True while <see cref="SelectAsync"/> runs (unloading the old backend or loading the new one).</summary>
    public bool IsSwitching => Volatile.Read(ref _switching) != 0;

    private string? ModelPathFor(string backend) => _modelPaths.GetValueOrDefault(backend);

    /// <summary>Sets the model file used from the next load of the selected backend; unloads the resident model if it differs.</summary>
    public Task SetModelPathAsync(string? modelPath, CancellationToken cancellationToken) => SetModelPathAsync(_selected, modelPath, cancellationToken);

    /// <summary>Sets the model used from the next load of <paramref name="backend"/>; unloads the resident model if it is that backend's and differs.</summary>
    public async Task SetModelPathAsync(string backend, string? modelPath, CancellationToken cancellationToken)
    {
        if (!_providers.TryGetValue(backend, out var provider))
            throw new WisprException(WisprErrorCodes.BackendUnavailable, $"Unknown backend '{backend}'. Available: {string.Join(", ", _providers.Keys)}.");
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var normalized = string.IsNullOrWhiteSpace(modelPath) ? null : Path.GetFullPath(modelPath);
            if (normalized == ModelPathFor(provider.Id))
                return;
            _modelPaths[provider.Id] = normalized;
            if (string.Equals(provider.Id, _selected, StringComparison.OrdinalIgnoreCase))
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
        Volatile.Write(ref _switching, 1);
        try
        {
            var previous = (Selected: _selected, ModelPath: ModelPathFor(provider.Id));
            // Unload first, so two models are never resident together, and give the memory back before the next one loads.
            await UnloadLockedAsync().ConfigureAwait(false);
            ReleaseMemory();
            _selected = provider.Id;
            if (!string.IsNullOrWhiteSpace(modelPath))
                _modelPaths[provider.Id] = Path.GetFullPath(modelPath);
            try
            {
                await EnsureLoadedLockedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Leave the sidecar usable: the previous choice comes back (loaded lazily on next use).
                _selected = previous.Selected;
                _modelPaths[provider.Id] = previous.ModelPath;
                _logger.LogWarning("Switch to {Backend} failed ({Message}); {Previous} stays selected", provider.Id, ex.Message, previous.Selected);
                ReleaseMemory();
                throw;
            }
        }
        finally
        {
            Volatile.Write(ref _switching, 0);
            _lock.Release();
        }
    }

    /// <summary>
    /// After an unload: collect the managed heap and, on Linux, ask glibc to return freed native pages (ONNX Runtime's and
    /// whisper.cpp's buffers) to the system, so the working set drops instead of staying at its peak.
    /// </summary>
    private void ReleaseMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        NativeAllocator.Trim();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            // What stays after a release, by owner: the figures bench/memory-cycle.sh --verbose reads to trace growth.
            var gc = GC.GetGCMemoryInfo();
            var native = NativeAllocator.Stats();
            _logger.LogDebug("Memory released: managed heap {Heap} committed {Committed}; native in use {InUse} free {Free} arenas {Arena} mmapped {Mmapped}; threads {Threads}",
                gc.HeapSizeBytes, gc.TotalCommittedBytes, native?.InUseBytes, native?.FreeBytes, native?.ArenaBytes, native?.MmappedBytes,
                Process.GetCurrentProcess().Threads.Count);
        }
    }

    /// <summary>Unloads the resident backend (waiting for a transcription in flight) and gives its memory back.</summary>
    public async Task UnloadAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            var had = _resident is not null;
            await UnloadLockedAsync().ConfigureAwait(false);
            if (had)
                ReleaseMemory();
        }
        finally { _lock.Release(); }
    }

    private async Task<(string ModelPath, bool Downloaded, long LoadMs)> EnsureLoadedLockedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var provider = _providers[_selected];
        var (path, downloaded) = await provider.EnsureModelAsync(ModelPathFor(_selected), _events.RaiseModelProgress, cancellationToken).ConfigureAwait(false);
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
