using System.Diagnostics;
using System.Text.Json;
using StreamJsonRpc;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

// Memory across backend switches, measured on the real sidecar process over JSON-RPC stdio:
// N cycles of  select Whisper → dictation → unload → prepare (from cache) → select Parakeet → dictation → unload → prepare,
// printing the sidecar's resident memory (VmRSS) after every load and unload, each switch time and each cached prepare time.
// Cycle 0 warms up (maps both native runtimes once); exit code 1 when memory grows: cycle N's figures more than 5% above cycle 1's.
// --arenas default runs the sidecar with glibc's default malloc arenas (memory then climbs); --recycle restarts it per switch.

var options = BenchOptions.Parse(args);
var sidecar = await SidecarClient.StartAsync(options, "whisper");
var init = sidecar.Init;
await Task.Delay(500);
var baseline = sidecar.Rss();
Console.WriteLine($"sidecar pid {init.Pid}, {init.Runtime}; whisper {Path.GetFileName(options.WhisperModel)}, parakeet {Path.GetFileName(options.ParakeetModel)}, audio {Path.GetFileName(options.Wav)}");
Console.WriteLine(options.Recycle
    ? "mode: recycle (each switch restarts the sidecar with the new backend, as wispr.backend.recycleProcessOnSwitch does)"
    : "mode: in-process (backend/select unloads, releases memory and loads in the same sidecar)");
Console.WriteLine($"MALLOC_ARENA_MAX={options.Arenas ?? "(glibc default)"}");
Console.WriteLine($"baseline (no model loaded): RSS {Mib(baseline)}");
Console.WriteLine();
Console.WriteLine("cycle backend   switch ms  RSS loaded  dictation ms  RSS unloaded  prepare(cache) ms  RSS reloaded  managed heap");

var rows = new List<Row>();
// Cycle 0 is a warm-up: the first load of each backend maps its native runtime (whisper.cpp, ONNX Runtime) and JIT-compiles
// the path once; those pages stay for the life of the process. It is printed, and the comparison starts at cycle 1.
for (var cycle = options.WarmUp ? 0 : 1; cycle <= options.Cycles; cycle++)
{
    foreach (var backend in new[] { "whisper", "parakeet" })
    {
        var clock = Stopwatch.StartNew();
        StatusResult selected;
        if (options.Recycle)
        {
            await sidecar.DisposeAsync();
            sidecar = await SidecarClient.StartAsync(options, backend);
            await sidecar.Call<PrepareResult>(M.ModelPrepare);
            selected = await sidecar.Call<StatusResult>(M.Status);
        }
        else
        {
            selected = await sidecar.Call<StatusResult>(M.BackendSelect, new SelectBackendParams(backend));
        }
        var switchMs = clock.ElapsedMilliseconds;
        if (selected.ResidentBackend != backend)
            throw new InvalidOperationException($"after the switch to {backend} the resident backend is {selected.ResidentBackend ?? "none"}");
        var rssLoaded = sidecar.Rss();

        clock.Restart();
        var start = await sidecar.Call<StartResult>(M.DictationStart, new StartDictationRequest(new AudioSourceSpec("wavFile", options.Wav, false)));
        await sidecar.Sink.WaitForSourceEndAsync(start.DictationId);
        var result = await sidecar.Call<TranscriptResult>(M.DictationStop, new DictationRef(start.DictationId));
        var dictationMs = clock.ElapsedMilliseconds;
        if (result.Backend != backend)
            throw new InvalidOperationException($"dictation ran on {result.Backend}, expected {backend}");

        var unloaded = await sidecar.Call<StatusResult>(M.ModelUnload);
        if (unloaded.ResidentBackend is not null)
            throw new InvalidOperationException("model/unload left a backend resident");
        var rssUnloaded = sidecar.Rss();

        clock.Restart();
        var prepared = await sidecar.Call<PrepareResult>(M.ModelPrepare);
        var prepareMs = clock.ElapsedMilliseconds;
        var rssReloaded = sidecar.Rss();
        var status = await sidecar.Call<StatusResult>(M.Status);

        var row = new Row(cycle, backend, switchMs, rssLoaded, dictationMs, rssUnloaded, prepareMs, prepared.LoadMs, rssReloaded, status.ManagedHeapBytes, result.Text);
        rows.Add(row);
        Console.WriteLine($"{cycle,5} {backend,-9} {switchMs,9} {Mib(rssLoaded),11} {dictationMs,13} {Mib(rssUnloaded),13} {prepareMs,18} {Mib(rssReloaded),13} {Mib(status.ManagedHeapBytes),13}");
    }
}
await sidecar.DisposeAsync();

