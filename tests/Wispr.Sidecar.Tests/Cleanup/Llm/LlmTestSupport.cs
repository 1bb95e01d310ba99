using Microsoft.Extensions.Logging;
using Wispr.FakeLlm;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Cleanup.Llm;

namespace Wispr.Sidecar.Tests.Cleanup.Llm;

/// <summary>The four ways a connector can talk: OpenAI or Gemini wire format, one JSON reply or streamed SSE.</summary>
public static class Wires
{
    public static TheoryData<string, bool> All => new()
    {
        { LlmProviders.OpenAi, false },
        { LlmProviders.OpenAi, true },
        { LlmProviders.Gemini, false },
        { LlmProviders.Gemini, true },
    };

    public static ITranscriptCleaner Connector(FakeLlmServer server, string provider, bool stream, string? key = "sk-test-key",
        int timeoutMs = 5000, ILoggerFactory? loggers = null)
    {
        var factory = new LlmCleanerFactory(loggers) { Stream = stream };
        var settings = new CleanupSettings(CleanupModes.Llm, provider,
            provider == LlmProviders.OpenAi ? server.OpenAiBaseUrl : server.GeminiBaseUrl, "test-model", key, timeoutMs);
        return factory.Create(settings, out var reason) ?? throw new InvalidOperationException(reason);
    }

    public static CleanupInput Input(string text, DictationContext? context = null) => new(text, text, context ?? DictationContext.Empty);
}
