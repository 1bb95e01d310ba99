using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using StreamJsonRpc;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Bench;

/// <summary>
/// One sidecar child process driven over JSON-RPC as the extension drives it (the approach of the sidecar's own
/// <c>dictate</c> command): spawn, initialize, prepare, then dictations from a WAV file played at full speed.
/// </summary>
public sealed class SidecarSession : IAsyncDisposable
{
    private readonly Process _child;
    private readonly JsonRpc _rpc;
    private readonly Callbacks _callbacks = new();
    private readonly ConcurrentQueue<string> _stderrTail = new();

    private SidecarSession(Process child, JsonRpc rpc)
    {
        _child = child;
        _rpc = rpc;
    }

    /// <summary>Spawn to initialize reply: what the user waits for before the extension can talk to the sidecar.</summary>
    public double ColdStartMs { get; private set; }

    public long LoadMs { get; private set; }

    public int Pid => _child.Id;

    /// <param name="sidecarDll">The Release Wispr.Sidecar.dll, run through the dotnet host as the extension runs a .dll.</param>
    /// <param name="maxTokens">The hidden benchmark decoding cap, or null for an ordinary sidecar.</param>
    public static Task<SidecarSession> StartAsync(string sidecarDll, string modelPath, int? maxTokens, CancellationToken ct) =>
        StartAsync(sidecarDll, ["--model", modelPath], maxTokens, new Dictionary<string, string>(), ct);

