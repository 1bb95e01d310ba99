using Wispr.FakeLlm;

// dotnet Wispr.FakeLlm.dll [--port 0] [--scenario clean] [--fail-count 1] [--retry-after 0]
// Prints "listening http://127.0.0.1:PORT" on stdout once it accepts connections; runs until killed or Ctrl+C.
var port = 0;
var scenario = FakeLlmScenarios.Clean;
var failCount = 1;
var retryAfter = 0;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port": port = int.Parse(Next()); break;
        case "--scenario": scenario = Next(); break;
        case "--fail-count": failCount = int.Parse(Next()); break;
        case "--retry-after": retryAfter = int.Parse(Next()); break;
        case "-h" or "--help":
            Console.WriteLine("Wispr.FakeLlm [--port N] [--scenario " + string.Join('|', FakeLlmScenarios.All) + "] [--fail-count N] [--retry-after S]");
            Console.WriteLine("Speaks POST /v1/chat/completions (OpenAI, JSON and SSE) and POST /v1beta/models/M:generateContent|:streamGenerateContent?alt=sse (Gemini).");
            Console.WriteLine("Control: POST /_scenario (body: a scenario name), GET /_requests (recorded requests as JSON), POST /_reset.");
            return 0;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
if (!FakeLlmScenarios.All.Contains(scenario)) { Console.Error.WriteLine($"unknown scenario {scenario}"); return 2; }

await using var server = FakeLlmServer.Start(scenario, port);
server.FailCount = failCount;
server.RetryAfterSeconds = retryAfter;
Console.WriteLine($"listening {server.BaseAddress.ToString().TrimEnd('/')}");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
await stop.Task;
return 0;
