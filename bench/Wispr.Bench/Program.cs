using System.Diagnostics;
using System.Globalization;
using Wispr.Bench;
using Wispr.ModelGen;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition.Whisper;

// bash bench/run.sh [--reps N] [--quick] [--lengths 2,5,15,30]   (see bench/README.md)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
const string usage = "usage: Wispr.Bench [--reps N] [--quick] [--lengths 2,5,15,30] [--root REPO] [--sidecar Wispr.Sidecar.dll] [--out DIR]";

if (args is ["release", ..])
    return await ReleaseBench.RunAsync(args[1..], null, _ => FindRoot());

if (BenchArgs.Parse(args, usage, reps: 5, Speech.Lengths, FindRoot, "bash bench/run.sh does: dotnet build -c Release", out var exit) is not { } options)
    return exit;
var reps = options.Quick ? Math.Min(options.Reps, 2) : options.Reps;
var quick = options.Quick;
var lengths = options.Lengths;
var (root, sidecarDll, outDir) = (options.Root, options.SidecarDll, options.OutDir);

var vocabOnly = Path.Combine(root, "assets/models/for-tests-ggml-tiny.en.bin");
var tokenizer = VocabTokenizer.FromGgml(vocabOnly);
var utterances = Speech.Build(root, Path.Combine(outDir, "audio"), tokenizer, lengths);
Log($"utterances: {string.Join(", ", utterances.Select(u => $"{u.Seconds} s ({u.Reference.Split(' ').Length} words, {u.TokenCount} tokens)"))}");

var models = new List<BenchModel>();
foreach (var shape in quick ? [WhisperShape.TinyEn] : new[] { WhisperShape.TinyEn, WhisperShape.BaseEn })
    models.Add(new BenchModel($"random {shape.Name}.en shape", BenchModels.Ensure(root, shape), Capped: true));
foreach (var real in RealModels())
    models.Add(new BenchModel(Path.GetFileName(real), real, Capped: false));

var rows = new List<Row>();
var verification = new List<string>();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var total = Stopwatch.StartNew();
foreach (var model in models)
{
    Log($"model {model.Label}: {model.Path}");
    foreach (var u in utterances)
    {
        int? cap = model.Capped ? u.DecodeSteps : null;
        var pcm = WavDecoder.ReadMono16k(u.WavPath);
        using var direct = new DirectRunner(model.Path, cap);
        // One sidecar per model and length: the decoding cap is a process option, and it gives a cold start per row.
        await using var sidecar = await SidecarSession.StartAsync(sidecarDll, model.Path, cap, cancel.Token);
        try
        {
            // One untimed run each first: whisper.cpp allocates its compute buffers on the first transcription.
            var (_, firstResult) = await sidecar.DictateAsync(u.WavPath, cancel.Token);
            var warm = await direct.RunAsync(pcm);
            var sidecarMs = new List<double>();
            var asrMs = new List<double>();
            var directMs = new List<double>();
            var sameText = NormalizeSpace(firstResult.Text) == NormalizeSpace(warm.Text);
            for (var r = 0; r < reps; r++)
            {
                // Interleaved, so drift in the machine's load hits both legs alike.
                var (ms, result) = await sidecar.DictateAsync(u.WavPath, cancel.Token);
                sidecarMs.Add(ms);
                asrMs.Add(result.Timings.AsrMs);
                var d = await direct.RunAsync(pcm);
                directMs.Add(d.Ms);
                sameText &= NormalizeSpace(result.Text) == NormalizeSpace(d.Text) && d.Tokens == warm.Tokens;
            }

            var peak = await sidecar.PeakWorkingSetBytesAsync(cancel.Token);
            var overheadMs = sidecarMs.Zip(asrMs, (total, asr) => total - asr).ToArray();
            var row = new Row(model.Label, u, cap, warm.Tokens, Stats.Of(sidecarMs), Stats.Of(asrMs), Stats.Of(overheadMs), Stats.Of(directMs),
                sidecar.ColdStartMs, sidecar.LoadMs, peak);
            rows.Add(row);
            verification.Add($"{model.Label}, {u.Seconds} s: reference {u.TokenCount} text tokens → cap {(cap?.ToString() ?? "none")} decoder steps, " +
                $"decoded {warm.Tokens} tokens (direct leg, Whisper.net segment tokens); sidecar text {(sameText ? "identical to" : "DIFFERENT from")} direct text " +
                $"in every run; e.g. \"{Shorten(warm.Text, 60)}\"");
            Log($"  {u.Seconds,2} s: sidecar {row.Sidecar.Median:F0} ms, direct {row.Direct.Median:F0} ms, {warm.Tokens} tokens, cold start {row.ColdStartMs:F0} ms");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"sidecar stderr (last lines):\n{sidecar.StderrTail}");
            throw;
        }
    }
}

// The extension's leg, for one length per model: the process boundary is the same, only the client differs.
var extensionRows = new List<(Row Row, ExtensionLeg.Result Node)>();
var extensionNote = ExtensionLeg.Unavailable(root);
if (extensionNote is null)
{
    foreach (var row in rows.Where(r => r.Utterance.Seconds == (lengths.Contains(5) ? 5 : lengths[0])))
    {
        Log($"extension leg: {row.Model}, {row.Utterance.Seconds} s");
        var model = models.First(m => m.Label == row.Model);
        extensionRows.Add((row, await ExtensionLeg.RunAsync(root, sidecarDll, model.Path, row.Utterance.WavPath, row.Cap, reps, cancel.Token)));
    }
}

var markdown = Report.Markdown(rows, verification, reps, total.Elapsed, quick, extensionRows, extensionNote);
Log($"written to {options.WriteReport("whisper.md", markdown)}");
return 0;

static void Log(string message) => Console.Error.WriteLine($"[bench] {message}");

static string NormalizeSpace(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

static string Shorten(string s, int n) => s.Length <= n ? s : s[..n] + "…";

static string FindRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "wispr-vscode.sln")))
                return dir.FullName;
    throw new InvalidOperationException("wispr-vscode.sln not found; pass --root");
}


// Real models: WISPR_BENCH_MODELS=path1:path2, and WISPR_TEST_MODEL_PATH (the accuracy tests' model).
static IEnumerable<string> RealModels()
{
    var paths = (Environment.GetEnvironmentVariable("WISPR_BENCH_MODELS") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Append(Environment.GetEnvironmentVariable("WISPR_TEST_MODEL_PATH") ?? "")
        .Where(p => p.Length > 0)
        .Select(Path.GetFullPath)
        .Distinct();
    foreach (var p in paths)
    {
        if (File.Exists(p))
            yield return p;
        else
            Log($"skipping missing model {p}");
    }
}

internal sealed record BenchModel(string Label, string Path, bool Capped);

internal static class BenchModels
{
    /// <summary>Generated once; the name carries everything that changes the bytes, so a stale file is never reused.</summary>
    public static string Ensure(string root, WhisperShape shape)
    {
        var path = Path.Combine(root, ".artifacts/models", $"bench-never-end-{shape.Name}-seed1.bin");
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"[bench] generating {path}");
            WhisperModelGenerator.Generate(Path.Combine(root, "assets/models/for-tests-ggml-tiny.en.bin"), path, shape, 1, GgmlType.F16, neverEndText: true);
        }

        return path;
    }
}
