using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Cleanup;

/// <summary>The outcome of one cleanup: the text to insert, how it was made, and the time it took (rules and LLM).</summary>
public sealed record CleanupOutcome(string Text, CleanupInfo Info, long ElapsedMs);

/// <summary>
/// The one owner of the cleanup settings (<c>cleanup/configure</c>) and the path every transcript takes after recognition:
/// the rule cleaner (unless off), then in llm mode the LLM stage within the settings' time budget. Cleanup never fails a
/// dictation: whatever goes wrong in the LLM stage, the rule-cleaned text is used and <see cref="CleanupInfo.FallbackReason"/>
/// says why. Only the caller's own cancellation (a cancelled dictation) propagates.
/// </summary>
public sealed class CleanupPipeline
{
    public const int MinTimeoutMs = 100;
    public const int MaxTimeoutMs = 60_000;
    private const int BackstopGraceMs = 250;

    private readonly IServiceProvider _services;
    private readonly ILogger<CleanupPipeline> _logger;
    private readonly RuleCleaner _rules;
    private readonly object _gate = new();
    private CleanupSettings _settings = Normalize(new CleanupSettings());
    private (VocabularySpec? Spec, int Fingerprint, VocabularyMatcher Matcher) _lastMatcher = (null, 0, VocabularyMatcher.Empty);

    public CleanupPipeline(IServiceProvider services, ILogger<CleanupPipeline> logger)
    {
        _services = services;
        _logger = logger;
        _rules = new RuleCleaner(MatcherFor);
    }

    public CleanupSettings Settings { get { lock (_gate) return _settings; } }

