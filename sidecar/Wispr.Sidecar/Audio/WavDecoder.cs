using NAudio.Wave;
using NAudio.Wave.SampleProviders;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>Reads any PCM/IEEE-float WAV and converts it to what every backend takes: 16 kHz mono float32.</summary>
public static class WavDecoder
{
    public const int SampleRate = 16_000;

    /// <summary>Opens a WAV as a 16 kHz mono float sample provider. The returned reader must be disposed by the caller.</summary>
    public static (WaveFileReader Reader, ISampleProvider Samples) Open(string path)
    {
        if (!File.Exists(path))
            throw new WisprException(WisprErrorCodes.AudioFileNotFound, $"Audio file not found: {path}");
        WaveFileReader reader;
        try
        {
            reader = new WaveFileReader(path);
        }
        catch (Exception ex) when (ex is FormatException or EndOfStreamException or InvalidDataException or ArgumentException)
        {
            throw new WisprException(WisprErrorCodes.AudioFormatUnsupported, $"Not a readable WAV file: {path} ({ex.Message})", ex);
        }

        try
        {
            var enc = reader.WaveFormat.Encoding;
            if (enc is not (WaveFormatEncoding.Pcm or WaveFormatEncoding.IeeeFloat or WaveFormatEncoding.Extensible))
                throw new WisprException(WisprErrorCodes.AudioFormatUnsupported, $"Unsupported WAV encoding {enc} in {path}; use PCM or float.");
            ISampleProvider samples = reader.ToSampleProvider();
            if (samples.WaveFormat.Channels == 2)
                samples = new StereoToMonoSampleProvider(samples) { LeftVolume = 0.5f, RightVolume = 0.5f };
            else if (samples.WaveFormat.Channels > 2)
                throw new WisprException(WisprErrorCodes.AudioFormatUnsupported, $"{samples.WaveFormat.Channels}-channel audio is not supported: {path}");
            if (samples.WaveFormat.SampleRate != SampleRate)
                samples = new WdlResamplingSampleProvider(samples, SampleRate);
            return (reader, samples);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole WAV file as 16 kHz mono float32.</summary>
    public static float[] ReadMono16k(string path)
    {
        var (reader, samples) = Open(path);
        using (reader)
        {
            var estimate = (int)Math.Min(int.MaxValue / 2, (long)(reader.TotalTime.TotalSeconds * SampleRate) + SampleRate);
            var result = new List<float>(estimate);
            var chunk = new float[SampleRate / 10];
            int n;
            while ((n = samples.Read(chunk)) > 0)
                result.AddRange(chunk.AsSpan(0, n));
            return result.ToArray();
        }
    }
}
