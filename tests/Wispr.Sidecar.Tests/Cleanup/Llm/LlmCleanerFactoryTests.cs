using Microsoft.Extensions.DependencyInjection;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Cleanup.Llm;
using Wispr.Sidecar.Hosting;

namespace Wispr.Sidecar.Tests.Cleanup.Llm;

public sealed class LlmCleanerFactoryTests : IDisposable
{
    private readonly LlmCleanerFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData(LlmProviders.OpenAi, null, "no API key is set for OpenAI")]
    [InlineData(LlmProviders.OpenAi, "https://api.openai.com/v1", "no API key is set for OpenAI")]
    [InlineData(null, null, "no API key is set for OpenAI")]
    [InlineData(LlmProviders.OpenAi, "https://myres.openai.azure.com/openai/v1/", "no API key is set for OpenAI")]
    [InlineData(LlmProviders.Gemini, null, "no API key is set for Gemini")]
    [InlineData("claude", null, "unknown LLM provider \"claude\"")]
    [InlineData(LlmProviders.OpenAi, "ftp://example.org/v1", "not an absolute http(s) URL")]
    [InlineData(LlmProviders.OpenAi, "localhost:11434", "not an absolute http(s) URL")]
    [InlineData(LlmProviders.OpenAi, "http://user:sk-in-url@localhost:11434/v1", "not an absolute http(s) URL")]
    public void Says_why_no_LLM_is_available(string? provider, string? baseUrl, string reason)
    {
        Assert.Null(_factory.Create(new CleanupSettings(CleanupModes.Llm, provider, baseUrl), out var why));
        Assert.Contains(reason, why);
        Assert.DoesNotContain("sk-in-url", why);
    }

    [Theory]
    [InlineData(LlmProviders.OpenAi, "http://localhost:11434/v1")]   // Ollama
    [InlineData(LlmProviders.OpenAi, "http://127.0.0.1:1234/v1")]    // LM Studio
    [InlineData(LlmProviders.Gemini, "http://127.0.0.1:8080")]       // a local Gemini-compatible proxy
    public void A_local_server_needs_no_key(string provider, string baseUrl)
    {
        var cleaner = _factory.Create(new CleanupSettings(CleanupModes.Llm, provider, baseUrl), out var why);
        Assert.Null(why);
        Assert.Equal(provider, Assert.IsAssignableFrom<LlmCleaner>(cleaner).Name);
    }

    [Fact]
    public void Fills_in_defaults()
    {
        var openAi = _factory.Resolve(new CleanupSettings(CleanupModes.Llm, LlmProviders.OpenAi, ApiKey: "k"), out _)!;
        Assert.Equal(new Uri("https://api.openai.com/v1"), openAi.BaseAddress);
        Assert.Equal("gpt-4o-mini", openAi.Model);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), openAi.Budget);

        var gemini = _factory.Resolve(new CleanupSettings(CleanupModes.Llm, "Gemini", ApiKey: "k", TimeoutMs: 1500), out _)!;
        Assert.Equal(new Uri("https://generativelanguage.googleapis.com"), gemini.BaseAddress);
        Assert.Equal("gemini-2.0-flash", gemini.Model);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), gemini.Budget);
    }

    [Fact]
    public void Reuses_the_connector_while_the_settings_stay_the_same()
    {
        var settings = new CleanupSettings(CleanupModes.Llm, LlmProviders.OpenAi, "http://localhost:11434/v1", "llama3.2");
        var first = _factory.Create(settings, out _);
        Assert.Same(first, _factory.Create(settings with { }, out _));
        Assert.NotSame(first, _factory.Create(settings with { Model = "qwen2.5" }, out _));
    }

    [Theory]
    [InlineData("https://generativelanguage.googleapis.com", "gemini-2.0-flash", false, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent")]
    [InlineData("https://generativelanguage.googleapis.com/", "models/gemini-2.0-flash", true, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")]
    [InlineData("https://proxy.example/v1beta", "gemini-pro", false, "https://proxy.example/v1beta/models/gemini-pro:generateContent")]
    [InlineData("https://proxy.example/gemini/v1", "gemini-pro", false, "https://proxy.example/gemini/v1/models/gemini-pro:generateContent")]
    public void Gemini_addresses_put_no_key_in_the_URL(string baseUrl, string model, bool stream, string expected)
    {
        var cleaner = new GeminiCleaner(new LlmConnection(new Uri(baseUrl), model, "sk-secret", TimeSpan.FromSeconds(5), stream),
            new HttpClient(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.Equal(expected, cleaner.MethodUri(stream).ToString());
    }

    [Fact]
    public void The_sidecar_registers_the_factory()
    {
        using var services = new ServiceCollection().AddLogging().AddWisprSidecar(new SidecarOptions()).BuildServiceProvider();
        Assert.IsType<LlmCleanerFactory>(services.GetService<ILlmCleanerFactory>());
    }

    [Theory]
    [InlineData("5", null, 5000)]
    [InlineData("0", null, 0)]
    [InlineData(null, "1500", 1500)]
    [InlineData(null, null, -1)]
    [InlineData("soon", null, -1)]
    public void Reads_Retry_After(string? retryAfter, string? retryAfterMs, int expectedMs)
    {
        var wait = LlmCleaner.ParseRetryAfter(retryAfter, retryAfterMs);
        Assert.Equal(expectedMs < 0 ? null : TimeSpan.FromMilliseconds(expectedMs), wait);
    }
}
