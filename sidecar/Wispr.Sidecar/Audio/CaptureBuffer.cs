namespace Wispr.Sidecar.Audio;

/// <summary>
/// The one place captured audio accumulates. It is owned by the dictation service and reused across dictations:
/// <see cref="TakeAndReset"/> hands the pipeline one copy and rewinds, keeping the array so the next recording
/// does not reallocate. Growth stops at <see cref="MaxSamples"/>; later samples are counted as dropped, never silently.
/// </summary>
public sealed class CaptureBuffer(int maxSamples) : IAudioSink
{
    private readonly object _gate = new();
    private float[] _data = [];
    private int _count;

    public int MaxSamples { get; } = maxSamples > 0 ? maxSamples : throw new ArgumentOutOfRangeException(nameof(maxSamples));

    /// <summary>Capacity in samples (for tests and diagnostics: it must not grow across equal recordings).</summary>
    public int Capacity { get { lock (_gate) return _data.Length; } }

    public int Count { get { lock (_gate) return _count; } }

    /// <summary>Samples that arrived after the bound was reached, since the last reset.</summary>
    public long DroppedSamples { get; private set; }

    public void Write(ReadOnlySpan<float> samples)
    {
        lock (_gate)
        {
            int room = MaxSamples - _count;
            int take = Math.Min(room, samples.Length);
            if (take < samples.Length)
                DroppedSamples += samples.Length - take;
            if (take == 0)
                return;
            EnsureCapacity(_count + take);
            samples[..take].CopyTo(_data.AsSpan(_count));
            _count += take;
        }
    }

    /// <summary>Returns a copy of what was captured and rewinds the buffer, keeping its capacity.</summary>
    public float[] TakeAndReset()
    {
        lock (_gate)
        {
            var copy = _data.AsSpan(0, _count).ToArray();
            _count = 0;
            DroppedSamples = 0;
            return copy;
        }
    }

    /// <summary>Discards what was captured, keeping capacity.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _count = 0;
            DroppedSamples = 0;
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _data.Length)
            return;
        // Start at 30 s and double: a few reallocations for a long take, none once a user's usual length is reached.
        long next = Math.Max(_data.Length == 0 ? WavDecoder.SampleRate * 30 : (long)_data.Length * 2, needed);
        var grown = new float[(int)Math.Min(next, MaxSamples)];
        _data.AsSpan(0, _count).CopyTo(grown);
        _data = grown;
    }
}
