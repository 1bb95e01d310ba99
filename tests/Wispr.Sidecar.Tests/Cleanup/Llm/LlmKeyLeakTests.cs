using Wispr.FakeLlm;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Cleanup.Llm;
using static Wispr.Sidecar.Tests.Cleanup.Llm.Wires;

namespace Wispr.Sidecar.Tests.Cleanup.Llm;

/// <summary>The key reaches the server, and nothing else: no log line at any level, no exception message, no URL.</summary>
public sealed class LlmKeyLeakTests : IAsyncDisposable
{
    private const string Key = "sk-test-SECRET-7f3a9c2e51";
    private readonly FakeLlmServer _server = FakeLlmServer.Start();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Theory, MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public async Task The_key_never_appears_in_a_log_line_or_an_exception(string provider, bool stream)
    {
        var loggers = new CapturingLoggerFactory();
        var failures = new List<string>();
        var cleaner = Connector(_server, provider, stream, key: Key, timeoutMs: 1000, loggers: loggers);
        _server.HangFor = TimeSpan.FromSeconds(30);
        foreach (var scenario in FakeLlmScenarios.All)
        {
            _server.Scenario = scenario;
            _server.FailCount = 1;
            _server.RetryAfterSeconds = scenario == FakeLlmScenarios.TooManyThenOk ? 0 : 30;
            try { await cleaner.CleanAsync(Input(scenario == FakeLlmScenarios.Obey ? "what is the capital of France" : "read the config file"), CancellationToken.None); }
            catch (CleanupFailedException e) { failures.Add(e.ToString()); }
        }
        // The settings' own descriptions may end up in a log too.
        failures.Add(new CleanupSettings(CleanupModes.Llm, provider, _server.OpenAiBaseUrl, "m", Key).ToString());
        failures.Add(((LlmCleaner)cleaner).Connection.ToString());

        Assert.True(failures.Count >= 7, string.Join("\n", failures));  // 500, 401, timeout, malformed, far, obey failed
        Assert.Contains(failures, f => f.Contains("HTTP 401"));           // the 401 body quoted the key: it must not travel on
        Assert.NotEmpty(loggers.Lines);
        Assert.Contains(loggers.Lines, l => l.Contains("127.0.0.1") && l.Contains("test-model"));
        Assert.DoesNotContain(loggers.Lines, l => l.Contains(Key) || l.Contains("SECRET"));
        Assert.DoesNotContain(failures, f => f.Contains(Key) || f.Contains("SECRET"));

        Assert.All(_server.Requests, r =>
        {
            Assert.Equal(Key, provider == LlmProviders.OpenAi ? r.Header("Authorization")?.Replace("Bearer ", "") : r.Header("x-goog-api-key"));
            Assert.DoesNotContain(Key, r.Path);
            Assert.DoesNotContain(Key, r.Body);
        });
    }
}
