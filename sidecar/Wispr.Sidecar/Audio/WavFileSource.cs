using System.Diagnostics;
using NAudio.Wave;

namespace Wispr.Sidecar.Audio;

/// <summary>Plays a WAV file into the pipeline as if it were a microphone: 20 ms blocks, paced in real time unless told otherwise.</summary>
public sealed class WavFileSource : IAudioSource
{
    private const int BlockSamples = WavDecoder.SampleRate / 50; // 20 ms, a typical capture period
    private readonly WaveFileReader _reader;
    private readonly ISampleProvider _samples;
    private readonly bool _realtime;

    /// <summary>Opens the file now, so a missing or unreadable file fails the start call rather than the capture.</summary>
    public WavFileSource(string path, bool realtime)
    {
        (_reader, _samples) = WavDecoder.Open(path);
        _realtime = realtime;
        Description = $"wav:{path}";
    }

    public string Description { get; }

    public async Task RunAsync(IAudioSink sink, CancellationToken cancellationToken)
    {
        var block = new float[BlockSamples];
        var clock = Stopwatch.StartNew();
        long delivered = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            int n = _samples.Read(block);
            if (n <= 0)
                return;
            sink.Write(block.AsSpan(0, n));
            delivered += n;
            if (_realtime)
            {
                // Pace against the wall clock, not per-block sleeps, so timer slack does not accumulate.
                var due = TimeSpan.FromSeconds((double)delivered / WavDecoder.SampleRate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    try { await Task.Delay(due, cancellationToken).ConfigureAwait(false); }
                    catch (OperationCanceledException) { return; }
                }
            }
            else
            {
                await Task.Yield();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        return ValueTask.CompletedTask;
    }
}
