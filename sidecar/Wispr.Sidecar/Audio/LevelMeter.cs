using System.Diagnostics;

namespace Wispr.Sidecar.Audio;

/// <summary>One input-level reading: linear RMS and peak (0..1) since the previous one, and how long the input has been silent.</summary>
public readonly record struct AudioLevel(float Rms, float Peak, long SilentMs);

/// <summary>
/// Measures the level of captured audio and reports it at most once per <see cref="Interval"/> of wall-clock time
/// (50 ms: at most 20 a second, however fast the source delivers). "Silent" means the peak stayed under -60 dBFS
/// (a muted or disconnected input), counted in audio time.
/// </summary>
public sealed class LevelMeter(Action<AudioLevel> report)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    public const float SilencePeak = 1e-3f; // -60 dBFS

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastReport;
    private double _sumSquares;
    private long _count;
    private float _peak;
    private long _silentSamples;

    public void Write(ReadOnlySpan<float> samples)
    {
        foreach (var s in samples)
        {
            var a = Math.Abs(s);
            _sumSquares += (double)s * s;
            if (a > _peak)
                _peak = a;
            _silentSamples = a >= SilencePeak ? 0 : _silentSamples + 1;
        }
        _count += samples.Length;
        var now = _clock.Elapsed;
        if (_count == 0 || (_lastReport is { } last && now - last < Interval))
            return;
        _lastReport = now;
        report(new AudioLevel((float)Math.Sqrt(_sumSquares / _count), _peak, _silentSamples * 1000 / WavDecoder.SampleRate));
        _sumSquares = 0;
        _count = 0;
        _peak = 0;
    }
}
