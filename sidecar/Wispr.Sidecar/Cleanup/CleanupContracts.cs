namespace Wispr.Sidecar.Cleanup;

/// <summary>What the user asked for (the <c>wispr.cleanup.mode</c> setting).</summary>
public static class CleanupModes
{
    public const string Off = "off";
    public const string Rules = "rules";
    public const string Llm = "llm";
}

/// <summary>Where the text goes, which shapes the cleanup: prose, a code comment, or a commit message.</summary>
public static class PromptModes
{
    public const string Prose = "prose";
    public const string Comment = "comment";
    public const string Commit = "commit";
}

/// <summary>Which path produced the text the user gets.</summary>
public static class CleanupPaths
{
    /// <summary>The recogniser's text untouched (cleanup off).</summary>
    public const string Raw = "raw";
    /// <summary>The offline rule cleaner's text (rules mode, or the fallback when the LLM failed or was rejected).</summary>
    public const string Rules = "rules";
    /// <summary>The LLM's answer, accepted as a cleaned version of what was said.</summary>
    public const string Llm = "llm";
}

public static class LlmProviders
{
    /// <summary>OpenAI or any OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp server, Azure OpenAI) via its base address.</summary>
    public const string OpenAi = "openai";
    /// <summary>Google Gemini through its REST API (generateContent).</summary>
    public const string Gemini = "gemini";
}

/// <summary>
/// One entry of the workspace dictionary: <see cref="Written"/> is the exact spelling; <see cref="Spoken"/>, when given,
/// is how it is said ("package dot json" → "package.json"). Without <see cref="Spoken"/> the entry is a spelling to keep
/// (a product name, an acronym) and is matched by its spoken form derived from the word itself.
/// </summary>
public sealed record DictionaryEntry(string? Written = null, string? Spoken = null);

/// <summary>The code's vocabulary sent with a dictation: identifiers near the cursor and the file's symbols, plus the workspace dictionary.</summary>
public sealed record VocabularySpec(IReadOnlyList<string>? Identifiers = null, IReadOnlyList<DictionaryEntry>? Dictionary = null);

/// <summary>Where the dictation goes: prompt mode (<see cref="PromptModes"/>), the target file's VS Code language id, the vocabulary.</summary>
public sealed record DictationContext(string? Mode = null, string? LanguageId = null, VocabularySpec? Vocabulary = null)
{
    public static DictationContext Empty { get; } = new();
}

/// <summary>
/// <c>cleanup/configure</c> params. The API key lives in memory only, for this process: it is never logged, written to disk
/// or echoed back (the result says only whether one is set).
/// </summary>
public sealed record CleanupSettings(
    string? Mode = null,
    string? Provider = null,
    string? BaseUrl = null,
    string? Model = null,
    string? ApiKey = null,
    int? TimeoutMs = null)
{
    public const int DefaultTimeoutMs = 5000;

    /// <summary>Never prints the key, so a settings object that reaches a log or an exception message cannot leak it.</summary>
    public override string ToString() =>
        $"CleanupSettings {{ Mode = {Mode}, Provider = {Provider}, BaseUrl = {(BaseUrl is null ? null : CleanupPipeline.MaskUrl(BaseUrl))}, Model = {Model}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(none)" : "(set)")}, TimeoutMs = {TimeoutMs} }}";
}

/// <summary>The effective cleanup settings (the <c>cleanup/configure</c> result), without the key.</summary>
public sealed record CleanupSettingsResult(string Mode, string? Provider, string? BaseUrl, string? Model, bool HasApiKey, int TimeoutMs);

/// <summary>How a transcript was cleaned; part of every transcript result.</summary>
/// <param name="Requested">The mode asked for (<see cref="CleanupModes"/>).</param>
/// <param name="Path">The path that produced the text (<see cref="CleanupPaths"/>).</param>
/// <param name="Provider">The LLM provider tried, when one was.</param>
/// <param name="FallbackReason">Why the LLM's text was not used (timeout, HTTP status, rejected answer…), for the user; null when it was.</param>
public sealed record CleanupInfo(string Requested, string Path, string? Provider, string? FallbackReason, long RulesMs, long? LlmMs);

/// <summary>The input of one cleaner stage: <see cref="Text"/> is the text so far (rule-cleaned before an LLM), <see cref="RawText"/> what the recogniser heard.</summary>
public sealed record CleanupInput(string Text, string RawText, DictationContext Context);

/// <summary>One cleanup stage (the rule cleaner, an LLM connector). Returns the cleaned text.</summary>
public interface ITranscriptCleaner
{
    string Name { get; }

    /// <exception cref="CleanupFailedException">The stage could not produce an acceptable text; the message says why, for the user.</exception>
    ValueTask<string> CleanAsync(CleanupInput input, CancellationToken cancellationToken);
}

/// <summary>Builds the LLM stage for the current settings; null when the settings name no usable LLM (the pipeline then says why).</summary>
public interface ILlmCleanerFactory
{
    ITranscriptCleaner? Create(CleanupSettings settings, out string? unavailableReason);
}

/// <summary>A cleanup stage failed or its answer was rejected; the message is the user-facing reason for the fallback and never contains a key.</summary>
public sealed class CleanupFailedException(string reason, Exception? inner = null) : Exception(reason, inner);
