namespace Wispr.Sidecar.Audio;

/// <summary>
/// Hands-free bookkeeping on top of the VAD's per-window probabilities: where speech starts and ends (with hysteresis),
/// when a silence after speech has lasted long enough to end the dictation, and which part of the recording to hand to ASR.
/// </summary>
public sealed class SpeechTracker(int silenceMs)
{
    public const float StartThreshold = 0.5f;
    public const float EndThreshold = 0.35f;
    /// <summary>Speech shorter than this is a click or a cough, not a reason to keep listening.</summary>
    public const int MinSpeechMs = 96;
    private const int WindowMs = SileroVad.WindowSamples * 1000 / WavDecoder.SampleRate; // 32
    /// <summary>Hands-free with nothing said at all ends after this long (the stop then answers NoSpeech), rather than at the recording bound.</summary>
    public const int NoSpeechTimeoutMs = 30_000;
    /// <summary>Kept around the speech when trimming, so word onsets and tails are not clipped.</summary>
    public const int PadMs = 300;

    private bool _inSpeech;
    private int _speechRun;
    private int _window;

    public int SilenceMs { get; } = silenceMs;
    public int? FirstSpeechWindow { get; private set; }
    public int? LastSpeechWindow { get; private set; }
    public bool HeardSpeech => LastSpeechWindow is not null;

    /// <summary>
    /// Feeds the next window's probability; returns true once the silence after speech has reached <see cref="SilenceMs"/>,
    /// or when no speech at all came within <see cref="NoSpeechTimeoutMs"/>.
    /// </summary>
    public bool Add(float probability)
    {
        int w = _window++;
        if (probability >= StartThreshold || (_inSpeech && probability >= EndThreshold))
        {
            _speechRun++;
            if (_speechRun * WindowMs >= MinSpeechMs || _inSpeech)
            {
                if (!_inSpeech)
                    FirstSpeechWindow ??= w - _speechRun + 1;
                _inSpeech = true;
                LastSpeechWindow = w;
            }
        }
        else
        {
            _inSpeech = false;
            _speechRun = 0;
        }
        if (LastSpeechWindow is int last)
            return (w - last) * WindowMs >= SilenceMs;
        return (w + 1) * WindowMs >= NoSpeechTimeoutMs;
    }

    /// <summary>The sample range [start, end) to transcribe: the speech plus <see cref="PadMs"/> each side; null when no speech was heard.</summary>
    public (int Start, int End)? SpeechRange(int totalSamples)
    {
        if (FirstSpeechWindow is not int first || LastSpeechWindow is not int last)
            return null;
        int pad = PadMs * WavDecoder.SampleRate / 1000;
        int start = Math.Max(0, first * SileroVad.WindowSamples - pad);
        int end = Math.Min(totalSamples, (last + 1) * SileroVad.WindowSamples + pad);
        return end > start ? (start, end) : null;
    }
}
