using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Wispr.Sidecar.Cleanup;

namespace Wispr.Sidecar.Tests.Cleanup;

/// <summary>The pipeline's paths: off, rules, and every way the LLM stage can fail, each ending in the rule-cleaned text.</summary>
public sealed class CleanupPipelineTests
{
    private const string Heard = "um call get user by id";
    private const string RuleCleaned = "Call getUserById.";
    private static readonly DictationContext Context = new(PromptModes.Prose, "markdown", new VocabularySpec(["getUserById"], [new("GitHub")]));

    private static CleanupPipeline Pipeline(ILlmCleanerFactory? factory, string mode = CleanupModes.Llm, int timeoutMs = 2000)
    {
        var services = new ServiceCollection();
        if (factory is not null)
            services.AddSingleton(factory);
        var pipeline = new CleanupPipeline(services.BuildServiceProvider(), NullLogger<CleanupPipeline>.Instance);
        pipeline.Configure(new CleanupSettings(mode, LlmProviders.OpenAi, "http://localhost:11434/v1", "llama3", "sk-test", timeoutMs));
        return pipeline;
    }

    [Fact]
    public async Task Off_returns_the_raw_text()
    {
        var outcome = await Pipeline(null, CleanupModes.Off).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(Heard, outcome.Text);
        Assert.Equal(new CleanupInfo(CleanupModes.Off, CleanupPaths.Raw, null, null, 0, null), outcome.Info);
    }

    [Fact]
    public async Task Rules_mode_never_calls_the_llm()
    {
        var llm = new FakeLlmStage((_, _) => ValueTask.FromResult("LLM"));
        var outcome = await Pipeline(llm, CleanupModes.Rules).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(RuleCleaned, outcome.Text);
        Assert.Equal(CleanupPaths.Rules, outcome.Info.Path);
        Assert.Null(outcome.Info.LlmMs);
        Assert.Empty(llm.Inputs);
    }

    [Fact]
    public async Task An_accepted_answer_takes_the_llm_path_and_the_stage_gets_the_rule_text_raw_text_and_vocabulary()
    {
        var llm = new FakeLlmStage((input, _) => ValueTask.FromResult("Call `getUserById`."));
        var outcome = await Pipeline(llm).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal("Call `getUserById`.", outcome.Text);
        Assert.Equal(CleanupPaths.Llm, outcome.Info.Path);
        Assert.Equal(LlmProviders.OpenAi, outcome.Info.Provider);
        Assert.Null(outcome.Info.FallbackReason);
        Assert.NotNull(outcome.Info.LlmMs);
        var input = Assert.Single(llm.Inputs);
        Assert.Equal(RuleCleaned, input.Text);
        Assert.Equal(Heard, input.RawText);
        Assert.Equal(["getUserById"], input.Context.Vocabulary!.Identifiers!);
        Assert.Equal("GitHub", Assert.Single(input.Context.Vocabulary.Dictionary!).Written);
        Assert.Equal("markdown", input.Context.LanguageId);
        Assert.Equal("sk-test", llm.SettingsSeen!.ApiKey); // the key reaches the connector, nowhere else
    }

    [Fact]
    public async Task A_rejected_answer_falls_back_to_the_rules_with_its_reason()
    {
        var llm = new FakeLlmStage((_, _) => throw new CleanupFailedException("the answer replied to the speech instead of cleaning it"));
        var outcome = await Pipeline(llm).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(RuleCleaned, outcome.Text);
        Assert.Equal(CleanupPaths.Rules, outcome.Info.Path);
        Assert.Equal(CleanupModes.Llm, outcome.Info.Requested);
        Assert.Equal("the answer replied to the speech instead of cleaning it", outcome.Info.FallbackReason);
    }

    [Fact]
    public async Task Any_other_exception_falls_back_without_quoting_its_message()
    {
        var llm = new FakeLlmStage((_, _) => throw new InvalidOperationException("secret words the user said"));
        var outcome = await Pipeline(llm).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(RuleCleaned, outcome.Text);
        Assert.Equal(CleanupPaths.Rules, outcome.Info.Path);
        Assert.Contains("InvalidOperationException", outcome.Info.FallbackReason);
        Assert.DoesNotContain("secret", outcome.Info.FallbackReason);
    }

