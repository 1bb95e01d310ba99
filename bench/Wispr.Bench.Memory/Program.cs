using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using StreamJsonRpc;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

// Memory across backend switches, measured on the real sidecar process over JSON-RPC stdio:
// N cycles of  select Whisper → dictation → unload → prepare (from cache) → select Parakeet → dictation → unload → prepare,
// printing the sidecar's resident memory (VmRSS) after every load and unload, each switch time and each cached prepare time.
// Cycle 0 warms up (maps both native runtimes once); exit code 1 when memory grows: cycle N's figures more than 5% above cycle 1's,
// or the last after-unload figures more than 5% above the warm baseline (after cycle 0's unloads). --verbose adds, per unload, RSS by kind
// of mapping and the sidecar's own account (managed heap, malloc totals, threads).
// --arenas default runs the sidecar with glibc's default malloc arenas (memory then climbs); --recycle restarts it per switch.
// Each switch also reports the sidecar's peak RSS during the switch (VmHWM, reset before it through /proc/PID/clear_refs),
// which must stay below the process baseline plus the larger model: the old model is gone before the new one loads.
// --truncated-whisper / --bad-parakeet: loads that fail (half-way, for Parakeet) must give their memory back.
// --dictations N: N dictations in a row on the Whisper model, whose resident memory must stay flat (within 5 %).

var options = BenchOptions.Parse(args);
var modelBytes = new Dictionary<string, long>
{
    ["whisper"] = new FileInfo(options.WhisperModel).Length,
    ["parakeet"] = Directory.EnumerateFiles(options.ParakeetModel).Sum(f => new FileInfo(f).Length),
};
var sidecar = await SidecarClient.StartAsync(options, "whisper");
var init = sidecar.Init;
await Task.Delay(500);
var baseline = sidecar.Rss();
var baselineBreakdown = Memory.Breakdown(sidecar.Pid);
Console.WriteLine($"sidecar pid {init.Pid}, {init.Runtime}; whisper {Path.GetFileName(options.WhisperModel)}, parakeet {Path.GetFileName(options.ParakeetModel)}, audio {Path.GetFileName(options.Wav)}");
Console.WriteLine(options.Recycle
    ? "mode: recycle (each switch restarts the sidecar with the new backend, as wispr.backend.recycleProcessOnSwitch does)"
    : "mode: in-process (backend/select unloads, releases memory and loads in the same sidecar)");
Console.WriteLine($"MALLOC_ARENA_MAX={options.Arenas ?? "(glibc default)"}");
Console.WriteLine($"baseline (no model loaded): RSS {Mib(baseline)}");
Console.WriteLine();
Console.WriteLine($"models on disk: whisper {Mib(modelBytes["whisper"])}, parakeet {Mib(modelBytes["parakeet"])}; peak RSS during a switch via {PeakMeter.Method(sidecar.Pid)}");
Console.WriteLine();
Console.WriteLine("cycle backend   switch ms  RSS loaded  dictation ms  RSS unloaded  prepare(cache) ms  RSS reloaded  managed heap  switch peak  prepare peak");