// Verdict.
Console.WriteLine();
var failures = new List<string>();
foreach (var backend in new[] { "whisper", "parakeet" })
{
    var mine = rows.Where(r => r.Backend == backend && r.Cycle >= 1).ToList();
    var (first, last) = (mine[0], mine[^1]);
    var loadedGrowth = Math.Round((double)(last.RssLoaded - first.RssLoaded) / first.RssLoaded, 3);
    var unloadedGrowth = Math.Round((double)(last.RssUnloaded - first.RssUnloaded) / first.RssUnloaded, 3);
    Console.WriteLine($"{backend}: RSS loaded {Mib(first.RssLoaded)} (cycle 1) → {Mib(last.RssLoaded)} (cycle {last.Cycle}), {loadedGrowth:+0.0%;-0.0%;0.0%}; " +
        $"after unload {Mib(first.RssUnloaded)} → {Mib(last.RssUnloaded)}, {unloadedGrowth:+0.0%;-0.0%;0.0%}; " +
        $"after unload vs baseline {Mib(last.RssUnloaded - baseline)} above (native runtimes stay mapped once loaded); " +
        $"switch median {Median(mine.Select(r => r.SwitchMs))} ms, cached prepare median {Median(mine.Select(r => r.PrepareMs))} ms (load {Median(mine.Select(r => r.LoadMs))} ms)");
    if (loadedGrowth > 0.05)
        failures.Add($"{backend}: resident memory with the model loaded grew {loadedGrowth:P1} from cycle 1 to {last.Cycle}");
    if (unloadedGrowth > 0.05)
        failures.Add($"{backend}: resident memory after unload grew {unloadedGrowth:P1} from cycle 1 to {last.Cycle}");
}
Console.WriteLine($"parakeet text (tiny model: \"wispr talks to vs code\"): \"{rows.Last(r => r.Backend == "parakeet").Text}\"");

if (options.JsonOut is { } json)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
    await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { baseline, rows }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
    Console.WriteLine($"rows written to {json}");
}
foreach (var f in failures)
    Console.WriteLine($"FAIL {f}");
Console.WriteLine(failures.Count == 0 ? "PASS memory stays within 5% of the first cycle"
    : options.Arenas is null ? "memory grows across cycles with glibc's default arenas (the reason the sidecar runs with MALLOC_ARENA_MAX=2)"
    : "memory grows across cycles: wispr.backend.recycleProcessOnSwitch gives it back (--recycle measures that)");
return failures.Count == 0 ? 0 : 1;

static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):0.0} MiB";

static long Median(IEnumerable<long> values)
{
    var sorted = values.OrderBy(v => v).ToList();
    return sorted[sorted.Count / 2];
}

internal sealed record Row(int Cycle, string Backend, long SwitchMs, long RssLoaded, long DictationMs, long RssUnloaded, long PrepareMs, long LoadMs,
    long RssReloaded, long ManagedHeap, string Text);

internal sealed record BenchOptions(string SidecarDll, string WhisperModel, string ParakeetModel, string Wav, int Cycles, int Threads, string? JsonOut, bool Verbose,
    bool Recycle, bool WarmUp, string? Arenas)
{
    public static BenchOptions Parse(string[] args)
    {
        string? dll = null, whisper = null, parakeet = null, wav = null, json = null, arenas = "2";
        int cycles = 20, threads = 2;
        bool verbose = false, recycle = false, warmUp = true;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--sidecar": dll = Next(); break;
                case "--whisper": whisper = Next(); break;
                case "--parakeet": parakeet = Next(); break;
                case "--wav": wav = Next(); break;
                case "--cycles": cycles = int.Parse(Next()); break;
                case "--threads": threads = int.Parse(Next()); break;
                case "--json": json = Next(); break;
                case "--verbose": verbose = true; break;
                case "--recycle": recycle = true; break;
                case "--no-warmup": warmUp = false; break;
                case "--arenas": arenas = Next() is var a && a == "default" ? null : a; break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}. Usage: Wispr.Bench.Memory --sidecar Wispr.Sidecar.dll --whisper MODEL.bin " +
                        "--parakeet DIR --wav FILE.wav [--cycles 20] [--threads 2] [--json OUT.json] [--recycle] [--no-warmup] [--arenas N|default] [--verbose]");
            }
        }
        if (dll is null || whisper is null || parakeet is null || wav is null)
            throw new ArgumentException("--sidecar, --whisper, --parakeet and --wav are required (bench/memory-cycle.sh passes them)");
        return new BenchOptions(Path.GetFullPath(dll), Path.GetFullPath(whisper), Path.GetFullPath(parakeet), Path.GetFullPath(wav), cycles, threads, json, verbose, recycle, warmUp, arenas);
    }
}