    /// <summary>Validates and takes new settings (absent properties reset to defaults); the result never carries the key.</summary>
    /// <exception cref="WisprException"><see cref="WisprErrorCodes.CleanupConfigInvalid"/>, naming the bad property.</exception>
    public CleanupSettingsResult Configure(CleanupSettings? settings)
    {
        var s = Normalize(settings ?? new CleanupSettings());
        if (s.Mode is not (CleanupModes.Off or CleanupModes.Rules or CleanupModes.Llm))
            throw Invalid($"Unknown cleanup mode \"{settings?.Mode}\"; use off, rules or llm.");
        if (s.Provider is not (null or LlmProviders.OpenAi or LlmProviders.Gemini))
            throw Invalid($"Unknown LLM provider \"{settings?.Provider}\"; use openai (or any OpenAI-compatible server) or gemini.");
        if (s.BaseUrl is not null && !(Uri.TryCreate(s.BaseUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            throw Invalid("The LLM base address must be an absolute http:// or https:// URL.");
        if (s.TimeoutMs is < MinTimeoutMs or > MaxTimeoutMs)
            throw Invalid($"The cleanup timeout must be between {MinTimeoutMs} and {MaxTimeoutMs} ms (got {s.TimeoutMs}).");
        lock (_gate)
            _settings = s;
        // Host only: a base address may carry a key in its query (Azure's ?api-key=) or user info.
        _logger.LogInformation("Cleanup configured: mode {Mode}, provider {Provider}, server {Host}, model {Model}, key {Key}, timeout {Timeout} ms",
            s.Mode, s.Provider ?? "none", s.BaseUrl is null ? "default" : new Uri(s.BaseUrl).GetLeftPart(UriPartial.Authority).Replace(new Uri(s.BaseUrl).UserInfo + "@", ""),
            s.Model ?? "default", s.ApiKey is null ? "not set" : "set", s.TimeoutMs);
        return ToResult(s);
    }

    private static WisprException Invalid(string message) => new(WisprErrorCodes.CleanupConfigInvalid, message);

    private static CleanupSettings Normalize(CleanupSettings s) => s with
    {
        Mode = string.IsNullOrWhiteSpace(s.Mode) ? CleanupModes.Rules : s.Mode.Trim().ToLowerInvariant(),
        Provider = string.IsNullOrWhiteSpace(s.Provider) ? null : s.Provider.Trim().ToLowerInvariant(),
        BaseUrl = string.IsNullOrWhiteSpace(s.BaseUrl) ? null : s.BaseUrl.Trim(),
        Model = string.IsNullOrWhiteSpace(s.Model) ? null : s.Model.Trim(),
        ApiKey = string.IsNullOrEmpty(s.ApiKey) ? null : s.ApiKey,
        TimeoutMs = s.TimeoutMs ?? CleanupSettings.DefaultTimeoutMs,
    };

    public static CleanupSettingsResult ToResult(CleanupSettings s) =>
        new(s.Mode!, s.Provider, s.BaseUrl is null ? null : MaskUrl(s.BaseUrl), s.Model, !string.IsNullOrEmpty(s.ApiKey), s.TimeoutMs ?? CleanupSettings.DefaultTimeoutMs);

    /// <summary>
    /// A base address as it may be shown or echoed: a key can sit in its user info (https://KEY@host) or its query (Azure's
    /// ?api-key=KEY), so both are replaced by ***; scheme, host, port and path stay, so the user still sees which server is used.
    /// </summary>
    public static string MaskUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return "***";
        var sb = new System.Text.StringBuilder(uri.Scheme).Append("://");
        if (uri.UserInfo.Length > 0)
            sb.Append("***@");
        sb.Append(uri.Authority).Append(uri.AbsolutePath);
        if (uri.Query.Length > 1)
            sb.Append('?').AppendJoin('&', uri.Query[1..].Split('&').Select(pair => pair.Split('=', 2)[0] + "=***"));
        if (uri.Fragment.Length > 1)
            sb.Append("#***");
        return sb.ToString();
    }

    /// <summary>Cleans <paramref name="rawText"/> with the current settings. Throws only <see cref="OperationCanceledException"/> for the caller's token.</summary>
    public async Task<CleanupOutcome> CleanAsync(string rawText, DictationContext? context, CancellationToken cancellationToken)
    {
        context ??= DictationContext.Empty;
        var settings = Settings;
        var clock = Stopwatch.StartNew();
        if (settings.Mode == CleanupModes.Off)
            return new CleanupOutcome(rawText, new CleanupInfo(CleanupModes.Off, CleanupPaths.Raw, null, null, 0, null), 0);

        var ruled = _rules.Clean(rawText, context);
        long rulesMs = clock.ElapsedMilliseconds;
        // Transcript text only at Trace (the README's promise): Debug logs are shared in bug reports.
        _logger.LogTrace("Rule cleanup in {Ms} ms: \"{Raw}\" → \"{Text}\"", rulesMs, rawText, ruled);
        if (settings.Mode != CleanupModes.Llm)
            return new CleanupOutcome(ruled, new CleanupInfo(CleanupModes.Rules, CleanupPaths.Rules, null, null, rulesMs, null), clock.ElapsedMilliseconds);

        var llmClock = Stopwatch.StartNew();
        var (text, reason) = await RunLlmAsync(settings, new CleanupInput(ruled, rawText, context), cancellationToken).ConfigureAwait(false);
        long llmMs = llmClock.ElapsedMilliseconds;
        if (reason is not null)
            _logger.LogWarning("LLM cleanup ({Provider}) not used after {Ms} ms: {Reason}", settings.Provider ?? "none", llmMs, reason);
        else
            _logger.LogDebug("LLM cleanup ({Provider}) in {Ms} ms", settings.Provider, llmMs);
        var info = new CleanupInfo(CleanupModes.Llm, reason is null ? CleanupPaths.Llm : CleanupPaths.Rules, settings.Provider, reason, rulesMs, llmMs);
        return new CleanupOutcome(text ?? ruled, info, clock.ElapsedMilliseconds);
    }

    /// <summary>The LLM's text, or null and the reason (for the user) it cannot be used.</summary>
    private async Task<(string? Text, string? Reason)> RunLlmAsync(CleanupSettings settings, CleanupInput input, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(input.Text))
            return (null, "nothing to clean");
        if (settings.Provider is null)
            return (null, "no LLM provider is configured");
        var factory = _services.GetService<ILlmCleanerFactory>();
        if (factory is null)
            return (null, "this sidecar has no LLM connector built in");
        ITranscriptCleaner? cleaner;
        string? unavailable;
        try
        {
            cleaner = factory.Create(settings, out unavailable);
        }
        catch (Exception ex)
        {
            return (null, $"the {settings.Provider} connector could not be set up ({ex.GetType().Name})");
        }
        if (cleaner is null)
            return (null, unavailable ?? $"the {settings.Provider} connector is not available");

        int budgetMs = settings.TimeoutMs ?? CleanupSettings.DefaultTimeoutMs;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The connectors keep the same budget themselves and say precisely what ran out (a 429 wait, a slow answer); this
        // backstop fires a little later so their reason wins, and only a stage that ignores its budget meets it.
        budget.CancelAfter(budgetMs + BackstopGraceMs);
        try
        {
            // WaitAsync: a stage that ignores its token still cannot hold the dictation past the budget.
            var text = await cleaner.CleanAsync(input, budget.Token).AsTask().WaitAsync(budget.Token).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(text))
                return (null, $"{settings.Provider} returned an empty answer");
            return (text.Trim(), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the dictation itself was cancelled
        }
        catch (OperationCanceledException)
        {
            return (null, $"{settings.Provider} did not answer within {budgetMs} ms");
        }
        catch (CleanupFailedException ex)
        {
            return (null, ex.Message);
        }
        catch (Exception ex)
        {
            // Type only: an exception message could quote the transcript or a URL with a key.
            _logger.LogDebug(ex, "LLM cleanup stage failed");
            return (null, $"the {settings.Provider} cleanup failed ({ex.GetType().Name})");
        }
    }

    /// <summary>The vocabulary index, rebuilt only when the vocabulary changes (the extension sends the same one for many dictations).</summary>
    private VocabularyMatcher MatcherFor(VocabularySpec? spec)
    {
        if (spec is null)
            return VocabularyMatcher.Empty;
        int fingerprint = Fingerprint(spec);
        lock (_gate)
        {
            if (_lastMatcher.Spec is not null && _lastMatcher.Fingerprint == fingerprint && SameVocabulary(_lastMatcher.Spec, spec))
                return _lastMatcher.Matcher;
        }
        var matcher = RuleCleaner.BuildMatcher(spec);
        lock (_gate)
            _lastMatcher = (spec, fingerprint, matcher);
        return matcher;
    }

    private static int Fingerprint(VocabularySpec spec)
    {
        var hash = new HashCode();
        foreach (var id in spec.Identifiers ?? [])
            hash.Add(id);
        foreach (var d in spec.Dictionary ?? [])
            hash.Add(d);
        return hash.ToHashCode();
    }

    private static bool SameVocabulary(VocabularySpec a, VocabularySpec b) =>
        ReferenceEquals(a, b) ||
        ((a.Identifiers ?? []).SequenceEqual(b.Identifiers ?? []) && (a.Dictionary ?? []).SequenceEqual(b.Dictionary ?? []));
}
