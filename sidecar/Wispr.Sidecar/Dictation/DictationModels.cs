using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Recognition;

namespace Wispr.Sidecar.Dictation;

public enum DictationState { Idle, Listening, Transcribing }

/// <summary>Why capture ended by itself: see <see cref="SourceEndReasons"/>.</summary>
public static class SourceEndReasons
{
    /// <summary>The source ran out (a WAV file reached its end).</summary>
    public const string End = "end";
    /// <summary>The device or recorder failed (unplugged, server gone); <see cref="Rpc.SourceEndedNotification.Error"/> says why.</summary>
    public const string Error = "error";
    /// <summary>The recording reached its maximum length.</summary>
    public const string Limit = "limit";
    /// <summary>Hands-free: the speaker has been silent for the configured time.</summary>
    public const string Silence = "silence";
}

/// <summary>
/// Where a dictation's audio comes from: "microphone" (the default; <see cref="Device"/> null or empty = the system default)
/// or "wavFile" (<see cref="Path"/> played in real time unless <see cref="Realtime"/> is false).
/// </summary>
public sealed record AudioSourceSpec(string Kind = AudioSourceSpec.Microphone, string? Path = null, bool? Realtime = null, string? Device = null)
{
    public const string Microphone = "microphone";
    public const string WavFile = "wavFile";
}

/// <summary>Hands-free: end the dictation after <see cref="SilenceMs"/> of silence following speech, and trim silence before ASR.</summary>
public sealed record VadSpec(bool Enabled = false, int? SilenceMs = null)
{
    public const int DefaultSilenceMs = 1500;
}

/// <param name="Segmented">
/// True (the default): the recording is cut at pauses and each finished segment is recognised while the user speaks
/// (<c>dictation/segment</c>); false: the whole recording is recognised at the stop (the benchmark's "before").
/// </param>
/// <param name="ConfirmDelivery">
/// True: the recording outlives the stop's answer until the client confirms with <c>dictation/delivered</c> that it has the
/// text (a client that dies in between leaves it for recovery). Absent or false: it is deleted once the answer is produced,
/// as for clients with nowhere to lose the text (the CLI).
/// </param>
public sealed record StartDictationRequest(AudioSourceSpec? Source = null, string? Language = null, string? Prompt = null,
    VadSpec? Vad = null, long? MaxDurationMs = null, DictationContext? Context = null, bool? Segmented = null, bool? ConfirmDelivery = null);

public sealed record SegmentResult(long StartMs, long EndMs, string Text);

/// <param name="CleanupMs">Time spent cleaning the transcript (rules and LLM), inside <paramref name="StopToTextMs"/>.</param>
public sealed record TranscriptTimings(long StopToTextMs, long AsrMs, long LoadMs, long CleanupMs = 0);

public sealed record TranscriptResult(
    string? DictationId,
    string Text,
    IReadOnlyList<SegmentResult> Segments,
    long AudioDurationMs,
    string Backend,
    string ModelPath,
    TranscriptTimings Timings,
    string RawText,
    CleanupInfo Cleanup);

internal static class DictationWire
{
    public static string ToWire(this DictationState state) => state switch
    {
        DictationState.Idle => "idle",
        DictationState.Listening => "listening",
        DictationState.Transcribing => "transcribing",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>The recogniser's options; Whisper's prompt is the user's prompt followed by the context's vocabulary.</summary>
    public static TranscribeOptions ToOptions(string? language, string? prompt, DictationContext? context = null) =>
        new(string.IsNullOrWhiteSpace(language) ? "en" : language, WhisperPrompt.Build(prompt, context?.Vocabulary));

    /// <summary>A later segment's options: the text recognised so far goes at the end of Whisper's prompt.</summary>
    public static TranscribeOptions ToOptions(string? language, string? prompt, DictationContext? context, string preceding) =>
        new(string.IsNullOrWhiteSpace(language) ? "en" : language, WhisperPrompt.Build(prompt, context?.Vocabulary, preceding));
}