    /// <param name="modelArgs">The model and any other options: <c>--model FILE</c>, or <c>--backend parakeet --parakeetModel DIR</c>, <c>--threads N</c>…</param>
    /// <param name="environment">Added to the child's environment (e.g. GOMP_SPINCOUNT for the old spinning behaviour).</param>
    public static async Task<SidecarSession> StartAsync(string sidecarDll, IEnumerable<string> modelArgs, int? maxTokens,
        IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { sidecarDll, "serve" }.Concat(modelArgs).Concat(["--logLevel", "Warning", "--clientProcessId", Environment.ProcessId.ToString()]))
            psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
            psi.Environment[name] = value;
        // Started as the extension starts it, so memory figures are the user's (see NativeAllocator).
        if (OperatingSystem.IsLinux() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX")))
            psi.Environment["MALLOC_ARENA_MAX"] = "2";
        if (maxTokens is { } n)
        {
            psi.ArgumentList.Add("--maxTokens");
            psi.ArgumentList.Add(n.ToString());
        }

        var clock = Stopwatch.StartNew();
        var child = Process.Start(psi) ?? throw new InvalidOperationException("could not start the sidecar");
        var rpc = RpcConnection.Create(child.StandardInput.BaseStream, child.StandardOutput.BaseStream);
        var session = new SidecarSession(child, rpc);
        try
        {
            child.ErrorDataReceived += (_, e) => session.KeepStderr(e.Data);
            child.BeginErrorReadLine();
            rpc.AddLocalRpcTarget(session._callbacks, RpcConnection.TargetOptions);
            rpc.StartListening();
            await rpc.InvokeWithParameterObjectAsync<InitializeResult>(M.Initialize, new InitializeParams("wispr-bench", "0"), ct).ConfigureAwait(false);
            session.ColdStartMs = clock.Elapsed.TotalMilliseconds;
            var prepared = await rpc.InvokeWithParameterObjectAsync<PrepareResult>(M.ModelPrepare, new EmptyParams(), ct).ConfigureAwait(false);
            session.LoadMs = prepared.LoadMs;
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a dictation of the whole file, waits for the source to end (no sleeps), then times stop → text.</summary>
    public async Task<(double StopToTextMs, TranscriptResult Result)> DictateAsync(string wavPath, CancellationToken ct)
    {
        var ended = _callbacks.Arm();
        var start = await _rpc.InvokeWithParameterObjectAsync<StartResult>(M.DictationStart,
            new StartDictationRequest(new AudioSourceSpec("wavFile", wavPath, false)), ct).ConfigureAwait(false);
        var notification = await ended.WaitAsync(TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
        if (notification.DictationId != start.DictationId || notification.Error is not null)
            throw new InvalidOperationException($"source ended for {notification.DictationId} with error {notification.Error ?? "none"}; expected {start.DictationId}");

        var clock = Stopwatch.StartNew();
        var result = await _rpc.InvokeWithParameterObjectAsync<TranscriptResult>(M.DictationStop, new DictationRef(start.DictationId), ct).ConfigureAwait(false);
        return (clock.Elapsed.TotalMilliseconds, result);
    }

    /// <summary>
    /// One dictation as the extension runs it: start (with <c>segmented</c>, which sidecars without segmentation ignore), the file
    /// played at its own pace when <paramref name="realtime"/>, the release when the source has ended (the user lets go at the
    /// end of the file), then release → text. Also the sidecar's CPU time from start to release: the work done while the user
    /// speaks.
    /// </summary>
    /// <returns>Also the longest recognition among the dictation's segments (<c>dictation/segment</c>'s <c>asrMs</c>; 0 when
    /// unsegmented): what "at most one segment's recognition after the release" is measured against.</returns>
    public async Task<(double ReleaseToTextMs, double CpuDuringSpeechMs, TranscriptResult Result, long LongestSegmentMs)> DictateAsync(
        string wavPath, bool realtime, bool segmented, CancellationToken ct)
    {
        var ended = _callbacks.Arm();
        _child.Refresh();
        var cpuAtStart = _child.TotalProcessorTime;
        var start = await _rpc.InvokeWithParameterObjectAsync<StartResult>(M.DictationStart,
            new { source = new AudioSourceSpec("wavFile", wavPath, realtime), segmented }, ct).ConfigureAwait(false);
        var notification = await ended.WaitAsync(TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        if (notification.DictationId != start.DictationId || notification.Error is not null)
            throw new InvalidOperationException($"source ended for {notification.DictationId} with error {notification.Error ?? "none"}; expected {start.DictationId}");
        _child.Refresh();
        var cpuDuringSpeech = (_child.TotalProcessorTime - cpuAtStart).TotalMilliseconds;

        var clock = Stopwatch.StartNew();
        var result = await _rpc.InvokeWithParameterObjectAsync<TranscriptResult>(M.DictationStop, new DictationRef(start.DictationId), ct).ConfigureAwait(false);
        // Every segment's notification precedes the stop's reply (the last one is sent during the stop).
        return (clock.Elapsed.TotalMilliseconds, cpuDuringSpeech, result, _callbacks.LongestSegmentMs(start.DictationId));
    }

    /// <summary>The sidecar's peak working set (VmHWM on Linux), as it reports it in <c>status</c>.</summary>
    public async Task<long> PeakWorkingSetBytesAsync(CancellationToken ct) =>
        (await _rpc.InvokeWithParameterObjectAsync<StatusResult>(M.Status, new EmptyParams(), ct).ConfigureAwait(false)).PeakWorkingSetBytes;

    public string StderrTail => string.Join('\n', _stderrTail);

    private void KeepStderr(string? line)
    {
        if (line is null)
            return;
        _stderrTail.Enqueue(line);
        while (_stderrTail.Count > 20)
            _stderrTail.TryDequeue(out _);
    }

    /// <summary>Asks for a clean shutdown, and kills the child if it does not exit promptly (or the connection is broken).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_child.HasExited)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _rpc.InvokeWithParameterObjectAsync<EmptyResult>(M.Shutdown, new EmptyParams(), timeout.Token).ConfigureAwait(false);
                await _child.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RemoteInvocationException or ConnectionLostException or ObjectDisposedException or InvalidOperationException)
        {
            // Falls through to the kill below.
        }
        finally
        {
            if (!_child.HasExited)
                _child.Kill(entireProcessTree: true);
            _rpc.Dispose();
            _child.Dispose();
        }
    }

    private sealed class Callbacks
    {
        private TaskCompletionSource<SourceEndedNotification> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentDictionary<string, long> _longestSegment = new();

        public long LongestSegmentMs(string dictationId) => _longestSegment.TryRemove(dictationId, out var ms) ? ms : 0;

        [JsonRpcMethod(M.DictationSegment)]
        public void OnSegment(SegmentNotification n) => _longestSegment.AddOrUpdate(n.DictationId, n.AsrMs, (_, ms) => Math.Max(ms, n.AsrMs));

        /// <summary>A fresh wait, armed before dictation/start so a fast source cannot end before anyone listens.</summary>
        public Task<SourceEndedNotification> Arm()
        {
            var tcs = new TaskCompletionSource<SourceEndedNotification>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _ended, tcs);
            return tcs.Task;
        }

        [JsonRpcMethod(M.DictationSourceEnded)]
        public void OnSourceEnded(SourceEndedNotification n) => Volatile.Read(ref _ended).TrySetResult(n);

        [JsonRpcMethod(M.DictationStateChanged)]
        [SuppressMessage("Performance", "CA1822", Justification = "JSON-RPC target methods are instance methods of the target object")]
        public void OnStateChanged(StateChangedNotification n) { }

        [JsonRpcMethod(M.ModelProgress)]
        [SuppressMessage("Performance", "CA1822", Justification = "JSON-RPC target methods are instance methods of the target object")]
        public void OnModelProgress(ModelProgressNotification n) { }
    }
}
