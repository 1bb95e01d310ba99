using System.Threading.Channels;

namespace Wispr.Sidecar.Audio;

/// <summary>
/// Moves a dictation's disk writes off the capture path: capture only signals (<see cref="Pulse"/>, never blocks), and one
/// background loop copies what the capture buffer gained since the last write into a small reusable block and appends it
/// to the <see cref="RecordingSpool"/>. The buffer is the only copy of the audio; a slow disk lets the file lag behind,
/// never the capture. The buffer must not be reset before <see cref="CompleteAsync"/> or <see cref="AbandonAsync"/> returns.
/// </summary>
public sealed class SpoolWriter : IDisposable
{
    private const int BlockSamples = WavDecoder.SampleRate / 2; // 0.5 s per write at most: 32 KB, reused

    private readonly RecordingSpool _spool;
    private readonly CaptureBuffer _buffer;
    private readonly Action<string> _onFailed;
    // A wake-up signal, not a queue: one pending pulse is as good as many.
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _abandon = new();
    private readonly Task _loop;
    private int _written;

    /// <param name="onFailed">Called once, on the writer's thread, when the spool fails (the file is then deleted); gets why.</param>
    public SpoolWriter(RecordingSpool spool, CaptureBuffer buffer, Action<string> onFailed)
    {
        _spool = spool;
        _buffer = buffer;
        _onFailed = onFailed;
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    public RecordingSpool Spool => _spool;

    /// <summary>For tests: runs before each block is written (a slow disk).</summary>
    internal Action? BeforeWrite { get; set; }

    /// <summary>New samples are in the buffer. Never blocks.</summary>
    public void Pulse() => _signal.Writer.TryWrite(true);

    /// <summary>Writes whatever the buffer holds that the file does not yet, then stops.</summary>
    public async Task CompleteAsync()
    {
        _signal.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    /// <summary>Stops without writing the rest (the file is about to be deleted).</summary>
    public async Task AbandonAsync()
    {
        _abandon.Cancel();
        _signal.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    /// <summary>Only after <see cref="CompleteAsync"/> or <see cref="AbandonAsync"/>; the spool itself is its owner's to close.</summary>
    public void Dispose()
    {
        if (_loop.IsCompleted)
        {
            _abandon.Dispose();
            return;
        }
        _abandon.Cancel(); // a path that skipped both: stop writing; the CTS is left to the collector as the loop may still look at it
        _signal.Writer.TryComplete();
    }

    private async Task RunAsync()
    {
        var block = new float[BlockSamples];
        try
        {
            while (await _signal.Reader.WaitToReadAsync(_abandon.Token).ConfigureAwait(false))
            {
                _signal.Reader.TryRead(out _);
                if (!Drain(block))
                    return;
            }
            Drain(block); // completed: what arrived before the completion
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
        }
    }

    /// <summary>False once the spool has failed (nothing more is written).</summary>
    private bool Drain(float[] block)
    {
        while (!_abandon.IsCancellationRequested && _spool.Error is null)
        {
            int n = _buffer.CopyTo(_written, block);
            if (n == 0)
                return true;
            BeforeWrite?.Invoke();
            _spool.Write(block.AsSpan(0, n));
            _written += n;
            if (_spool.Error is { } error)
            {
                _onFailed(error);
                return false;
            }
        }
        return _spool.Error is null;
    }
}
