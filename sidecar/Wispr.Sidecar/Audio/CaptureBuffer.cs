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
    public float[] TakeAndReset() => TakeAndReset(null);

    /// <summary>
    /// Returns a copy of <paramref name="range"/> [start, end) of what was captured (all of it when null; clamped to what exists)
    /// and rewinds the buffer, keeping its capacity. The pipeline's one copy: trimming happens here, not on a second array.
    /// </summary>
    public float[] TakeAndReset((int Start, int End)? range)
    {
        lock (_gate)
        {
            int start = Math.Clamp(range?.Start ?? 0, 0, _count);
            int end = Math.Clamp(range?.End ?? _count, start, _count);
            var copy = _data.AsSpan(start, end - start).ToArray();
            _count = 0;
            DroppedSamples = 0;
            return copy;
        }
    }

    /// <summary>
    /// Copies captured samples from <paramref name="start"/> into <paramref name="destination"/> (as many as fit and exist) and
    /// returns how many. How the spool writer and the segment transcriber read ranges without a second long-lived copy.
    /// </summary>
    public int CopyTo(int start, Span<float> destination)
    {
        lock (_gate)
        {
            int n = Math.Clamp(Math.Min(destination.Length, _count - start), 0, int.MaxValue);
            if (n > 0)
                _data.AsSpan(start, n).CopyTo(destination);
            return n;
        }
    }

    /// <summary>The largest absolute sample value in [start, end) (clamped to what exists).</summary>
    public float Peak(int start, int end)
    {
        lock (_gate)
        {
            start = Math.Clamp(start, 0, _count);
            end = Math.Clamp(end, start, _count);
            float peak = 0;
            foreach (var s in _data.AsSpan(start, end - start))
                peak = Math.Max(peak, Math.Abs(s));
            return peak;
        }
    }

    /// <summary>A copy of <paramref name="range"/> [start, end) of what was captured (all of it when null; clamped to what exists).</summary>
    public float[] Copy((int Start, int End)? range)
    {
        lock (_gate)
        {
            int start = Math.Clamp(range?.Start ?? 0, 0, _count);
            int end = Math.Clamp(range?.End ?? _count, start, _count);
            return _data.AsSpan(start, end - start).ToArray();
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
