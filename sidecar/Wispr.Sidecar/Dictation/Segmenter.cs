using Wispr.Sidecar.Audio;

namespace Wispr.Sidecar.Dictation;

/// <summary>
/// Decides where a recording is cut into segments, from the Silero VAD's per-window speech probabilities (window i covers
/// samples [i·512, (i+1)·512)). A cut falls inside a silence the VAD found, in the middle of the silent windows heard so far,
/// so both sides keep a little silence around their words. Cuts come as early as the rules allow, so that a segment is
/// recognised while the user is still silent or speaking on:
/// <list type="bullet">
/// <item>a <b>pause</b>: once the segment is at least <see cref="MinSegmentMs"/> long and holds speech, <see cref="PauseMs"/> of
/// silence cut it (the pause may go on; the rest of it starts the next segment, and a last segment with no speech is skipped);</item>
/// <item>a <b>breath in long speech</b>: past <see cref="SoftSegmentMs"/>, <see cref="SoftPauseMs"/> of silence is enough, so
/// segments stay short and the one left at the release is quick to recognise;</item>
/// <item>the <b>cap</b>: a segment that reaches <see cref="MaxSegmentMs"/> without either is cut at its quietest window boundary
/// (Whisper reads at most 30 s at once).</item>
/// </list>
/// Cuts are sample positions on window boundaries, strictly increasing; segments are the ranges between them, so every sample
/// belongs to exactly one.
/// </summary>
public sealed class Segmenter(
    int minSegmentMs = Segmenter.MinSegmentMs,
    int pauseMs = Segmenter.PauseMs,
    int maxSegmentMs = Segmenter.MaxSegmentMs,
    int softSegmentMs = Segmenter.SoftSegmentMs,
    int softPauseMs = Segmenter.SoftPauseMs)
{
    /// <summary>Shorter segments would give Whisper too little to go on; pauses between words stay inside a segment.</summary>
    public const int MinSegmentMs = 2_000;
    /// <summary>
    /// Six silent windows. The VAD's probability falls under its end threshold a window or two after the words stop, so this
    /// is a pause of about a quarter second: longer than the gaps between words, short enough that the segment before a
    /// pause is recognised while the pause goes on.
    /// </summary>
    public const int PauseMs = 192;
    /// <summary>Past this length a segment is cut at <see cref="SoftPauseMs"/>, so long speech comes in short segments.</summary>
    public const int SoftSegmentMs = 6_000;
    /// <summary>Two silent windows: a breath or a gap between phrases (the cut between them has a silent window each side).</summary>
    public const int SoftPauseMs = 64;
    /// <summary>Below Whisper's 30 s window with room for the samples the VAD has not judged yet.</summary>
    public const int MaxSegmentMs = 24_000;
    private const int WindowMs = SileroVad.WindowSamples * 1000 / WavDecoder.SampleRate; // 32

    private readonly int _minWindows = Math.Max(1, minSegmentMs / WindowMs);
    private readonly int _pauseWindows = Math.Max(2, (pauseMs + WindowMs - 1) / WindowMs);
    private readonly int _softWindows = Math.Max(1, softSegmentMs / WindowMs);
    private readonly int _softPauseWindows = Math.Max(2, (softPauseMs + WindowMs - 1) / WindowMs);
    private readonly int _maxWindows = Math.Max(2, maxSegmentMs / WindowMs);
    // Probabilities of the current segment's windows only: dropped at each cut.
    private readonly List<float> _current = [];
    private int _segmentStartWindow;
    private int _silenceRun;
    private bool _speechInSegment;

    /// <summary>The rules before the early cuts (a 400 ms pause after 3 s, cut in its middle; the 24 s cap): the benchmark's "before" leg.</summary>
    public static Segmenter Legacy() => new(minSegmentMs: 3_000, pauseMs: 400, softSegmentMs: MaxSegmentMs, softPauseMs: 400);

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
        int pauseWindows = length >= _softWindows ? Math.Min(_softPauseWindows, _pauseWindows) : _pauseWindows;
        if (_speechInSegment && _silenceRun >= pauseWindows && length >= _minWindows)
        {
            // Middle of the silence heard so far: windows cut-1 and cut are both silent. The rest of the pause holds no speech,
            // so it cannot cut again before words follow.
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
