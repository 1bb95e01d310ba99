using System.Diagnostics;
using Whisper.net;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Whisper;

namespace Wispr.Bench;

/// <summary>
/// The baseline: the same model and audio through Whisper.net in this process, with the sidecar's own decoding settings
/// (<see cref="WhisperBackend.ConfigureBuilder"/>), so sidecar ÷ direct is the cost of the process, protocol and capture path.
/// </summary>
public sealed class DirectRunner(string modelPath, int? maxTokens) : IDisposable
{
    private readonly WhisperFactory _factory = WhisperFactory.FromPath(modelPath);

    /// <summary>Transcribes already-decoded samples (the sidecar, too, holds the captured audio when stop arrives).</summary>
    /// <returns>Wall time from building the processor to the last segment, the decoder steps (every token whisper.cpp
    /// emitted, timestamps included), and the text joined as the sidecar joins it.</returns>
    public async Task<(double Ms, int Tokens, string Text)> RunAsync(float[] pcm)
    {
        var clock = Stopwatch.StartNew();
        // What the sidecar chooses by default (auto threads, the encoder context fitted to the clip), so the texts must agree.
        var builder = WhisperBackend.ConfigureBuilder(_factory.CreateBuilder(), RecognitionTuning.ThreadsNow(0), maxTokens, TranscribeOptions.Default,
            RecognitionTuning.AudioContextFor(pcm.Length, AudioContextMode.Fit));
        var tokens = 0;
        var texts = new List<string>();
        await using (var processor = builder.Build())
        {
            await foreach (var segment in processor.ProcessAsync(pcm))
            {
                tokens += segment.Tokens.Length;
                if (segment.Text.Trim() is { Length: > 0 } text)
                    texts.Add(text);
            }
        }

        return (clock.Elapsed.TotalMilliseconds, tokens, string.Join(' ', texts));
    }

    public void Dispose() => _factory.Dispose();
}