    [Fact]
    public async Task A_hanging_stage_is_cancelled_by_the_budget()
    {
        var llm = new FakeLlmStage(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });
        var outcome = await Pipeline(llm, timeoutMs: 150).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(RuleCleaned, outcome.Text);
        Assert.Equal("openai did not answer within 150 ms", outcome.Info.FallbackReason);
        Assert.True(llm.LastToken.IsCancellationRequested);
        Assert.True(outcome.Info.LlmMs >= 140, $"gave up after {outcome.Info.LlmMs} ms");
    }

    [Fact]
    public async Task A_stage_that_ignores_its_token_still_cannot_hold_the_dictation()
    {
        var never = new TaskCompletionSource<string>();
        var llm = new FakeLlmStage((_, _) => new ValueTask<string>(never.Task));
        var outcome = await Pipeline(llm, timeoutMs: 150).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(RuleCleaned, outcome.Text);
        Assert.Contains("did not answer within 150 ms", outcome.Info.FallbackReason);
    }

    [Fact]
    public async Task The_callers_cancellation_propagates_and_reaches_the_stage()
    {
        var entered = new TaskCompletionSource();
        var llm = new FakeLlmStage(async (_, ct) =>
        {
            entered.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });
        using var cts = new CancellationTokenSource();
        var cleaning = Pipeline(llm, timeoutMs: 60_000).CleanAsync(Heard, Context, cts.Token);
        await entered.Task;
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cleaning);
        Assert.True(llm.LastToken.IsCancellationRequested);
    }

    [Fact]
    public async Task No_connector_or_a_connector_that_declines_falls_back_saying_why()
    {
        var none = await Pipeline(null).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(RuleCleaned, none.Text);
        Assert.Equal("this sidecar has no LLM connector built in", none.Info.FallbackReason);

        var declined = await Pipeline(new DecliningFactory()).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(CleanupPaths.Rules, declined.Info.Path);
        Assert.Equal("no API key is set for openai", declined.Info.FallbackReason);
    }

    [Fact]
    public async Task An_empty_answer_falls_back()
    {
        var outcome = await Pipeline(new FakeLlmStage((_, _) => ValueTask.FromResult("  "))).CleanAsync(Heard, Context, CancellationToken.None);
        Assert.Equal(RuleCleaned, outcome.Text);
        Assert.Equal("openai returned an empty answer", outcome.Info.FallbackReason);
    }

    [Fact]
    public void Settings_never_print_the_key_and_the_result_only_says_whether_one_is_set()
    {
        var pipeline = Pipeline(null);
        var result = pipeline.Configure(new CleanupSettings(CleanupModes.Llm, "OpenAI", null, null, "sk-very-secret", null));
        Assert.Equal(new CleanupSettingsResult(CleanupModes.Llm, LlmProviders.OpenAi, null, null, true, CleanupSettings.DefaultTimeoutMs), result);
        Assert.DoesNotContain("sk-very-secret", pipeline.Settings.ToString());
        Assert.DoesNotContain("sk-very-secret", result.ToString());
    }

    [Fact]
    public void Configuring_logs_neither_the_key_nor_secrets_in_the_base_address()
    {
        var logger = new Recognition.ListLogger();
        var pipeline = new CleanupPipeline(new ServiceCollection().BuildServiceProvider(), new Typed<CleanupPipeline>(logger));
        pipeline.Configure(new CleanupSettings(CleanupModes.Llm, LlmProviders.OpenAi, "https://user:pw@example.openai.azure.com/v1?api-key=sk-in-url", null, "sk-direct", null));
        var logged = string.Join('\n', logger.Entries.Select(e => e.Message));
        Assert.Contains("https://example.openai.azure.com", logged);
        Assert.DoesNotContain("sk-", logged);
        Assert.DoesNotContain("pw", logged);
    }

    private sealed class Typed<T>(Microsoft.Extensions.Logging.ILogger inner) : Microsoft.Extensions.Logging.ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => inner.IsEnabled(logLevel);
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => inner.Log(logLevel, eventId, state, exception, formatter);
    }

    private sealed class DecliningFactory : ILlmCleanerFactory
    {
        public ITranscriptCleaner? Create(CleanupSettings settings, out string? unavailableReason)
        {
            unavailableReason = $"no API key is set for {settings.Provider}";
            return null;
        }
    }
}