var rows = new List<Row>();
// Cycle 0 is a warm-up: the first load of each backend maps its native runtime (whisper.cpp, ONNX Runtime) and JIT-compiles
// the path once; those pages stay for the life of the process. It is printed, and the comparison starts at cycle 1.
for (var cycle = options.WarmUp ? 0 : 1; cycle <= options.Cycles; cycle++)
{
    foreach (var backend in new[] { "whisper", "parakeet" })
    {
        var startRss = options.Recycle ? 0 : sidecar.Rss();
        var peakMeter = options.Recycle ? null : PeakMeter.Start(sidecar.Pid);
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
        // --recycle: the new process's own high-water mark is its switch peak (the old process is gone).
        var switchPeak = peakMeter?.Stop() ?? Memory.ReadHighWater(sidecar.Pid);
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
        var unloadedBreakdown = Memory.Breakdown(sidecar.Pid);

        var prepareMeter = PeakMeter.Start(sidecar.Pid);
        clock.Restart();
        var prepared = await sidecar.Call<PrepareResult>(M.ModelPrepare);
        var prepareMs = clock.ElapsedMilliseconds;
        // A load from nothing: what it needs at its peak beyond what stays resident (read buffers, prepacking).
        var preparePeak = prepareMeter.Stop();
        var rssReloaded = sidecar.Rss();
        var status = await sidecar.Call<StatusResult>(M.Status);

        var row = new Row(cycle, backend, switchMs, rssLoaded, dictationMs, rssUnloaded, prepareMs, prepared.LoadMs, rssReloaded, status.ManagedHeapBytes, result.Text,
            unloadedBreakdown, switchPeak, rows.Count > 0 && !options.Recycle ? rows[^1].RssUnloaded : baseline, startRss, preparePeak);
        rows.Add(row);
        Console.WriteLine($"{cycle,5} {backend,-9} {switchMs,9} {Mib(rssLoaded),11} {dictationMs,13} {Mib(rssUnloaded),13} {prepareMs,18} {Mib(rssReloaded),13} {Mib(status.ManagedHeapBytes),13} {Mib(switchPeak),12} {Mib(preparePeak),13}");
        if (options.Verbose)
            Console.WriteLine("      after unload: " + string.Join(", ", unloadedBreakdown.Where(kv => kv.Key != "threads" && kv.Value >= 512 * 1024)
                .OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {Mib(kv.Value)}")) + $"; {unloadedBreakdown.GetValueOrDefault("threads")} threads");
    }
}
var failedLoads = new List<FailedLoad>();
var dictationRss = new List<long>();
if (!options.Recycle)
{
    // What a failed load leaves: nothing resident before, the same memory after (within 5 %), whatever the load had mapped.
    foreach (var (label, backend, path) in new[] { ("truncated Whisper file", "whisper", options.TruncatedWhisper), ("Parakeet folder with a bad decoder", "parakeet", options.BadParakeet) })
    {
        if (path is null)
            continue;
        await sidecar.Call<StatusResult>(M.ModelUnload);
        var before = sidecar.Rss();
        var meter = PeakMeter.Start(sidecar.Pid);
        string error;
        try
        {
            await sidecar.Call<StatusResult>(M.BackendSelect, new SelectBackendParams(backend, path));
            error = "(loaded: no error)";
        }
        catch (RemoteInvocationException ex)
        {
            error = $"error {ex.ErrorCode}: {ex.Message}";
        }
        var peak = meter.Stop();
        var after = sidecar.Rss();
        var resident = (await sidecar.Call<StatusResult>(M.Status)).ResidentBackend;
        failedLoads.Add(new FailedLoad(label, before, peak, after, error, resident));
    }
    if (failedLoads.Count > 0)
    {
        Console.WriteLine();
        Console.WriteLine("failed load                          RSS before  peak during  RSS after  error");
        foreach (var f in failedLoads)
            Console.WriteLine($"{f.Label,-36} {Mib(f.Before),10} {Mib(f.Peak),12} {Mib(f.After),10}  {(f.Error.Length > 150 ? f.Error[..150] + "…" : f.Error)}");
    }

    if (options.Dictations > 0)
    {
        // Many dictations on one resident model (the Whisper one: the larger in the real-size run), RSS after each.
        await sidecar.Call<StatusResult>(M.BackendSelect, new SelectBackendParams("whisper"));
        await sidecar.Call<PrepareResult>(M.ModelPrepare);
        Console.WriteLine();
        Console.WriteLine($"{options.Dictations} dictations on {Path.GetFileName(options.WhisperModel)}: RSS after dictation");
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= options.Dictations; i++)
        {
            var start = await sidecar.Call<StartResult>(M.DictationStart, new StartDictationRequest(new AudioSourceSpec("wavFile", options.Wav, false)));
            await sidecar.Sink.WaitForSourceEndAsync(start.DictationId);
            await sidecar.Call<TranscriptResult>(M.DictationStop, new DictationRef(start.DictationId));
            dictationRss.Add(sidecar.Rss());
            if (i == 1 || i % 10 == 0 || i == options.Dictations)
                Console.WriteLine($"  {i,3}: {Mib(dictationRss[^1])} ({clock.ElapsedMilliseconds / i} ms per dictation)");
        }
    }
}
await sidecar.DisposeAsync();

// Verdict: (1) no growth from cycle 1 to N, loaded and unloaded; (2) after the last unloads the process is back at the warm
// baseline, the model-less process after the warm-up cycle (both runtimes initialised once). What that baseline holds above
// the cold start is printed by kind of memory, so a one-time cost is shown, not hidden.
Console.WriteLine();
const double Bound = 0.05;
var failures = new List<string>();
foreach (var backend in new[] { "whisper", "parakeet" })
{
    var mine = rows.Where(r => r.Backend == backend && r.Cycle >= 1).ToList();
    var (first, last) = (mine[0], mine[^1]);
    var loadedGrowth = Math.Round((double)(last.RssLoaded - first.RssLoaded) / first.RssLoaded, 3);
    var unloadedGrowth = Math.Round((double)(last.RssUnloaded - first.RssUnloaded) / first.RssUnloaded, 3);
    Console.WriteLine($"{backend}: RSS loaded {Mib(first.RssLoaded)} (cycle 1) → {Mib(last.RssLoaded)} (cycle {last.Cycle}), {loadedGrowth:+0.0%;-0.0%;0.0%}; " +
        $"after unload {Mib(first.RssUnloaded)} → {Mib(last.RssUnloaded)}, {unloadedGrowth:+0.0%;-0.0%;0.0%}; " +
        $"switch median {Median(mine.Select(r => r.SwitchMs))} ms, cached prepare median {Median(mine.Select(r => r.PrepareMs))} ms (load {Median(mine.Select(r => r.LoadMs))} ms)");
    if (loadedGrowth > Bound)
        failures.Add($"{backend}: resident memory with the model loaded grew {loadedGrowth:P1} from cycle 1 to {last.Cycle}");
    if (unloadedGrowth > Bound)
        failures.Add($"{backend}: resident memory after unload grew {unloadedGrowth:P1} from cycle 1 to {last.Cycle}");
}

var warmRow = rows.LastOrDefault(r => r.Cycle == 0);
if (warmRow is not null)
{
    var warm = warmRow.RssUnloaded;
    // The last unload of each backend is checked; the highest of any cycle is shown too (glibc's main arena holds a few MiB
    // more or less from one unload to the next, depending on what was freed last), so a passing run hides no peak.
    var highest = rows.Where(r => r.Cycle >= 1).MaxBy(r => r.RssUnloaded)!;
    foreach (var backend in new[] { "whisper", "parakeet" })
    {
        var last = rows.Last(r => r.Backend == backend);
        // --recycle: each backend lives in its own process, so its baseline is its own warm-up unload.
        var baselineFor = options.Recycle ? rows.First(r => r.Cycle == 0 && r.Backend == backend).RssUnloaded : warm;
        var above = Math.Round((double)(last.RssUnloaded - baselineFor) / baselineFor, 3);
        Console.WriteLine($"{backend}: after the last unload {Mib(last.RssUnloaded)}, {above:+0.0%;-0.0%;0.0%} against the warm baseline {Mib(baselineFor)} " +
            "(no model, after the warm-up cycle)");
        if (above > Bound)
            failures.Add($"{backend}: after the last unload, resident memory was {above:P1} above the warm baseline");
    }
    if (!options.Recycle)
        Console.WriteLine($"highest after any unload: {Mib(highest.RssUnloaded)} (cycle {highest.Cycle}, {highest.Backend}), " +
            $"{(double)(highest.RssUnloaded - warm) / warm:+0.0%;-0.0%;0.0%} against the warm baseline");
    if (!options.Recycle)
    {
        // The warm baseline above the cold start, by kind: code that stays mapped once each runtime has run, not model memory.
        Console.WriteLine($"where the memory goes, after an unload (cold start {Mib(baseline)} → warm baseline {Mib(warm)} → last unload {Mib(rows[^1].RssUnloaded)}):");
        var lastBreakdown = rows[^1].UnloadedBreakdown;
        foreach (var (label, kinds) in Memory.Kinds)
        {
            long Sum(IReadOnlyDictionary<string, long> b) => b.Where(kv => kinds(kv.Key)).Sum(kv => kv.Value);
            Console.WriteLine($"  {label,-52} {Mib(Sum(baselineBreakdown)),10} → {Mib(Sum(warmRow.UnloadedBreakdown)),10} → {Mib(Sum(lastBreakdown)),10}");
        }
    }
}
else
    Console.WriteLine("--no-warmup: no warm baseline, so the after-unload check is only cycle 1 against the last cycle");

// Switch peak. A switch starts with the old model loaded (RSS = baseline + old model), unloads it, then loads the new one
// (baseline + new model). Its peak must stay at the larger of those two, plus 5 % of the larger model for allocator and load
// slack; both models resident at once would exceed that by the smaller model. A model's size is what it adds to the process
// when loaded (median over the cycles of RSS loaded minus the baseline before the switch); its size on disk is printed beside it.
var footprint = Both.Backends.ToDictionary(b => b, b => Median(rows.Where(r => r.Backend == b && r.Cycle >= 1).Select(r => r.RssLoaded - r.BaselineBefore)));
var larger = Both.Backends.Max(b => footprint[b]);
var slack = larger / 20;
long Limit(Row r) => Math.Max(r.StartRss, r.BaselineBefore + footprint[r.Backend]) + slack;
var worstSwitch = rows.Where(r => r.Cycle >= 1).MaxBy(r => r.SwitchPeak - Limit(r))!;
Console.WriteLine($"models loaded: whisper {Mib(footprint["whisper"])} (file {Mib(modelBytes["whisper"])}), parakeet {Mib(footprint["parakeet"])} (files {Mib(modelBytes["parakeet"])}) above the baseline");
Console.WriteLine($"switch peak: closest to its limit in cycle {worstSwitch.Cycle}, to {worstSwitch.Backend}: {Mib(worstSwitch.SwitchPeak)}, limit {Mib(Limit(worstSwitch))} " +
    $"(baseline {Mib(worstSwitch.BaselineBefore)} + the larger model + 5 %); both models at once would be about {Mib(worstSwitch.BaselineBefore + footprint.Values.Sum())}; " +
    $"highest prepare peak {Mib(rows.Max(r => r.PreparePeak))}");
foreach (var r in rows.Where(r => r.Cycle >= 1 && r.SwitchPeak > Limit(r)))
    failures.Add($"switch to {r.Backend} in cycle {r.Cycle}: peak RSS {Mib(r.SwitchPeak)} above {Mib(Limit(r))}, the larger of the old model loaded ({Mib(r.StartRss)}) " +
        $"and baseline {Mib(r.BaselineBefore)} + the new one ({Mib(footprint[r.Backend])}), plus 5 %");

foreach (var f in failedLoads)
{
    var back = Math.Round((double)(f.After - f.Before) / f.Before, 3);
    Console.WriteLine($"{f.Label}: RSS {Mib(f.Before)} before, {Mib(f.Peak)} at the peak, {Mib(f.After)} after ({back:+0.0%;-0.0%;0.0%}); resident after: {f.Resident ?? "none"}");
    if (!f.Error.StartsWith("error", StringComparison.Ordinal))
        failures.Add($"{f.Label}: the load did not fail");
    if (back > Bound)
        failures.Add($"{f.Label}: resident memory after the failed load is {back:P1} above what it was before");
    if (f.Resident is not null)
        failures.Add($"{f.Label}: {f.Resident} is resident after the failed load");
}

if (dictationRss.Count > 0)
{
    // The first dictations warm whisper.cpp's per-run buffers and the JIT; growth is measured from the fifth.
    var reference = dictationRss[Math.Min(4, dictationRss.Count - 1)];
    var growth = Math.Round((double)(dictationRss[^1] - reference) / reference, 3);
    Console.WriteLine($"{dictationRss.Count} dictations: RSS {Mib(reference)} after dictation {Math.Min(5, dictationRss.Count)} → {Mib(dictationRss[^1])} after the last, {growth:+0.0%;-0.0%;0.0%} (highest {Mib(dictationRss.Max())})");
    if (growth > Bound)
        failures.Add($"{dictationRss.Count} dictations: resident memory grew {growth:P1} from dictation 5 to the last");
}
Console.WriteLine($"parakeet text (tiny model: \"wispr talks to vs code\"): \"{rows.Last(r => r.Backend == "parakeet").Text}\"");

if (options.JsonOut is { } json)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
    await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { baseline, baselineBreakdown, modelBytes, rows, failedLoads, dictationRss }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
    Console.WriteLine($"rows written to {json}");
}
foreach (var f in failures)
    Console.WriteLine($"FAIL {f}");
