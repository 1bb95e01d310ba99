using System.Diagnostics;
using System.Text.Json;
using StreamJsonRpc;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

// Memory across backend switches, measured on the real sidecar process over JSON-RPC stdio:
// N cycles of  select Whisper → dictation → unload → prepare (from cache) → select Parakeet → dictation → unload → prepare,
// printing the sidecar's resident memory (VmRSS) after every load and unload, each switch time and each cached prepare time.
// Exit code 1 when memory grows: the last cycle's figures more than 5% above the first cycle's.

var options = BenchOptions.Parse(args);
var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
foreach (var a in new[] { options.SidecarDll, "serve", "--model", options.WhisperModel, "--parakeetModel", options.ParakeetModel,
             "--logLevel", "warning", "--threads", options.Threads.ToString(), "--clientProcessId", Environment.ProcessId.ToString() })
    psi.ArgumentList.Add(a);

using var sidecar = Process.Start(psi) ?? throw new InvalidOperationException("could not start the sidecar");
sidecar.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && options.Verbose) Console.Error.WriteLine($"[sidecar] {line}"); };
sidecar.BeginErrorReadLine();
var sink = new NotificationSink();
using var rpc = RpcConnection.Create(sidecar.StandardInput.BaseStream, sidecar.StandardOutput.BaseStream);
rpc.AddLocalRpcTarget(sink, RpcConnection.TargetOptions);
rpc.StartListening();

Task<T> Call<T>(string method, object? args = null) => rpc.InvokeWithParameterObjectAsync<T>(method, args ?? new EmptyParams());
long Rss() => ReadRss(sidecar.Id);

var init = await Call<InitializeResult>(M.Initialize, new InitializeParams("wispr-bench-memory", "1"));
await Task.Delay(500);
var baseline = Rss();
Console.WriteLine($"sidecar pid {init.Pid}, {init.Runtime}; whisper {Path.GetFileName(options.WhisperModel)}, parakeet {Path.GetFileName(options.ParakeetModel)}, audio {Path.GetFileName(options.Wav)}");
Console.WriteLine($"baseline (no model loaded): RSS {Mib(baseline)}");
Console.WriteLine();
Console.WriteLine("cycle backend   switch ms  RSS loaded  dictation ms  RSS unloaded  prepare(cache) ms  RSS reloaded  managed heap");

var rows = new List<Row>();
for (var cycle = 1; cycle <= options.Cycles; cycle++)
{
    foreach (var backend in new[] { "whisper", "parakeet" })
    {
        var clock = Stopwatch.StartNew();
        var selected = await Call<StatusResult>(M.BackendSelect, new SelectBackendParams(backend));
        var switchMs = clock.ElapsedMilliseconds;
        if (selected.ResidentBackend != backend)
            throw new InvalidOperationException($"after backend/select {backend} the resident backend is {selected.ResidentBackend ?? "none"}");
        var rssLoaded = Rss();

        clock.Restart();
        var start = await Call<StartResult>(M.DictationStart, new StartDictationRequest(new AudioSourceSpec("wavFile", options.Wav, false)));
        await sink.WaitForSourceEndAsync(start.DictationId);
        var result = await Call<TranscriptResult>(M.DictationStop, new DictationRef(start.DictationId));
        var dictationMs = clock.ElapsedMilliseconds;
        if (result.Backend != backend)
            throw new InvalidOperationException($"dictation ran on {result.Backend}, expected {backend}");

        var unloaded = await Call<StatusResult>(M.ModelUnload);
        if (unloaded.ResidentBackend is not null)
            throw new InvalidOperationException("model/unload left a backend resident");
        var rssUnloaded = Rss();

        clock.Restart();
        var prepared = await Call<PrepareResult>(M.ModelPrepare);
        var prepareMs = clock.ElapsedMilliseconds;
        var rssReloaded = Rss();
        var status = await Call<StatusResult>(M.Status);

        var row = new Row(cycle, backend, switchMs, rssLoaded, dictationMs, rssUnloaded, prepareMs, prepared.LoadMs, rssReloaded, status.ManagedHeapBytes, result.Text);
        rows.Add(row);
        Console.WriteLine($"{cycle,5} {backend,-9} {switchMs,9} {Mib(rssLoaded),11} {dictationMs,13} {Mib(rssUnloaded),13} {prepareMs,18} {Mib(rssReloaded),13} {Mib(status.ManagedHeapBytes),13}");
    }
}

await Call<EmptyResult>(M.Shutdown);
await sidecar.WaitForExitAsync();

// Verdict.
Console.WriteLine();
var failures = new List<string>();
foreach (var backend in new[] { "whisper", "parakeet" })
{
    var mine = rows.Where(r => r.Backend == backend).ToList();
    var (first, last) = (mine[0], mine[^1]);
    var loadedGrowth = (double)(last.RssLoaded - first.RssLoaded) / first.RssLoaded;
    var unloadedGrowth = (double)(last.RssUnloaded - first.RssUnloaded) / first.RssUnloaded;
    Console.WriteLine($"{backend}: RSS loaded {Mib(first.RssLoaded)} (cycle 1) → {Mib(last.RssLoaded)} (cycle {last.Cycle}), {loadedGrowth:+0.0%;-0.0%}; " +
        $"after unload {Mib(first.RssUnloaded)} → {Mib(last.RssUnloaded)}, {unloadedGrowth:+0.0%;-0.0%}; " +
        $"after unload vs baseline {Mib(last.RssUnloaded - baseline)} above; " +
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
Console.WriteLine(failures.Count == 0 ? "PASS memory stays within 5% of the first cycle" : "memory grows across cycles: consider wispr.backend.recycleProcessOnSwitch");
return failures.Count == 0 ? 0 : 1;

static long ReadRss(int pid)
{
    // /proc/PID/status "VmRSS:  123456 kB" (Linux); elsewhere the process's working set.
    var path = $"/proc/{pid}/status";
    if (File.Exists(path))
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
    using var p = Process.GetProcessById(pid);
    return p.WorkingSet64;
}

static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):0.0} MiB";

static long Median(IEnumerable<long> values)
{
    var sorted = values.OrderBy(v => v).ToList();
    return sorted[sorted.Count / 2];
}

internal sealed record Row(int Cycle, string Backend, long SwitchMs, long RssLoaded, long DictationMs, long RssUnloaded, long PrepareMs, long LoadMs,
    long RssReloaded, long ManagedHeap, string Text);

internal sealed record BenchOptions(string SidecarDll, string WhisperModel, string ParakeetModel, string Wav, int Cycles, int Threads, string? JsonOut, bool Verbose)
{
    public static BenchOptions Parse(string[] args)
    {
        string? dll = null, whisper = null, parakeet = null, wav = null, json = null;
        int cycles = 20, threads = 2;
        var verbose = false;
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
                default:
                    throw new ArgumentException($"unknown option {args[i]}. Usage: Wispr.Bench.Memory --sidecar Wispr.Sidecar.dll --whisper MODEL.bin " +
                        "--parakeet DIR --wav FILE.wav [--cycles 20] [--threads 2] [--json OUT.json] [--verbose]");
            }
        }
        if (dll is null || whisper is null || parakeet is null || wav is null)
            throw new ArgumentException("--sidecar, --whisper, --parakeet and --wav are required (bench/memory-cycle.sh passes them)");
        return new BenchOptions(Path.GetFullPath(dll), Path.GetFullPath(whisper), Path.GetFullPath(parakeet), Path.GetFullPath(wav), cycles, threads, json, verbose);
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
