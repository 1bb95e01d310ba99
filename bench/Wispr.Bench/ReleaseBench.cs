using System.Diagnostics;
using System.Globalization;
using System.Text;
using Wispr.ModelGen;
using Wispr.Sidecar.Audio;

namespace Wispr.Bench;

/// <summary>
/// Issue 13's benchmark: release-to-text of real speech played in real time through the sidecar, before and after, on a quiet
/// and on a busy machine (bash bench/release-to-text.sh; see bench/README.md).
/// </summary>
public static class ReleaseBench
{
    public const string Usage = "usage: Wispr.Bench release [--quick] [--reps N] [--lengths 5,15,30,60] [--loads quiet,busy2,second,busy8] " +
        "[--models tiny,base,parakeet] [--pauses 600,0] [--legs before,oldcuts,after] [--cap clip|window] [--root REPO] [--sidecar Wispr.Sidecar.dll] [--out DIR]";

    private static readonly int[] AllLengths = [5, 15, 30, 60];
    private static readonly string[] AllLoads = ["quiet", "busy2", "second", "busy8"];
    private static readonly string[] AllModels = ["tiny", "base", "parakeet"];
    private static readonly int[] AllPauses = [600, 0];
    /// <summary>"oldcuts" (opt-in): segmented, the defaults but the segment rules before the early cuts (<c>--legacySegments</c>).</summary>
    private static readonly string[] AllLegs = ["before", "oldcuts", "after"];
    private static readonly string[] DefaultLegs = ["before", "after"];

    /// <summary>Busy-loop threads of the oversubscribed load.</summary>
    private const int OversubscribedThreads = 8;

