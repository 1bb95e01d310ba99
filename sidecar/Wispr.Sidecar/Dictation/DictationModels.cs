using Wispr.Sidecar.Recognition;

namespace Wispr.Sidecar.Dictation;

public enum DictationState { Idle, Listening, Transcribing }

public sealed record DictationStateChange(string? DictationId, DictationState State, DictationState PreviousState, string? Reason = null);

/// <summary>The audio source stopped on its own (file ended, device failed) while the dictation was still listening.</summary>
public sealed record SourceEnded(string DictationId, long CapturedMs, string? Error);

/// <summary>Where a dictation's audio comes from. Only "wavFile" until microphone capture lands.</summary>
public sealed record AudioSourceSpec(string Kind, string? Path = null, bool? Realtime = null);

public sealed record StartDictationRequest(AudioSourceSpec? Source = null, string? Language = null, string? Prompt = null);

public sealed record SegmentResult(long StartMs, long EndMs, string Text);

public sealed record TranscriptTimings(long StopToTextMs, long AsrMs, long LoadMs);

public sealed record TranscriptResult(
    string? DictationId,
    string Text,
    IReadOnlyList<SegmentResult> Segments,
    long AudioDurationMs,
    string Backend,
    string ModelPath,
    TranscriptTimings Timings);

internal static class DictationWire
{
    public static string ToWire(this DictationState state) => state switch
    {
        DictationState.Idle => "idle",
        DictationState.Listening => "listening",
        DictationState.Transcribing => "transcribing",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static TranscribeOptions ToOptions(string? language, string? prompt) =>
        new(string.IsNullOrWhiteSpace(language) ? "en" : language, string.IsNullOrWhiteSpace(prompt) ? null : prompt);
}
