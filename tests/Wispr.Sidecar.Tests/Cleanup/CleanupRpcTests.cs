using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StreamJsonRpc;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Cleanup;

/// <summary>Cleanup over the real JSON-RPC host: the vocabulary reaches Whisper's prompt, the cleaner and the LLM stage.</summary>
public sealed class CleanupRpcTests : IAsyncLifetime
{
    private const string Heard = "um call get user by id";
    private readonly TestAudio _audio = new();
    private readonly HeardBackendProvider _backend = new(Heard);
    private readonly FakeLlmStage _llm = new((input, _) => ValueTask.FromResult($"LLM: {input.Text}"));
    private InMemorySidecar _sidecar = null!;

    private static readonly object Context = new
    {
        mode = "prose",
        languageId = "markdown",
        vocabulary = new { identifiers = new[] { "getUserById" }, dictionary = new object[] { new { written = "package.json", spoken = "package dot json" }, new { written = "GitHub" } } },
    };

    public async Task InitializeAsync()
    {
        _sidecar = await InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = _audio.Text("model", "model.bin") }, _backend,
            services => services.AddSingleton<ILlmCleanerFactory>(_llm));
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _audio.Dispose();
    }

    [Fact]
    public async Task A_dictation_puts_the_vocabulary_in_whispers_prompt_and_returns_cleaned_and_raw_text()
    {
        var (id, _) = await _sidecar.StartUntilSourceEndsAsync(new
        {
            source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = false },
            prompt = "Dictating code.",
            context = Context,
        });
        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });

        var options = Assert.Single(_backend.Options);
        Assert.Equal("Dictating code. package.json, GitHub, getUserById.", options.Prompt);
        Assert.Equal("Call getUserById.", result.GetProperty("text").GetString());
        Assert.Equal(Heard, result.GetProperty("rawText").GetString());
        Assert.Equal(Heard, result.GetProperty("segments")[0].GetProperty("text").GetString());
        var cleanup = result.GetProperty("cleanup");
        Assert.Equal("rules", cleanup.GetProperty("requested").GetString());
        Assert.Equal("rules", cleanup.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, cleanup.GetProperty("fallbackReason").ValueKind);
        Assert.True(cleanup.GetProperty("rulesMs").GetInt64() >= 0);
        Assert.True(result.GetProperty("timings").GetProperty("cleanupMs").GetInt64() >= 0);
    }

    [Fact]
    public async Task A_context_sent_with_stop_replaces_the_starts_for_the_prompt_and_the_cleanup()
    {
        // The extension starts capture at once with a small context and sends the full one, collected while the user spoke, with stop.
        var (id, _) = await _sidecar.StartUntilSourceEndsAsync(new
        {
            source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = false },
            prompt = "Dictating code.",
            context = new { mode = "prose", languageId = "markdown" },
        });
        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id, context = Context });

        Assert.Equal("Dictating code. package.json, GitHub, getUserById.", Assert.Single(_backend.Options).Prompt);
        Assert.Equal("Call getUserById.", result.GetProperty("text").GetString());
    }

    [Fact]
    public async Task TranscribeFile_cleans_with_its_context_and_hands_the_vocabulary_to_the_llm()
    {
        await _sidecar.CallAsync<JsonElement>(M.CleanupConfigure, new { mode = "llm", provider = "openai", apiKey = "sk-secret" });
        var result = await _sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = _audio.Tone(1.0), context = Context });

        Assert.Equal("package.json, GitHub, getUserById.", Assert.Single(_backend.Options).Prompt);
        Assert.Equal("LLM: Call getUserById.", result.GetProperty("text").GetString());
        Assert.Equal("llm", result.GetProperty("cleanup").GetProperty("path").GetString());
        Assert.Equal("openai", result.GetProperty("cleanup").GetProperty("provider").GetString());
        var input = Assert.Single(_llm.Inputs);
        Assert.Equal(Heard, input.RawText);
        Assert.Equal(["getUserById"], input.Context.Vocabulary!.Identifiers!);
        Assert.Equal(["package.json", "GitHub"], input.Context.Vocabulary.Dictionary!.Select(d => d.Written));
        Assert.Equal("package dot json", input.Context.Vocabulary.Dictionary![0].Spoken);
    }

    [Fact]
    public async Task With_cleanup_off_the_raw_text_is_returned_and_rawText_and_cleanup_are_still_there()
    {
        await _sidecar.CallAsync<JsonElement>(M.CleanupConfigure, new { mode = "off" });
        var result = await _sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = _audio.Tone(1.0) });
        Assert.Equal(Heard, result.GetProperty("text").GetString());
        Assert.Equal(Heard, result.GetProperty("rawText").GetString());
        Assert.Equal("raw", result.GetProperty("cleanup").GetProperty("path").GetString());
        Assert.Null(Assert.Single(_backend.Options).Prompt);
    }

    [Theory]
    [InlineData("{\"mode\":\"fancy\"}", "mode")]
    [InlineData("{\"mode\":\"llm\",\"provider\":\"claude\"}", "provider")]
    [InlineData("{\"baseUrl\":\"ftp://example.com/v1\"}", "base address")]
    [InlineData("{\"baseUrl\":\"localhost:11434\"}", "base address")]
    [InlineData("{\"timeoutMs\":50}", "timeout")]
    [InlineData("{\"timeoutMs\":70000}", "timeout")]
    public async Task Configure_refuses_bad_settings_with_CleanupConfigInvalid(string settings, string named)
    {
        var before = await _sidecar.CallAsync<JsonElement>(M.CleanupConfigure, new { mode = "rules", timeoutMs = 3000 });
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() =>
            _sidecar.CallAsync<JsonElement>(M.CleanupConfigure, JsonSerializer.Deserialize<JsonElement>(settings)));
        Assert.Equal(WisprErrorCodes.CleanupConfigInvalid, ex.ErrorCode);
        Assert.Contains(named, ex.Message);
        // The previous settings stay in force.
        var applied = await _sidecar.CallAsync<JsonElement>(M.CleanupApply, new { text = Heard });
        Assert.Equal("rules", applied.GetProperty("cleanup").GetProperty("requested").GetString());
        Assert.Equal(3000, before.GetProperty("timeoutMs").GetInt32());
    }

    [Fact]
    public async Task Configure_returns_the_settings_without_the_key()
    {
        var result = await _sidecar.CallAsync<JsonElement>(M.CleanupConfigure,
            new { mode = "llm", provider = "gemini", model = "gemini-2.0-flash", apiKey = "AIza-secret-key", timeoutMs = 8000 });
        Assert.DoesNotContain("AIza-secret-key", result.GetRawText());
        Assert.True(result.GetProperty("hasApiKey").GetBoolean());
        Assert.Equal("gemini", result.GetProperty("provider").GetString());
        Assert.Equal(8000, result.GetProperty("timeoutMs").GetInt32());
        Assert.False(result.TryGetProperty("apiKey", out _));

        var defaults = await _sidecar.CallAsync<JsonElement>(M.CleanupConfigure, new { });
        Assert.Equal("rules", defaults.GetProperty("mode").GetString());
        Assert.False(defaults.GetProperty("hasApiKey").GetBoolean());
        Assert.Equal(CleanupSettings.DefaultTimeoutMs, defaults.GetProperty("timeoutMs").GetInt32());
    }

    [Fact]
    public async Task Apply_cleans_a_text_and_needs_one()
    {
        var result = await _sidecar.CallAsync<JsonElement>(M.CleanupApply, new { text = "open package dot json on git hub", context = Context });
        Assert.Equal("Open package.json on GitHub.", result.GetProperty("text").GetString());
        Assert.Equal("open package dot json on git hub", result.GetProperty("rawText").GetString());
        Assert.Equal("rules", result.GetProperty("cleanup").GetProperty("path").GetString());

        // -32602 is JSON-RPC's own InvalidParams, which StreamJsonRpc surfaces as its own exception type.
        var ex = await Assert.ThrowsAsync<RemoteMethodNotFoundException>(() => _sidecar.CallAsync<JsonElement>(M.CleanupApply, new { context = Context }));
        Assert.Equal(WisprErrorCodes.InvalidParams, (int)ex.ErrorCode);
        var empty = await Assert.ThrowsAsync<RemoteMethodNotFoundException>(() => _sidecar.CallAsync<JsonElement>(M.CleanupApply, new { }));
        Assert.Equal(WisprErrorCodes.InvalidParams, (int)empty.ErrorCode);
    }
}