    public static async Task<int> RunAsync(string[] args, string? rootArg, Func<string, string> findRoot)
    {
        int[] pauses = AllPauses;
        string[] loads = AllLoads, models = AllModels, legs = DefaultLegs;
        var capRule = "clip";
        var own = new Dictionary<string, Action<string>>
        {
            ["--pauses"] = v => pauses = BenchArgs.Ints(v),
            ["--loads"] = v => loads = Names(v, AllLoads),
            ["--models"] = v => models = Names(v, AllModels),
            ["--legs"] = v => legs = Names(v, AllLegs),
            ["--cap"] = v => capRule = v is "clip" or "window" ? v : throw new ArgumentException("--cap: clip or window"),
        };
        if (BenchArgs.Parse(args, Usage, reps: 1, AllLengths, () => rootArg ?? findRoot(""), "bash bench/release-to-text.sh does", out var exit, own,
                validate: a => { if (a.Lengths.Any(l => l < 1 || l > 60)) throw new ArgumentException("--lengths: 1 to 60 s"); }) is not { } options)
            return exit;
        var (reps, lengths, root, sidecarDll, outDir) = (options.Reps, options.Lengths, options.Root, options.SidecarDll, options.OutDir);
        if (options.Quick)
        {
            // The smallest run that still has every kind of cell: one model, one length, quiet and busy.
            models = options.Given("--models") ? models : ["tiny"];
            lengths = options.Given("--lengths") ? lengths : [5];
            loads = options.Given("--loads") ? loads : ["quiet", "busy2"];
            reps = 1;
        }

        var tokenizer = VocabTokenizer.FromGgml(Path.Combine(root, "assets/models/for-tests-ggml-tiny.en.bin"));
        var audioDir = Path.Combine(outDir, "audio");
        var utterances = Speech.Build(root, audioDir, tokenizer, lengths);
        var clips = new Dictionary<(int Seconds, int PauseMs), string>();
        foreach (var u in utterances)
            foreach (var pause in pauses)
                clips[(u.Seconds, pause)] = pause == 0 ? u.WavPath : WithSilence(u.WavPath, pause);

        // What the matrix costs at least: every "after" dictation is played in real time.
        var audioSeconds = models.Length * loads.Length * reps * lengths.Sum(l => pauses.Sum(p => l + p / 1000.0)) * legs.Count(l => l != "before");
        Log($"{models.Length} models × {legs.Length} legs × {lengths.Length} lengths × {loads.Length} loads × {pauses.Length} pauses × {reps} reps; " +
            $"the segmented legs (after, oldcuts) play {audioSeconds / 60:F1} min of audio in real time, plus recognition");

        var cells = new List<Cell>();
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var total = Stopwatch.StartNew();
        foreach (var model in models)
        {
            var modelArgs = ModelArgs(root, model);
            foreach (var leg in legs)
            {
                foreach (var u in utterances)
                {
                    // One sidecar per model, leg and length: the decoding cap (random Whisper models) is a process option.
                    int? cap = model == "parakeet" || capRule == "clip" ? null : CapFor(u);
                    var (extraArgs, env) = LegSettings(leg);
                    if (model != "parakeet" && capRule == "clip")
                        extraArgs = [.. extraArgs, "--tokensPerSecond", TokensPerSecond(u).ToString("R", CultureInfo.InvariantCulture)];
                    await using var sidecar = await SidecarSession.StartAsync(sidecarDll, modelArgs.Concat(extraArgs), cap, env, cancel.Token);
                    await using var second = loads.Contains("second")
                        ? await SidecarSession.StartAsync(sidecarDll, modelArgs.Concat(extraArgs), cap, env, cancel.Token)
                        : null;
                    try
                    {
                        // Untimed: whisper.cpp and ONNX Runtime allocate their buffers on the first run.
                        await sidecar.DictateAsync(u.WavPath, realtime: false, segmented: leg != "before", cancel.Token);
                        foreach (var load in loads)
                        {
                            await using var generator = await LoadGenerator.StartAsync(load, second, u.WavPath, cancel.Token);
                            foreach (var pause in pauses)
                            {
                                var release = new List<double>();
                                var cpu = new List<double>();
                                var longest = new List<double>();
                                for (var r = 0; r < reps; r++)
                                {
                                    // "before" is the whole-utterance path: nothing runs while the user speaks, so the file is fed at
                                    // once (same release-to-text work, a fraction of the wall time); "after" is played in real time.
                                    var (ms, cpuMs, _, longestMs) = await sidecar.DictateAsync(clips[(u.Seconds, pause)], realtime: leg != "before",
                                        segmented: leg != "before", cancel.Token);
                                    release.Add(ms);
                                    cpu.Add(cpuMs);
                                    longest.Add(longestMs);
                                }
                                var cell = new Cell(model, leg, u.Seconds, pause, load, Stats.Of(release), Stats.Of(cpu), Stats.Of(longest), generator.Describe());
                                cells.Add(cell);
                                Log($"{model} {leg} {u.Seconds,2} s pause {pause,3} ms {load,-6}: release→text {cell.Release.Median:F0} ms " +
                                    $"(p95 {cell.Release.P95:F0}), CPU during speech {cell.Cpu.Median:F0} ms [{total.Elapsed:mm\\:ss}]");
                            }
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Console.Error.WriteLine($"sidecar stderr (last lines):\n{sidecar.StderrTail}");
                        throw;
                    }
                }
            }
        }

        var shown = args.Where((a, i) => a != "--root" && (i == 0 || args[i - 1] != "--root")).ToArray();
        var markdown = Markdown(cells, reps, total.Elapsed, options.Quick, shown, capRule);
        Log($"written to {options.WriteReport("release-to-text.md", markdown)}");
        return 0;
    }

    /// <summary>
    /// before = the settings before issue 13: whole utterance (segmented false), the full 30 s window, one thread per logical core,
    /// and spinning workers (libgomp's default spin count, which GOMP_SPINCOUNT restores; ONNX Runtime's via --allowSpinning).
    /// after = the sidecar's defaults.
    /// </summary>
    private static (string[] Args, Dictionary<string, string> Env) LegSettings(string leg) => leg switch
    {
        "before" => (["--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "--audioContext", "full", "--allowSpinning"],
            new Dictionary<string, string> { ["GOMP_SPINCOUNT"] = "300000" }),
        "oldcuts" => (["--legacySegments"], new Dictionary<string, string>()),
        _ => ([], new Dictionary<string, string>()),
    };

    private static string[] ModelArgs(string root, string model) => model switch
    {
        "tiny" => ["--model", BenchModels.Ensure(root, WhisperShape.TinyEn)],
        "base" => ["--model", BenchModels.Ensure(root, WhisperShape.BaseEn)],
        "parakeet" => ["--backend", "parakeet", "--parakeetModel", TinyParakeet(root)],
        _ => throw new ArgumentException(model),
    };

    /// <summary>The tiny hand-weighted Parakeet TDT model scripts/lib.sh builds (tiny_parakeet_model); made here the same way if missing.</summary>
    private static string TinyParakeet(string root)
    {
        var folder = Path.Combine(root, ".artifacts/models/parakeet-tiny");
        if (!File.Exists(Path.Combine(folder, "expected.json")))
        {
            using var p = Process.Start(new ProcessStartInfo("bash", ["-c", "source scripts/lib.sh && tiny_parakeet_model"]) { WorkingDirectory = root })!;
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException("could not build the tiny Parakeet model (needs /usr/bin/python3 with onnx and numpy)");
        }
        return folder;
    }

    /// <summary>Decoder steps per 30 s window for a capped random model: the reference's tokens spread over the windows, plus timestamps and end-of-text.</summary>
    private static int CapFor(Utterance u)
    {
        var windows = (int)Math.Ceiling(u.Seconds / 30.0);
        return (u.TokenCount + windows - 1) / windows + 3;
    }

    /// <summary>
    /// The reference's text tokens per second of its audio: with <c>--tokensPerSecond</c> each recognition of a random model
    /// decodes as many tokens as its clip's share of the transcript (plus timestamps and end-of-text), as a real model would,
    /// whether the clip is the whole utterance or one segment of it.
    /// </summary>
    private static double TokensPerSecond(Utterance u) => u.TokenCount / u.DurationSeconds;

    private static string WithSilence(string wav, int pauseMs)
    {
        var samples = WavDecoder.ReadMono16k(wav).ToList();
        samples.AddRange(new float[pauseMs * WavDecoder.SampleRate / 1000]);
        var path = Path.Combine(Path.GetDirectoryName(wav)!, $"{Path.GetFileNameWithoutExtension(wav)}-pause{pauseMs}.wav");
        Speech.WriteWav(path, samples);
        return path;
    }

    /// <param name="LongestSegment">The longest recognition among each dictation's segments (after leg; 0 unsegmented).</param>
    internal sealed record Cell(string Model, string Leg, int Seconds, int PauseMs, string Load, Stats Release, Stats Cpu, Stats LongestSegment, string LoadNote);

    private static string Markdown(List<Cell> cells, int reps, TimeSpan elapsed, bool quick, string[] args, string capRule)
    {
        var cores = Environment.ProcessorCount;
        var fair = (OversubscribedThreads + cores) / (double)cores;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"## Release to text ({DateTime.Now:yyyy-MM-dd HH:mm}, {cores} logical cores, {reps} timed run(s) per cell{(quick ? ", --quick" : "")}, {elapsed:mm\\:ss})");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Command: `bash bench/release-to-text.sh {string.Join(' ', args)}`");
        sb.AppendLine();
        sb.AppendLine("before = whole utterance, full 30 s window, one thread per logical core, spinning workers; after = the defaults (segmented, fit window, auto threads, no spinning)" +
            (cells.Any(c => c.Leg == "oldcuts") ? "; old cuts = after with the segment rules before the early cuts (--legacySegments)." : "."));
        sb.AppendLine(capRule == "clip"
            ? "Random Whisper models decode the reference's tokens per second of each clip they are given (--tokensPerSecond), plus timestamps and end-of-text."
            : "Random Whisper models decode the reference's tokens per 30 s window plus timestamps and end-of-text whatever the clip's length (--cap window, the rule before 2026-12-02).");
        sb.AppendLine("Times in ms, median / p95 (nearest rank). CPU = the sidecar's CPU time from start to release (after leg, played in real time).");
        sb.AppendLine();
        bool oldCuts = cells.Any(c => c.Leg == "oldcuts");
        sb.AppendLine($"| model | length | pause | load | before |{(oldCuts ? " old cuts |" : "")} after | after ÷ before | CPU during speech (after) | longest segment (after) |");
        sb.AppendLine($"|---|---|---|---|---|{(oldCuts ? "---|" : "")}---|---|---|---|");
        foreach (var g in cells.GroupBy(c => (c.Model, c.Seconds, c.PauseMs, c.Load)))
        {
            var before = g.FirstOrDefault(c => c.Leg == "before");
            var after = g.FirstOrDefault(c => c.Leg == "after");
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {g.Key.Model} | {g.Key.Seconds} s | {g.Key.PauseMs} ms | {g.Key.Load} | {Fmt(before?.Release)} |" +
                $"{(oldCuts ? $" {Fmt(g.FirstOrDefault(c => c.Leg == "oldcuts")?.Release)} |" : "")} {Fmt(after?.Release)} | " +
                $"{(before is not null && after is not null ? $"{after.Release.Median / before.Release.Median:F2}" : "—")} | {(after is null ? "—" : $"{after.Cpu.Median:F0}")} | {(after is null || after.LongestSegment.Median <= 0 ? "—" : $"{after.LongestSegment.Median:F0}")} |");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"### Targets (2 cores; fair share with {OversubscribedThreads} busy threads = quiet × ({OversubscribedThreads} + {cores}) / {cores} = {fair:F1}× quiet)");
        sb.AppendLine();
        sb.AppendLine("| model | leg | target | measured | met |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var g in cells.GroupBy(c => (c.Model, c.Leg)))
        {
            double? Median(int seconds, int pause, string load) =>
                g.FirstOrDefault(c => c.Seconds == seconds && c.PauseMs == pause && c.Load == load)?.Release.Median;
            void Target(string what, string measured, bool? met) =>
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {g.Key.Model} | {g.Key.Leg} | {what} | {measured} | {(met is null ? "—" : met.Value ? "yes" : "**no**")} |");

            var paused = g.Where(c => c.PauseMs == 600 && c.Load == "quiet").ToList();
            if (paused.Count > 0)
            {
                var worst = paused.MaxBy(c => c.Release.Median)!;
                Target("with the 600 ms pause, < 300 ms at every length (quiet)", $"{worst.Release.Median:F0} ms at {worst.Seconds} s", worst.Release.Median < 300);
            }
            // The release leaves only the audio after the last cut: release-to-text should be one segment's recognition, not a
            // backlog. Measured against the longest segment of the same dictations, with 10 % for the reply and the cleanup.
            foreach (var c in g.Where(c => c.PauseMs == 0 && c.Load == "quiet" && c.LongestSegment.Median > 0).OrderBy(c => c.Seconds))
                Target($"no pause, {c.Seconds} s: at most one segment's recognition (quiet)",
                    $"{c.Release.Median:F0} ms vs longest segment {c.LongestSegment.Median:F0} ms ({c.Release.Median / c.LongestSegment.Median:F2}×)",
                    c.Release.Median <= 1.1 * c.LongestSegment.Median);
            if (Median(60, 0, "quiet") is { } sixty && Median(5, 0, "quiet") is { } five)
                Target("no pause: 60 s within 1.2× of 5 s (quiet)", $"{sixty / five:F2}× ({sixty:F0} / {five:F0} ms)", sixty <= 1.2 * five);
            // A segmented dictation does most of its work while the user speaks, so its quiet release-to-text is only what
            // the pause did not hide of the last recognition (near zero at times), and a ratio to it says little. The work
            // the release can wait for is one segment's recognition, so segmented legs also get a floor-yardstick row: the
            // same limit against the quiet dictation's longest segment (or its release-to-text, if longer).
            foreach (var c in g.Where(c => c.Load is "busy2" or "second" or "busy8"))
            {
                var quietCell = g.FirstOrDefault(q => q.Seconds == c.Seconds && q.PauseMs == c.PauseMs && q.Load == "quiet");
                if (quietCell is null)
                    continue;
                var busy8 = c.Load == "busy8";
                var limit = busy8 ? 1.5 * fair : 2.5;
                string Measured(double ratio, string of) => busy8 ? $"{ratio:F2}×{of} = {ratio / fair:F2}× fair share" : $"{ratio:F2}×{of}";

                var ratio = c.Release.Median / quietCell.Release.Median;
                Target(busy8 ? $"{c.Seconds} s, pause {c.PauseMs}: {c.Load} within 1.5× of fair share" : $"{c.Seconds} s, pause {c.PauseMs}: {c.Load} within 2.5× of quiet",
                    Measured(ratio, busy8 ? " quiet" : ""), ratio <= limit);
                if (g.Key.Leg != "before" && quietCell.LongestSegment.Median > 0)
                {
                    var work = Math.Max(quietCell.Release.Median, quietCell.LongestSegment.Median);
                    var floorRatio = c.Release.Median / work;
                    Target($"{c.Seconds} s, pause {c.PauseMs}: {c.Load} against one quiet segment's recognition (floor yardstick)",
                        Measured(floorRatio, $" of {work:F0} ms"), floorRatio <= limit);
                }
            }
        }
        sb.AppendLine();
        sb.AppendLine("Loads: busy2 = two `sh` busy loops; second = a second sidecar with the same model and settings dictating the same utterance " +
            "back to back (whole files, fed at once); busy8 = eight busy loops. Each starts before the cell's first dictation and stops after its last.");
        return sb.ToString();
    }

    private static string Fmt(Stats? s) => s is null ? "—" : $"{s.Median:F0} / {s.P95:F0}";

    private static string[] Names(string value, string[] allowed)
    {
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Except(allowed).ToList();
        return unknown.Count == 0 ? names : throw new ArgumentException($"unknown {string.Join(", ", unknown)}; choose from {string.Join(", ", allowed)}");
    }

    private static void Log(string message) => Console.Error.WriteLine($"[bench] {message}");
}

/// <summary>What runs beside the measured sidecar: nothing, busy loops, or a second recognition process.</summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    private readonly List<Process> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _second;
    private int _secondRuns;
    private string _kind = "quiet";