internal sealed class NotificationSink
{
    private readonly Dictionary<string, TaskCompletionSource> _ended = new();

    private TaskCompletionSource For(string id)
    {
        lock (_ended)
        {
            if (!_ended.TryGetValue(id, out var tcs))
                _ended[id] = tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return tcs;
        }
    }

    [JsonRpcMethod(SidecarRpcTarget.Methods.DictationSourceEnded)]
    public void SourceEnded(SourceEndedNotification p) => For(p.DictationId).TrySetResult();

    [JsonRpcMethod(SidecarRpcTarget.Methods.DictationStateChanged)]
    public void StateChanged(JsonElement p) { }

    [JsonRpcMethod(SidecarRpcTarget.Methods.ModelProgress)]
    public void ModelProgress(JsonElement p) { }

    public Task WaitForSourceEndAsync(string id) => For(id).Task.WaitAsync(TimeSpan.FromMinutes(2));
}

/// <summary>One sidecar process (dotnet Wispr.Sidecar.dll serve) and its JSON-RPC connection, initialized.</summary>
internal sealed class SidecarClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly JsonRpc _rpc;

    private SidecarClient(Process process, JsonRpc rpc, NotificationSink sink)
    {
        _process = process;
        _rpc = rpc;
        Sink = sink;
    }

    public NotificationSink Sink { get; }
    public InitializeResult Init { get; private set; } = null!;

    public static async Task<SidecarClient> StartAsync(BenchOptions options, string backend)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { options.SidecarDll, "serve", "--backend", backend, "--parakeetModel", options.ParakeetModel,
                     "--logLevel", "warning", "--threads", options.Threads.ToString(), "--clientProcessId", Environment.ProcessId.ToString() })
            psi.ArgumentList.Add(a);
        // --model belongs to the --backend chosen; the Whisper file is passed in initialize instead, for either.
        // The extension starts the sidecar with MALLOC_ARENA_MAX=2 (see sidecarConnection.ts); --arenas default measures the difference.
        if (options.Arenas is { } arenas)
            psi.Environment["MALLOC_ARENA_MAX"] = arenas;
        else
            psi.Environment.Remove("MALLOC_ARENA_MAX");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the sidecar");
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && options.Verbose) Console.Error.WriteLine($"[sidecar] {line}"); };
        process.BeginErrorReadLine();
        var sink = new NotificationSink();
        var rpc = RpcConnection.Create(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
        rpc.AddLocalRpcTarget(sink, RpcConnection.TargetOptions);
        rpc.StartListening();
        var client = new SidecarClient(process, rpc, sink);
        client.Init = await client.Call<InitializeResult>(M.Initialize, new InitializeParams("wispr-bench-memory", "1", options.WhisperModel));
        return client;
    }

    public Task<T> Call<T>(string method, object? args = null) => _rpc.InvokeWithParameterObjectAsync<T>(method, args ?? new EmptyParams());

    public long Rss() => Memory.ReadRss(_process.Id);

    public async ValueTask DisposeAsync()
    {
        try { await Call<EmptyResult>(M.Shutdown); }
        catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException) { }
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _rpc.Dispose();
        _process.Dispose();
    }
}

internal static class Memory
{
    /// <summary>/proc/PID/status "VmRSS:  123456 kB" (Linux); elsewhere the process's working set.</summary>
    internal static long ReadRss(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (File.Exists(path))
            foreach (var line in File.ReadLines(path))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
        using var p = Process.GetProcessById(pid);
        return p.WorkingSet64;
    }
}
