using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Cleanup;

namespace Wispr.Sidecar.Tests.Cleanup;

/// <summary>What reaches the log and the recogniser from a transcript or a prompt.</summary>
public sealed class TranscriptPrivacyTests
{
    private sealed class LevelLogger : ILogger<CleanupPipeline>
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }

    [Fact]
    public async Task Transcript_text_is_logged_at_Trace_only()
    {
        var logger = new LevelLogger();
        using var services = new ServiceCollection().BuildServiceProvider();
        var pipeline = new CleanupPipeline(services, logger);
        const string words = "please deploy the zanzibar cluster";
        await pipeline.CleanAsync(words, null, CancellationToken.None);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Trace && l.Text.Contains("zanzibar", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Lines, l => l.Level > LogLevel.Trace && l.Text.Contains("zanzibar", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_huge_prompt_is_cut_to_the_tail_Whisper_reads()
    {
        var prompt = string.Concat(Enumerable.Repeat("alpha beta gamma ", 60_000)) + "getUserById ends here";
        var built = WhisperPrompt.Build(prompt, null)!;
        Assert.True(built.Length <= WhisperPrompt.MaxChars, $"{built.Length} characters");
        Assert.EndsWith("getUserById ends here", built, StringComparison.Ordinal);
        Assert.False(built.StartsWith("lpha", StringComparison.Ordinal) || built.StartsWith("eta", StringComparison.Ordinal), "cut at a word boundary");
    }

    [Fact]
    public void The_settings_text_masks_a_key_in_the_base_address()
    {
        var text = new CleanupSettings("llm", "openai", "https://u:sk-HIDDEN@h.example/v1?key=sk-HIDDEN", null, "sk-HIDDEN").ToString();
        Assert.DoesNotContain("HIDDEN", text, StringComparison.Ordinal);
    }
}
