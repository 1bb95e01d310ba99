namespace Wispr.Sidecar.Audio;

/// <summary>Receives captured audio: 16 kHz mono float32 blocks, in order, from one source at a time.</summary>
public interface IAudioSink
{
    void Write(ReadOnlySpan<float> samples);
}

/// <summary>
/// Something that produces 16 kHz mono float32 audio: a WAV file played in real time today, a microphone later.
/// One dictation opens one source and disposes it when done.
/// </summary>
public interface IAudioSource : IAsyncDisposable
{
    /// <summary>For logs and messages, e.g. "wav:/path/file.wav".</summary>
    string Description { get; }

    /// <summary>
    /// Delivers audio to <paramref name="sink"/> until <paramref name="cancellationToken"/> is cancelled (the user stopped;
    /// the task then completes normally) or the source runs out (completes normally). A failing device faults the task;
    /// whatever was delivered before stays in the sink.
    /// </summary>
    Task RunAsync(IAudioSink sink, CancellationToken cancellationToken);
}
