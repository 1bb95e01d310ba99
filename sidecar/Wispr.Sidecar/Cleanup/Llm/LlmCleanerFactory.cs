using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Wispr.Sidecar.Cleanup.Llm;

/// <summary>
/// Builds the connector the settings name. It owns the one <see cref="SocketsHttpHandler"/> every connector sends through
/// (a DI singleton, so connections to the LLM are pooled and reused across dictations, and a connector stays a light
/// object: settings, a logger, a ChatClient wrapper). We chose one shared handler over IHttpClientFactory because the
/// sidecar has a single kind of LLM traffic and no extra package or handler rotation is needed for it;
/// <see cref="SocketsHttpHandler.PooledConnectionLifetime"/> still lets DNS changes through. The HttpClient has no timeout of
/// its own: <see cref="LlmCleaner"/>'s budget bounds every call. The last connector is reused while the settings stay equal.
/// </summary>
public sealed class LlmCleanerFactory : ILlmCleanerFactory, IDisposable
{
    private readonly SocketsHttpHandler _handler = new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = System.Net.DecompressionMethods.All,
    };
    private readonly HttpClient _http;
    private readonly ILoggerFactory _loggers;
    private readonly object _gate = new();
    private (CleanupSettings Settings, LlmCleaner Cleaner)? _last;

    public LlmCleanerFactory(ILoggerFactory? loggers = null)
    {
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _http = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Whether the connectors stream their answers (on by default: a runaway answer is cut off as soon as it is too long).</summary>
    public bool Stream { get; init; } = true;

    public ITranscriptCleaner? Create(CleanupSettings settings, out string? unavailableReason)
    {
        lock (_gate)
        {
            if (_last is { } last && last.Settings == settings)
            {
                unavailableReason = null;
                return last.Cleaner;
            }
        }
        var connection = Resolve(settings, out unavailableReason);
        if (connection is null) return null;
        LlmCleaner cleaner = settings.Provider?.Trim().ToLowerInvariant() == LlmProviders.Gemini
            ? new GeminiCleaner(connection, _http, _loggers.CreateLogger<GeminiCleaner>())
            : new OpenAiCleaner(connection, _http, _loggers.CreateLogger<OpenAiCleaner>());
        lock (_gate) _last = (settings, cleaner);
        return cleaner;
    }

    /// <summary>The connection the settings describe, with defaults filled in, or null and why it cannot be used.</summary>
    public LlmConnection? Resolve(CleanupSettings settings, out string? unavailableReason)
    {
        unavailableReason = null;
        var provider = string.IsNullOrWhiteSpace(settings.Provider) ? LlmProviders.OpenAi : settings.Provider.Trim().ToLowerInvariant();
        if (provider is not (LlmProviders.OpenAi or LlmProviders.Gemini))
        {
            unavailableReason = $"unknown LLM provider \"{settings.Provider}\" (use \"openai\" or \"gemini\")";
            return null;
        }
        var gemini = provider == LlmProviders.Gemini;
        var baseUrl = string.IsNullOrWhiteSpace(settings.BaseUrl) ? (gemini ? GeminiCleaner.DefaultBaseUrl : OpenAiCleaner.DefaultBaseUrl) : settings.BaseUrl.Trim();
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https") || address.UserInfo.Length > 0)
        {
            // The address itself is not repeated: a mistyped one may hold a key.
            unavailableReason = "the LLM base address is not an absolute http(s) URL (without user info)";
            return null;
        }
        var model = string.IsNullOrWhiteSpace(settings.Model) ? (gemini ? GeminiCleaner.DefaultModel : OpenAiCleaner.DefaultModel) : settings.Model.Trim();
        var key = string.IsNullOrWhiteSpace(settings.ApiKey) ? null : settings.ApiKey.Trim();
        if (key is null && (gemini ? GeminiCleaner.IsGoogleHost(address) : OpenAiCleaner.IsOpenAiHost(address)))
        {
            unavailableReason = $"no API key is set for {(gemini ? "Gemini" : "OpenAI")} (set one with the Wispr \"Set API key\" command)";
            return null;
        }
        var timeoutMs = settings.TimeoutMs is > 0 ? settings.TimeoutMs.Value : CleanupSettings.DefaultTimeoutMs;
        return new LlmConnection(address, model, key, TimeSpan.FromMilliseconds(timeoutMs), Stream);
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }
}