Console.WriteLine(failures.Count == 0
    ? $"PASS memory after cycle {options.Cycles} stays within 5% of cycle 1 (loaded and after unload), and after the last unloads within 5% of the warm baseline; " +
      "switch peaks below baseline + the larger model" + (failedLoads.Count > 0 ? "; failed loads give their memory back" : "") + (dictationRss.Count > 0 ? $"; {dictationRss.Count} dictations stay flat" : "")
    : options.Arenas is null ? "memory grows across cycles with glibc's default arenas (the reason the sidecar runs with MALLOC_ARENA_MAX=2)"
    : "memory grows across cycles: wispr.backend.recycleProcessOnSwitch gives it back (--recycle measures that)");
return failures.Count == 0 ? 0 : 1;

static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):0.0} MiB";

static long Median(IEnumerable<long> values)
{
    var sorted = values.OrderBy(v => v).ToList();
    return sorted[sorted.Count / 2];
}

/// <param name="SwitchPeak">Highest RSS while the switch ran.</param>
/// <param name="BaselineBefore">The process without a model just before the switch: the RSS after the previous unload (the cold start for the first).</param>
/// <param name="StartRss">RSS when the switch began (the previous backend loaded); 0 with --recycle, where a new process starts.</param>
/// <param name="PreparePeak">Highest RSS during the prepare after the unload (a load from nothing).</param>
internal sealed record Row(int Cycle, string Backend, long SwitchMs, long RssLoaded, long DictationMs, long RssUnloaded, long PrepareMs, long LoadMs,
    long RssReloaded, long ManagedHeap, string Text, IReadOnlyDictionary<string, long> UnloadedBreakdown, long SwitchPeak, long BaselineBefore,
    long StartRss, long PreparePeak);

