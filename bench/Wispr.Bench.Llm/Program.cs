using System.Diagnostics;
using Wispr.FakeLlm;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Cleanup.Llm;

// The round trip of one LLM cleanup through the real connectors (prompt, HTTP on 127.0.0.1, parsing, validation) against
// the fake LLM server, JSON and streamed, for both wire formats. The fake answers at once, so this is the connector's own
// cost plus loopback HTTP: what the sidecar adds on top of a real model's latency.
//   dotnet run -c Release --project bench/Wispr.Bench.Llm -- [--repeat 50]
var repeat = 50;
for (var i = 0; i < args.Length; i++)
    if (args[i] == "--repeat") repeat = int.Parse(args[++i]);

await using var server = FakeLlmServer.Start();
var context = new DictationContext(PromptModes.Comment, "typescript", new VocabularySpec(
    ["getUserById", "fetchOrders", "OrderRepository"], [new DictionaryEntry("package.json", "package dot json")]));
const string text = "so this calls get user by id and then fetch orders and caches the result until package dot json changes";
var input = new CleanupInput(text, text, context);

Console.WriteLine($"LLM cleanup round trip against the fake server on 127.0.0.1, {repeat} runs each after 5 warm-ups ({text.Length}-character transcript)");
Console.WriteLine($"{"wire",-8} {"reply",-9} {"median ms",10} {"p90 ms",8} {"min ms",8} {"max ms",8}");
foreach (var provider in new[] { LlmProviders.OpenAi, LlmProviders.Gemini })
foreach (var stream in new[] { false, true })
{
    using var factory = new LlmCleanerFactory { Stream = stream };
    var baseUrl = provider == LlmProviders.OpenAi ? server.OpenAiBaseUrl : server.GeminiBaseUrl;
    var cleaner = factory.Create(new CleanupSettings(CleanupModes.Llm, provider, baseUrl, "bench-model", "sk-bench"), out var why)
        ?? throw new InvalidOperationException(why);
    for (var w = 0; w < 5; w++) await cleaner.CleanAsync(input, CancellationToken.None);
    var ms = new List<double>();
    for (var r = 0; r < repeat; r++)
    {
        var sw = Stopwatch.StartNew();
        var result = await cleaner.CleanAsync(input, CancellationToken.None);
        ms.Add(sw.Elapsed.TotalMilliseconds);
        if (!result.Contains("getUserById")) throw new InvalidOperationException($"unexpected answer: {result}");
    }
    ms.Sort();
    Console.WriteLine($"{provider,-8} {(stream ? "streamed" : "JSON"),-9} {ms[ms.Count / 2],10:0.00} {ms[(int)(ms.Count * 0.9)],8:0.00} {ms[0],8:0.00} {ms[^1],8:0.00}");
}
