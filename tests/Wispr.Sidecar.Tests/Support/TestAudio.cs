using NAudio.Wave;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>Writes small WAV files for tests into a temp folder that is deleted with the instance.</summary>
public sealed class TestAudio : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("wispr-audio-").FullName;

    /// <summary>A 440 Hz tone at the given rate/channels, 16-bit PCM.</summary>
    public string Tone(double seconds, int sampleRate = 16000, int channels = 1, float amplitude = 0.3f, string? name = null)
    {
        var path = Path.Combine(Folder, name ?? $"tone-{seconds}-{sampleRate}-{channels}-{amplitude}.wav");
        using var w = new WaveFileWriter(path, new WaveFormat(sampleRate, 16, channels));
        int frames = (int)(seconds * sampleRate);
        var frame = new float[channels];
        for (int i = 0; i < frames; i++)
        {
            Array.Fill(frame, amplitude * MathF.Sin(2 * MathF.PI * 440 * i / sampleRate));
            w.WriteSamples(frame, 0, channels);
        }
        return path;
    }

    public string Silence(double seconds) => Tone(seconds, amplitude: 0f, name: $"silence-{seconds}.wav");

    public string Text(string content, string name = "not-audio.wav")
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
