using System.Diagnostics;
using System.Runtime;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Hosting;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition;

/// <summary>
/// Owns the one resident speech backend. Every use, load and switch goes through one lock, so a transcription never
/// sees a half-switched backend and two backends are never loaded at once: a switch unloads first, then loads.
/// Network work (a model download) never runs under that lock: it happens first, shared by every caller that needs the
/// same model and bounded by the downloader's timeouts, so a stalled server holds up only the callers that need its model
/// (and, for a bounded time, uses that arrive during a switch, which wait for it), never an unload or an unrelated prepare.
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
    private readonly object _fetchGate = new();
    private (string Key, Task<(string Path, bool Downloaded)> Task, Task Arriving)? _fetch;
    // The latest switch's completion: a use that arrives during a switch (even during its download) waits for it and runs
    // on the new backend, as the protocol promises.
    private Task _switchDone = Task.CompletedTask;

    public BackendHost(IEnumerable<ISpeechBackendProvider> providers, SidecarOptions options, SidecarEvents events, ILogger<BackendHost> logger)
    {
        _providers = providers.ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
        _logger = logger;
        _events = events;
        if (!_providers.TryGetValue(options.Backend, out var selected))
            throw new ArgumentException($"Unknown backend '{options.Backend}'. Available: {string.Join(", ", _providers.Keys)}.");
        _selected = selected.Id;
        _modelPaths[_selected] = options.ModelPath; // --model belongs to the backend chosen with --backend
        // A downloaded folder is proven by loading it once: that trial load must obey the residency rule too.
        foreach (var provider in _providers.Values.OfType<IExclusiveLoads>())
            provider.RunExclusive = RunExclusiveAsync;
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

    /// <summary>The explicit model of <paramref name="backend"/> (a full path or a catalog id), or null for its default.</summary>
    public string? ModelFor(string backend) => ModelPathFor(backend);

    /// <summary>A model is a path (made absolute) or a catalog id (kept as the catalog spells it); blank = the default.</summary>
    private static string? NormalizeModel(string? model) =>
        string.IsNullOrWhiteSpace(model) ? null : ModelCatalog.Find(model)?.Id ?? Path.GetFullPath(model);

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
            var normalized = NormalizeModel(modelPath);
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
        var (fetched, downloaded) = await FetchThenLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var loadMs = await LoadLockedAsync(_providers[_selected], fetched, cancellationToken).ConfigureAwait(false);
            return (fetched, downloaded, loadMs);
        }
        finally { _lock.Release(); }
    }

    /// <summary>Runs <paramref name="work"/> against the resident backend, loading it first if needed, holding off switches meanwhile.</summary>
    public async Task<T> UseAsync<T>(Func<ISpeechBackend, long, Task<T>> work, CancellationToken cancellationToken)
    {
        var (fetched, _) = await FetchThenLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var loadMs = await LoadLockedAsync(_providers[_selected], fetched, cancellationToken).ConfigureAwait(false);
            return await work(_resident!, loadMs).ConfigureAwait(false);
        }
        finally { _lock.Release(); }
    }

    /// <summary>
    /// Makes sure the selected backend's model is on disk (outside the lock), then takes the lock. If the selection changed
    /// meanwhile (a switch ran), it fetches again for the new one. Returns holding the lock.
    /// </summary>
    private async Task<(string Path, bool Downloaded)> FetchThenLockAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            await Volatile.Read(ref _switchDone).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed switch is its caller's error; this use runs on whatever it rolled back to.
        }
        while (true)
        {
            var selected = _selected;
            var modelPath = ModelPathFor(selected);
            var fetched = await FetchAsync(_providers[selected], modelPath, cancellationToken).ConfigureAwait(false);
            await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (string.Equals(selected, _selected, StringComparison.Ordinal) && modelPath == ModelPathFor(selected))
                return fetched;
            _lock.Release();
        }
    }

    /// <summary>
    /// The provider's model on disk, downloading it if needed. One download per model at a time, shared by every caller
    /// (the prepare started with a dictation and that dictation's stop wait for the same one). The download itself is not
    /// cancelled by any one caller, who only stops waiting; it ends by itself, bounded by the downloader's timeouts.
    /// </summary>
    private Task<(string Path, bool Downloaded)> FetchAsync(ISpeechBackendProvider provider, string? modelPath, CancellationToken cancellationToken) =>
        StartFetch(provider, modelPath).Task.WaitAsync(cancellationToken);

    private (Task<(string Path, bool Downloaded)> Task, Task Arriving) StartFetch(ISpeechBackendProvider provider, string? modelPath)
    {
        var key = $"{provider.Id}|{modelPath}";
        lock (_fetchGate)
        {
            if (_fetch is { } running && running.Key == key && !running.Task.IsCompleted)
                return (running.Task, running.Arriving);
            // Completed by the first progress report: bytes are arriving, so the model can be had.
            var arriving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = Task.Run(() => provider.EnsureModelAsync(modelPath, p =>
            {
                arriving.TrySetResult();
                _events.RaiseModelProgress(p);
            }, CancellationToken.None), CancellationToken.None);
            _fetch = (key, task, arriving.Task);
            return (task, arriving.Task);
        }
    }

    /// <summary>
    /// Returns once the selected backend's model is resident, on disk, or arriving (its download has received bytes); throws
    /// the model error (ModelNotFound, ModelInvalid, ModelDownloadFailed) when it cannot be had: nothing cached and no
    /// server answering, a missing explicit file. A dictation asks before it opens the microphone, so nobody speaks into a
    /// sidecar without a model. Offline this answers within milliseconds (the connection is refused at once); a server that
    /// does not answer is bounded by the downloader's connect timeout.
    /// </summary>
    public async Task EnsureModelObtainableAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _resident) is not null && !IsSwitching)
            return;
        var selected = _selected;
        var (task, arriving) = StartFetch(_providers[selected], ModelPathFor(selected));
        await Task.WhenAny(task, arriving).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!task.IsCompleted)
            return;
        try
        {
            await task.ConfigureAwait(false); // throws the fetch's own error
        }
        catch (WisprException e) when (e.Code is WisprErrorCodes.ModelSourceUnreachable or WisprErrorCodes.ModelSourceNotFound)
        {
            // Before a dictation the user's problem is that there is no model on this machine; the download's own reason follows.
            throw new WisprException(WisprErrorCodes.ModelNotFound, $"No speech model is on this machine yet, and it could not be downloaded: {e.Message}", e);
        }
    }

    /// <summary>Runs <paramref name="step"/> under the lock with nothing resident (a trial load of a downloaded model).</summary>
    private async Task RunExclusiveAsync(Func<CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_resident is not null)
            {
                await UnloadLockedAsync().ConfigureAwait(false);
                ReleaseMemory();
            }
            await step(cancellationToken).ConfigureAwait(false);
        }
        finally { _lock.Release(); }
    }

    /// <summary>
    /// Switches backend: fetch the new model (outside the lock), then unload the current one, swap the selection and load the
    /// new one. A failed switch rolls back: the previous selection comes back, and if a backend was resident before, it is
    /// loaded again (still one at a time: the failed one left nothing loaded), so the user keeps a working backend.
    /// </summary>
    public async Task SelectAsync(string backend, string? modelPath, CancellationToken cancellationToken)
    {
        if (!_providers.TryGetValue(backend, out var provider))
            throw new WisprException(WisprErrorCodes.BackendUnavailable,
                $"Unknown backend '{backend}'. Available: {string.Join(", ", _providers.Keys)}.");
        if (provider.UnavailableReason is { } reason)
            throw new WisprException(WisprErrorCodes.BackendUnavailable, $"Backend '{provider.Label}' is not available: {reason}");

        Volatile.Write(ref _switching, 1);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _switchDone, done.Task);
        var previous = (Selected: _selected, ModelPath: ModelPathFor(provider.Id), Resident: Volatile.Read(ref _resident) is { } r ? (r.Name, r.ModelPath) : ((string, string)?)null);
        var wanted = string.IsNullOrWhiteSpace(modelPath) ? ModelPathFor(provider.Id) : NormalizeModel(modelPath);
        var locked = false;
        try
        {
            // The download (if any) first, without the lock; uses arriving now wait for this switch (see _switchDone).
            var (fetched, _) = await FetchAsync(provider, wanted, cancellationToken).ConfigureAwait(false);
            await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            locked = true;
            // Unload first, so two models are never resident together, and give the memory back before the next one loads.
            await UnloadLockedAsync().ConfigureAwait(false);
            ReleaseMemory();
            _selected = provider.Id;
            _modelPaths[provider.Id] = wanted;
            await LoadLockedAsync(provider, fetched, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (!locked)
            {
                await _lock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                locked = true;
            }
            _selected = previous.Selected;
            _modelPaths[provider.Id] = previous.ModelPath;
            ReleaseMemory();
            await RollBackLockedAsync(provider.Id, previous.Resident, ex).ConfigureAwait(false);
            throw;
        }
        finally
        {
            Volatile.Write(ref _switching, 0);
            if (locked)
                _lock.Release();
            done.SetResult();
        }
    }

    /// <summary>After a failed switch: load again what was resident before, if it is not resident now. Its failure is logged, not thrown.</summary>
    private async Task RollBackLockedAsync(string failed, (string Backend, string ModelPath)? before, Exception why)
    {
        if (before is not { } was || (_resident is { } now && now.Name == was.Backend && now.ModelPath == was.ModelPath))
        {
            _logger.LogWarning("Switch to {Backend} failed ({Message}); {Previous} stays selected", failed, why.Message, _selected);
            return;
        }
        try
        {
            await UnloadLockedAsync().ConfigureAwait(false);
            await LoadLockedAsync(_providers[was.Backend], was.ModelPath, CancellationToken.None).ConfigureAwait(false);
            _logger.LogWarning("Switch to {Backend} failed ({Message}); rolled back to {Previous}, resident again", failed, why.Message, was.Backend);
        }
        catch (Exception again) when (again is not OperationCanceledException)
        {
            _logger.LogError("Switch to {Backend} failed ({Message}), and {Previous} could not be loaded again ({Again}); nothing is resident",
                failed, why.Message, was.Backend, again.Message);
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
        // Finalizers may have freed more; the aggressive, compacting collection (large object heap included) also decommits the
        // GC's free regions instead of keeping them for the next allocations, which after an unload are far away.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeAllocator.Trim();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            // What stays after a release, by owner: the figures bench/memory-cycle.sh --verbose reads to trace growth.
            var gc = GC.GetGCMemoryInfo();
            var native = NativeAllocator.Stats();
            _logger.LogDebug("Memory released: managed heap {Heap} committed {Committed}; native in use {InUse} free {Free} arenas {Arena} mmapped {Mmapped}; threads {Threads}; {Jit}",
                gc.HeapSizeBytes, gc.TotalCommittedBytes, native?.InUseBytes, native?.FreeBytes, native?.ArenaBytes, native?.MmappedBytes,
                Process.GetCurrentProcess().Threads.Count, JitStats.Describe());
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

    /// <summary>Loads <paramref name="path"/> (already on disk) unless it is resident; returns the load time (0 when it was).</summary>
    private async Task<long> LoadLockedAsync(ISpeechBackendProvider provider, string path, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_resident is { } current)
        {
            if (string.Equals(current.ModelPath, path, StringComparison.Ordinal) && string.Equals(current.Name, provider.Id, StringComparison.OrdinalIgnoreCase))
                return 0;
            await UnloadLockedAsync().ConfigureAwait(false);
        }
        _events.RaiseModelProgress(new ModelProgress(ModelProgressStage.Load, Path.GetFileName(path)));
        var clock = Stopwatch.StartNew();
        _resident = await provider.LoadAsync(path, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Loaded {Backend} model {Model} in {Ms} ms", provider.Id, path, clock.ElapsedMilliseconds);
        _events.RaiseModelProgress(new ModelProgress(ModelProgressStage.Ready, Path.GetFileName(path)));
        return clock.ElapsedMilliseconds;
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