    public static async Task<LoadGenerator> StartAsync(string kind, SidecarSession? second, string wav, CancellationToken ct)
    {
        var g = new LoadGenerator { _kind = kind };
        switch (kind)
        {
            case "quiet":
                break;
            case "busy2" or "busy8":
                for (var i = 0; i < (kind == "busy2" ? 2 : 8); i++)
                    g._loops.Add(Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!);
                break;
            case "second":
                ArgumentNullException.ThrowIfNull(second);
                var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var stop = g._stop.Token;
                // Each dictation runs to its end (a cancelled one would leave the second sidecar mid-dictation); the loop stops between them.
                g._second = Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested && !ct.IsCancellationRequested)
                    {
                        started.TrySetResult();
                        await second.DictateAsync(wav, realtime: false, segmented: false, ct).ConfigureAwait(false);
                        Interlocked.Increment(ref g._secondRuns);
                    }
                }, CancellationToken.None);
                // The load is on once its first dictation has been sent; the measured one starts after that.
                await started.Task.WaitAsync(ct).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentException(kind);
        }
        return g;
    }

    public string Describe() => _kind == "second" ? $"second recognition, {Volatile.Read(ref _secondRuns)} done so far" : _kind;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var p in _loops)
        {
            if (!p.HasExited)
                p.Kill();
            await p.WaitForExitAsync().ConfigureAwait(false);
            p.Dispose();
        }
        if (_second is not null)
            await _second.ConfigureAwait(false);
        _stop.Dispose();
    }
}
