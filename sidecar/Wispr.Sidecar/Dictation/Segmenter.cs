using Wispr.Sidecar.Audio;

namespace Wispr.Sidecar.Dictation;

/// <summary>
/// Decides where a recording is cut into segments, from the Silero VAD's per-window speech probabilities (window i covers
/// samples [i·512, (i+1)·512)). A cut falls inside a silence the VAD found: once a segment of at least
/// <see cref="MinSegmentMs"/> holds speech and a pause has lasted <see cref="MinSilenceMs"/>, the cut goes in the middle of
/// that pause, so both sides keep a little silence around their words. A segment that reaches <see cref="MaxSegmentMs"/>
/// without such a pause is cut at its quietest window boundary (Whisper reads at most 30 s at once). Cuts are sample
/// positions on window boundaries, strictly increasing; segments are the ranges between them, so every sample belongs to
/// exactly one.
/// </summary>
public sealed class Segmenter(int minSegmentMs = Segmenter.MinSegmentMs, int minSilenceMs = Segmenter.MinSilenceMs, int maxSegmentMs = Segmenter.MaxSegmentMs)
{
    public const int MinSegmentMs = 3_000;
    public const int MinSilenceMs = 400;
    /// <summary>Below Whisper's 30 s window with room for the samples the VAD has not judged yet.</summary>
    public const int MaxSegmentMs = 24_000;
    private const int WindowMs = SileroVad.WindowSamples * 1000 / WavDecoder.SampleRate; // 32

    private readonly int _minWindows = Math.Max(1, minSegmentMs / WindowMs);
    private readonly int _silenceWindows = Math.Max(2, (minSilenceMs + WindowMs - 1) / WindowMs);
    private readonly int _maxWindows = Math.Max(2, maxSegmentMs / WindowMs);
    // Probabilities of the current segment's windows only: dropped at each cut.
    private readonly List<float> _current = [];
    private int _segmentStartWindow;
    private int _silenceRun;
    private bool _speechInSegment;

    /// <summary>Whether a window with this probability is silence (below the VAD's speech-end threshold).</summary>
    public static bool IsSilence(float probability) => probability < SpeechTracker.EndThreshold;

    /// <summary>Sample position where the current (unfinished) segment starts: the last cut, or 0.</summary>
    public int SegmentStart => _segmentStartWindow * SileroVad.WindowSamples;

    /// <summary>Whether the current (unfinished) segment holds a window the VAD judged speech.</summary>
    public bool CurrentHasSpeech => _speechInSegment;

    /// <summary>A cut: the finished segment ends at sample <see cref="Position"/>; <see cref="HadSpeech"/> says whether the VAD heard speech in it.</summary>
    public readonly record struct Cut(int Position, bool HadSpeech);

    /// <summary>Feeds the next window's probability; returns the cut this window completes, if any.</summary>
    public Cut? Add(float probability)
    {
        _current.Add(probability);
        if (probability >= SpeechTracker.StartThreshold)
            _speechInSegment = true;
        _silenceRun = IsSilence(probability) ? _silenceRun + 1 : 0;
        int length = _current.Count;
        if (_speechInSegment && _silenceRun >= _silenceWindows && length >= _minWindows)
        {
            // Middle of the pause: windows cut-1 and cut are both silent.
            int runStart = length - _silenceRun;
            return CutAt(runStart + _silenceRun / 2);
        }
        if (length >= _maxWindows)
            return CutAt(QuietestBoundary());
        return null;
    }

    /// <summary>The boundary b (windows b-1 | b) after the minimum length whose louder side is the quietest.</summary>
    private int QuietestBoundary()
    {
        int best = _current.Count;
        float bestScore = float.MaxValue;
        for (int b = Math.Min(_minWindows, _current.Count - 1); b < _current.Count; b++)
        {
            float score = Math.Max(_current[b - 1], _current[b]);
            if (score <= bestScore)
            {
                bestScore = score;
                best = b;
            }
        }
        return best;
    }

    private Cut CutAt(int relativeWindow)
    {
        bool hadSpeech = _current.Take(relativeWindow).Any(p => p >= SpeechTracker.StartThreshold);
        _current.RemoveRange(0, relativeWindow);
        _segmentStartWindow += relativeWindow;
        _speechInSegment = _current.Exists(p => p >= SpeechTracker.StartThreshold);
        _silenceRun = 0;
        for (int i = _current.Count - 1; i >= 0 && IsSilence(_current[i]); i--)
            _silenceRun++;
        return new Cut(SegmentStart, hadSpeech);
    }
}
