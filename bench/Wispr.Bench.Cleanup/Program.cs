using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Wispr.FakeLlm;
using Wispr.Sidecar;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Dictation;

// dotnet bench/Wispr.Bench.Cleanup/bin/Release/net10.0/Wispr.Bench.Cleanup.dll [--reps N] [--identifiers N] [--show]
//     [--model GGML --wav FILE [--dictations N] [--llm [--llm-url URL --llm-model NAME --llm-provider openai|gemini]]]
// The rule cleaner's time per dictation (with and without a vocabulary), and, given a model and a WAV file, the same
// dictation's recognition time next to its cleanup time as the sidecar reports them (timings.asrMs, timings.cleanupMs,
// cleanup.rulesMs, cleanup.llmMs), with their ratios. --llm adds the LLM stage: against tools/Wispr.FakeLlm on 127.0.0.1
// (started here; it answers at once, so this is the connector's own round trip), or against a real local server (--llm-url,
// e.g. Ollama's http://localhost:11434/v1 with --llm-model llama3.2) for a real model's round trip.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
int reps = 2000, identifierCount = 3000, dictationCount = 5;
string? model = null, wav = null, llmUrl = null, llmModel = null;
string llmProvider = LlmProviders.OpenAi;
bool show = false, llm = false;
double rulesMedianUs = 0;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--reps": reps = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--identifiers": identifierCount = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--model": model = Path.GetFullPath(Value()); break;
        case "--wav": wav = Path.GetFullPath(Value()); break;
        case "--show": show = true; break;
        case "--dictations": dictationCount = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--llm": llm = true; break;
        case "--llm-url": llm = true; llmUrl = Value(); break;
        case "--llm-model": llmModel = Value(); break;
        case "--llm-provider": llmProvider = Value(); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

string[] dictations =
[
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
    "Um, so I think we should, uh, call get user by id here and then, you know, log the result with console dot log.",
    "camel case user name equals get user by id open paren request dot params close paren",
    "fix the the crash on start new paragraph the buffer was freed twice because the dispose ran on two threads",
    "I mean, this is is a pretty long comment explaining why the retry loop waits for the server to come back, comma, and why it gives up after max retries attempts period",
    "open package dot json and check that the kubernetes and github entries are there question mark",
];
var identifiers = Enumerable.Range(0, identifierCount).Select(i => $"handleEvent{i}Async").Concat(["getUserById", "MAX_RETRIES", "console.log"]).ToList();
var vocabulary = new VocabularySpec(identifiers, [new("package.json", "package dot json"), new("GitHub"), new("Kubernetes")]);
int words = dictations.Sum(d => d.Split(' ').Length) / dictations.Length;

var build = Stopwatch.StartNew();
var matcher = RuleCleaner.BuildMatcher(vocabulary);
double buildMs = build.Elapsed.TotalMilliseconds;
Console.WriteLine($"vocabulary index: {identifiers.Count} identifiers + 3 dictionary entries built in {buildMs:0.00} ms ({matcher.Count} spellings)");
foreach (var (label, cleaner, context) in new[]
{
    ("no vocabulary", new RuleCleaner(), new DictationContext(PromptModes.Prose, "markdown")),
    ($"{identifiers.Count} identifiers", new RuleCleaner(_ => matcher), new DictationContext(PromptModes.Prose, "markdown", vocabulary)),
})
{
    foreach (var d in dictations)
    {
        var cleaned = cleaner.Clean(d, context); // also the JIT and regex warm-up
        if (show)
            Console.WriteLine($"  {d}\n→ {cleaned.Replace("\n", "⏎")}");
    }
    var samples = new List<double>();
    for (int r = 0; r < reps; r++)
        foreach (var d in dictations)
        {
            var t = Stopwatch.GetTimestamp();
            cleaner.Clean(d, context);
            samples.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
        }
    samples.Sort();
    rulesMedianUs = samples[samples.Count / 2];
    Console.WriteLine($"rules, {label}: median {samples[samples.Count / 2]:0} µs, p95 {samples[(int)(samples.Count * 0.95)]:0} µs, max {samples[^1]:0} µs per dictation " +
                      $"({dictations.Length} dictations of ~{words} words × {reps})");
}

if (model is not null && wav is not null)
{
    // The sidecar's own path, in process: recognition, then the pipeline (rules, and with --llm the LLM stage).
    var builder = SidecarProgram.CreateBuilder(new SidecarOptions { ModelPath = model, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
    await using var services = builder.Services.BuildServiceProvider();
    var dictation = services.GetRequiredService<DictationService>();
    await using var fake = llm && llmUrl is null ? FakeLlmServer.Start() : null;
    if (llm)
    {
        var url = llmUrl ?? (llmProvider == LlmProviders.Gemini ? fake!.GeminiBaseUrl : fake!.OpenAiBaseUrl);
        services.GetRequiredService<CleanupPipeline>().Configure(new CleanupSettings(CleanupModes.Llm, llmProvider, url,
            llmModel ?? "test-model", Environment.GetEnvironmentVariable("WISPR_BENCH_LLM_KEY"), 30_000));
        Console.WriteLine($"LLM stage: {llmProvider} at {(llmUrl is null ? "the fake server " : "")}{url}");
    }
    var context = new DictationContext(PromptModes.Prose, "markdown", vocabulary);
    await dictation.TranscribeFileAsync(wav, null, null, context, CancellationToken.None); // load + warm-up
    var asr = new List<double>();
    var llmTimes = new List<double>();
    for (int r = 0; r < dictationCount; r++)
    {
        var result = await dictation.TranscribeFileAsync(wav, null, null, context, CancellationToken.None);
        asr.Add(result.Timings.AsrMs);
        if (result.Cleanup!.LlmMs is { } l && result.Cleanup.Path == CleanupPaths.Llm)
            llmTimes.Add(l);
        Console.WriteLine($"{Path.GetFileName(wav)} ({result.AudioDurationMs} ms audio, {Path.GetFileName(model)}): asrMs {result.Timings.AsrMs}, " +
                          $"cleanupMs {result.Timings.CleanupMs}, rulesMs {result.Cleanup.RulesMs}, llmMs {result.Cleanup.LlmMs?.ToString() ?? "-"}, " +
                          $"path {result.Cleanup.Path}{(result.Cleanup.FallbackReason is { } why ? $" ({why})" : "")}");
    }
    static double Median(List<double> xs) { xs.Sort(); return xs.Count == 0 ? double.NaN : xs[xs.Count / 2]; }
    var asrMedian = Median(asr);
    Console.WriteLine($"ratios to the median asrMs {asrMedian:0} ms: rules cleaner {rulesMedianUs / 1000 / asrMedian:0.00000} " +
                      $"({rulesMedianUs:0} µs, the micro-benchmark's median with {identifiers.Count} identifiers)" +
                      (llm ? $"; LLM round trip {Median(llmTimes) / asrMedian:0.0000} ({Median(llmTimes):0} ms median over {llmTimes.Count} accepted answers)" : ""));
}
return 0;