internal sealed record FailedLoad(string Label, long Before, long Peak, long After, string Error, string? Resident);

internal sealed record BenchOptions(string SidecarDll, string WhisperModel, string ParakeetModel, string Wav, int Cycles, int Threads, string? JsonOut, bool Verbose,
    bool Recycle, bool WarmUp, string? Arenas, int? MaxTokens = null, int Dictations = 0, string? TruncatedWhisper = null, string? BadParakeet = null)
{
    public static BenchOptions Parse(string[] args)
    {
        string? dll = null, whisper = null, parakeet = null, wav = null, json = null, arenas = "2", truncated = null, badParakeet = null;
        int cycles = 20, threads = 2, dictations = 0;
        int? maxTokens = null;
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
                case "--max-tokens": maxTokens = int.Parse(Next()); break;
                case "--dictations": dictations = int.Parse(Next()); break;
                case "--truncated-whisper": truncated = Path.GetFullPath(Next()); break;
                case "--bad-parakeet": badParakeet = Path.GetFullPath(Next()); break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}. Usage: Wispr.Bench.Memory --sidecar Wispr.Sidecar.dll --whisper MODEL.bin " +
                        "--parakeet DIR --wav FILE.wav [--cycles 20] [--threads 2] [--json OUT.json] [--recycle] [--no-warmup] [--arenas N|default] [--verbose] " +
                        "[--max-tokens N] [--dictations N] [--truncated-whisper FILE] [--bad-parakeet DIR]");
            }
        }
        if (dll is null || whisper is null || parakeet is null || wav is null)
            throw new ArgumentException("--sidecar, --whisper, --parakeet and --wav are required (bench/memory-cycle.sh passes them)");
        return new BenchOptions(Path.GetFullPath(dll), Path.GetFullPath(whisper), Path.GetFullPath(parakeet), Path.GetFullPath(wav), cycles, threads, json, verbose, recycle, warmUp, arenas,
            maxTokens, dictations, truncated, badParakeet);
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
    [SuppressMessage("Performance", "CA1822", Justification = "JSON-RPC target methods are instance methods of the target object")]
    public void StateChanged(JsonElement p) { }

    [JsonRpcMethod(SidecarRpcTarget.Methods.ModelProgress)]
    [SuppressMessage("Performance", "CA1822", Justification = "JSON-RPC target methods are instance methods of the target object")]
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
                     "--logLevel", options.Verbose ? "debug" : "warning", "--threads", options.Threads.ToString(), "--clientProcessId", Environment.ProcessId.ToString() })
            psi.ArgumentList.Add(a);
        // Benchmark-only decoding limits, so dictations on a large-v3-turbo-shaped model take seconds on a busy machine.
        if (options.MaxTokens is { } maxTokens)
        {
            psi.ArgumentList.Add("--maxTokens");
            psi.ArgumentList.Add(maxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        // --model belongs to the --backend chosen; the Whisper file is passed in initialize instead, for either.
        // The extension starts the sidecar with MALLOC_ARENA_MAX=2 (see sidecarConnection.ts); --arenas default measures the difference.
        if (options.Arenas is { } arenas)
            psi.Environment["MALLOC_ARENA_MAX"] = arenas;
        else
            psi.Environment.Remove("MALLOC_ARENA_MAX");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the sidecar");
        // --verbose: the sidecar's own account of what stays after each release (managed heap, malloc, threads), and its warnings.
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line && options.Verbose
                && (line.Contains("Memory released", StringComparison.Ordinal) || line.Contains("warn", StringComparison.OrdinalIgnoreCase) || line.Contains("fail", StringComparison.OrdinalIgnoreCase)))
                Console.WriteLine($"      [sidecar] {line}");
        };
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

    public int Pid => _process.Id;

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
    /// <summary>How the breakdown's kinds add up, for the summary: what stays mapped (code) and what is data.</summary>
    internal static readonly (string Label, Func<string, bool> Kinds)[] Kinds =
    [
        ("native libraries (.so: whisper.cpp, ONNX Runtime, runtime)", k => k == "lib"),
        (".NET assemblies (mapped .dll)", k => k == "dll"),
        ("JIT-compiled code (memfd:doublemapper)", k => k.Contains("doublemapper", StringComparison.Ordinal)),
        ("native heap ([heap]: glibc's main arena)", k => k == "[heap]"),
        ("anonymous (other arenas, GC heap, stacks)", k => k == "anon"),
        ("other", k => k is not ("lib" or "dll" or "[heap]" or "anon" or "threads") && !k.Contains("doublemapper", StringComparison.Ordinal)),
    ];

    /// <summary>
    /// Resident memory by kind of mapping, from /proc/PID/smaps (Linux; empty elsewhere): "[heap]" (glibc's main arena, brk),
    /// "anon" (anonymous mmaps: other malloc arenas, large malloc chunks, the GC heap, thread stacks, runtime code heaps),
    /// "lib" (mapped .so files), the kernel's named regions ([stack], [anon:…]) as they are,
    /// "dll" (mapped .NET assemblies), "file NAME" (any other mapped file), "threads" (a count, not bytes).
    /// </summary>
    internal static Dictionary<string, long> Breakdown(int pid)
    {
        var result = new Dictionary<string, long>();
        var smaps = $"/proc/{pid}/smaps";
        if (!File.Exists(smaps))
            return result;
        var kind = "anon";
        foreach (var line in File.ReadLines(smaps))
        {
            var first = line.AsSpan(0, Math.Max(0, line.IndexOf(' ')));
            if (first.Contains('-') && !first.EndsWith(":"))
            {
                // "start-end perms offset dev inode [name]"
                var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                var name = parts.Length > 5 ? parts[5].Trim() : "";
                kind = name.Length == 0 ? "anon"
                    : name.StartsWith('[') ? name
                    : name.Contains(".so", StringComparison.Ordinal) ? "lib"
                    : name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? "dll"
                    : "file " + Path.GetFileName(name);
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal))
                result[kind] = result.GetValueOrDefault(kind) + long.Parse(line[4..].Trim().Split(' ')[0]) * 1024;
        }
        var status = $"/proc/{pid}/status";
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
                result["threads"] = long.Parse(line[8..].Trim());
        return result;
    }

    /// <summary>/proc/PID/status "VmRSS:  123456 kB" (Linux); elsewhere the process's working set.</summary>
    internal static long ReadRss(int pid) => ReadStatus(pid, "VmRSS:") ?? WorkingSet(pid);

    /// <summary>/proc/PID/status VmHWM, the highest RSS since the process started or since <see cref="PeakMeter"/> reset it.</summary>
    internal static long ReadHighWater(int pid) => ReadStatus(pid, "VmHWM:") ?? WorkingSet(pid);

    private static long? ReadStatus(int pid, string key)
    {
        var path = $"/proc/{pid}/status";
        if (File.Exists(path))
            foreach (var line in File.ReadLines(path))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0]) * 1024;
        return null;
    }

    private static long WorkingSet(int pid)
    {
        using var p = Process.GetProcessById(pid);
        return p.WorkingSet64;
    }
}

