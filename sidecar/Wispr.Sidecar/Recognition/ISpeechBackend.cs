namespace Wispr.Sidecar.Recognition;

/// <summary>
/// A loaded speech recogniser. Instances are created fully loaded by a backend's static LoadAsync and own
/// their native resources; DisposeAsync waits for any transcription in flight, then frees them.
/// </summary>
public interface ISpeechBackend : IAsyncDisposable
{
    /// <summary>Backend id as used on the wire: "whisper" or "parakeet".</summary>
    string Name { get; }

    /// <summary>Full path of the model file this instance loaded.</summary>
    string ModelPath { get; }

    /// <summary>Transcribes 16 kHz mono float32 samples. Segment times are relative to the start of <paramref name="pcm16kMono"/>.</summary>
    IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options, CancellationToken cancellationToken);
}

public sealed record TranscriptSegment(TimeSpan Start, TimeSpan End, string Text);

/// <param name="Language">ISO code, or null for the model's default.</param>
/// <param name="Prompt">Initial prompt (vocabulary hints), or null.</param>
public sealed record TranscribeOptions(string? Language = "en", string? Prompt = null)
{
    public static TranscribeOptions Default { get; } = new();
}