/// <summary>
/// The highest RSS of a process over an interval. On Linux the kernel keeps it (VmHWM), and writing 5 to /proc/PID/clear_refs
/// resets it to the current RSS, so the peak is exact however short. Where that reset is refused (another user's process,
/// no procfs), RSS is sampled every millisecond instead, which can miss a peak shorter than that.
/// </summary>
internal sealed class PeakMeter
{
    private readonly int _pid;
    private readonly Task<long>? _sampler;
    private volatile bool _stopped;

    private PeakMeter(int pid, bool sample)
    {
        _pid = pid;
        if (!sample)
            return;
        _sampler = Task.Run(async () =>
        {
            var peak = Memory.ReadRss(pid);
            while (!_stopped)
            {
                peak = Math.Max(peak, Memory.ReadRss(pid));
                await Task.Delay(1);
            }
            return Math.Max(peak, Memory.ReadRss(pid));
        });
    }

    public static string Method(int pid) => TryReset(pid) ? "VmHWM (reset through /proc/PID/clear_refs)" : "sampling VmRSS every millisecond";

    public static PeakMeter Start(int pid) => new(pid, sample: !TryReset(pid));

    public long Stop()
    {
        if (_sampler is null)
            return Memory.ReadHighWater(_pid);
        _stopped = true;
        return _sampler.GetAwaiter().GetResult();
    }

    private static bool TryReset(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }
}

internal static class Both
{
    /// <summary>The two backends cycled, in cycle order.</summary>
    public static readonly string[] Backends = ["whisper", "parakeet"];
}
