using System.Buffers.Binary;
using System.Globalization;
using NAudio.Wave;
using NAudio.Wave.SampleProviders;
using Wispr.Sidecar.IO;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>Reads any PCM/IEEE-float WAV and converts it to what every backend takes: 16 kHz mono float32.</summary>
public static class WavDecoder
{
    public const int SampleRate = 16_000;

    /// <summary>The rates the resampler is asked to handle; anything outside is a broken header, not audio.</summary>
    public const int MinSampleRate = 1_000;
    public const int MaxSampleRate = 384_000;

    /// <summary>Opens a WAV as a 16 kHz mono float sample provider. The returned reader must be disposed by the caller.</summary>
    public static (WaveFileReader Reader, ISampleProvider Samples) Open(string path) => Open(path, out _);

    private static (WaveFileReader Reader, ISampleProvider Samples) Open(string path, out WavHeader header)
    {
        header = WavHeader.Read(path);
        WaveFileReader reader;
        try
        {
            reader = new WaveFileReader(path);
        }
        catch (Exception ex) when (ex is FormatException or EndOfStreamException or InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new WisprException(WisprErrorCodes.AudioFormatUnsupported, $"Not a readable WAV file: {path} ({ex.Message})", ex);
        }

        try
        {
            ISampleProvider samples = reader.ToSampleProvider();
            if (samples.WaveFormat.Channels == 2)
                samples = new StereoToMonoSampleProvider(samples) { LeftVolume = 0.5f, RightVolume = 0.5f };
            if (samples.WaveFormat.SampleRate != SampleRate)
                samples = new WdlResamplingSampleProvider(samples, SampleRate);
            return (reader, samples);
        }
        catch (ArgumentException ex)
        {
            reader.Dispose();
            throw new WisprException(WisprErrorCodes.AudioFormatUnsupported, $"Unsupported WAV format in {path}: {ex.Message}", ex);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a whole WAV file as 16 kHz mono float32. Memory is bounded by the audio the file really holds (not what its header
    /// claims) and, when given, by <paramref name="maxSeconds"/>: a longer file fails with AudioTooLong before anything is read.
    /// </summary>
    public static float[] ReadMono16k(string path, int? maxSeconds = null)
    {
        var (reader, samples) = Open(path, out var header);
        using (reader)
        {
            long expected = header.OutputSamples;
            if (maxSeconds is int max && expected > (long)max * SampleRate + SampleRate / 10)
                throw new WisprException(WisprErrorCodes.AudioTooLong,
                    $"{path} holds {(expected / (double)SampleRate).ToString("0.0", CultureInfo.InvariantCulture)} s of audio; the longest recording transcribed " +
                    $"is {max.ToString(CultureInfo.InvariantCulture)} s (--maxRecordingSeconds). Split the file or raise the limit.");
            // The resampler may deliver a few samples more or less than the exact ratio; the list grows if it must.
            var result = new List<float>((int)Math.Min(expected + SampleRate / 10, Array.MaxLength));
            var chunk = new float[SampleRate / 10];
            int n;
            while ((n = samples.Read(chunk)) > 0)
                result.AddRange(chunk.AsSpan(0, n));
            return result.ToArray();
        }
    }
}

/// <summary>
/// The fields of a WAV header, each checked before NAudio sees the file: NAudio trusts them, so a sample rate of 1 made it plan an
/// 18.7 GB buffer for a 352 KB file and a 12-bit file failed deep inside with an exception no caller expected.
/// </summary>
public sealed record WavHeader(int Encoding, int Channels, int SampleRate, int BitsPerSample, int BlockAlign, long DataBytes)
{
    private const int Pcm = 1, IeeeFloat = 3, Extensible = 0xFFFE;

    /// <summary>Frames the file really holds (the data chunk clamped to the file's length).</summary>
    public long Frames => DataBytes / BlockAlign;

    /// <summary>The number of 16 kHz samples the file decodes to.</summary>
    public long OutputSamples => (long)Math.Ceiling(Frames * (double)WavDecoder.SampleRate / SampleRate);

    public static WavHeader Read(string path)
    {
        var kind = FileKinds.Of(path);
        if (kind == FileKind.Missing)
            throw new WisprException(WisprErrorCodes.AudioFileNotFound, $"Audio file not found: {path}");
        if (kind != FileKind.Regular)
            throw new WisprException(WisprErrorCodes.AudioFormatUnsupported, $"{path} is {FileKinds.Describe(kind)}, not a WAV file; only regular files are read.");
        try
        {
            using var stream = OpenShared(path);
            return Read(stream, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new WisprException(WisprErrorCodes.AudioFileNotFound, $"Audio file cannot be read: {path} ({ex.Message})", ex);
        }
    }

    private const int SharingViolation = unchecked((int)0x80070020);

    /// <summary>
    /// Opens a WAV file for reading. A recording's spool holds an exclusive lock while a dictation writes it (and until its
    /// text is confirmed). Locks this process holds are no reason to wait: the running dictation's file and the unconfirmed
    /// ones are refused before any read (<c>transcribeFile</c> answers InvalidState), and a kept recording is closed before
    /// its path is ever named. The lock met here is another process's: a process forked at the instant the spool closed holds
    /// a copy of the descriptor, and so of the lock, until it execs (.NET opens with O_CLOEXEC). Nothing signals that exec to
    /// this process, so the only way to wait for it is a bounded retry: every 20 ms for at most 2 s; a file still locked then
    /// belongs to a live dictation of another window's sidecar.
    /// </summary>
    internal static FileStream OpenShared(string path)
    {
        var deadline = Environment.TickCount64 + 2000;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan);
            }
            catch (IOException ex) when (ex.HResult == SharingViolation && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    public static WavHeader Read(Stream stream, string name)
    {
        long length = stream.Length;
        Span<byte> head = stackalloc byte[12];
        if (length < 12 || stream.ReadAtLeast(head, 12, throwOnEndOfStream: false) < 12)
            throw Bad(name, length == 0 ? "the file is empty" : "the file is too short for a WAV header");
        if (!head[..4].SequenceEqual("RIFF"u8) || !head[8..12].SequenceEqual("WAVE"u8))
            throw Bad(name, "it does not start with RIFF…WAVE");

        WavHeader? format = null;
        Span<byte> chunk = stackalloc byte[8];
        Span<byte> fmt = stackalloc byte[40];
        long position = 12;
        while (position + 8 <= length)
        {
            stream.Position = position;
            stream.ReadExactly(chunk);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            long body = position + 8;
            if (chunk[..4].SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + size > length)
                    throw Bad(name, $"its fmt chunk is {size.ToString(CultureInfo.InvariantCulture)} bytes");
                int n = (int)Math.Min(size, (uint)fmt.Length);
                stream.ReadExactly(fmt[..n]);
                format = ParseFormat(fmt[..n], name);
            }
            else if (chunk[..4].SequenceEqual("data"u8))
            {
                if (format is null)
                    throw Bad(name, "its data chunk comes before the fmt chunk");
                // Streaming writers leave 0 or 0xFFFFFFFF here; what counts is what the file holds.
                long data = Math.Min(size is 0 or uint.MaxValue ? long.MaxValue : size, length - body);
                data -= data % format.BlockAlign;
                return format with { DataBytes = data };
            }
            position = body + size + (size & 1); // chunks are padded to even sizes
        }
        throw Bad(name, format is null ? "it has no fmt chunk" : "it has no data chunk");
    }

    private static WavHeader ParseFormat(ReadOnlySpan<byte> fmt, string name)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        uint byteRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[8..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        int encoding = tag;
        if (tag == Extensible)
        {
            if (fmt.Length < 40)
                throw Bad(name, "its WAVE_FORMAT_EXTENSIBLE header is cut short");
            // The sub-format GUID starts with the real format tag.
            encoding = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }
        if (encoding is not (Pcm or IeeeFloat))
            throw Bad(name, $"its encoding (format tag 0x{encoding.ToString("X4", CultureInfo.InvariantCulture)}) is neither PCM nor IEEE float; use PCM or float");
        if (channels is < 1 or > 2)
            throw Bad(name, $"it has {channels.ToString(CultureInfo.InvariantCulture)} channels; mono or stereo is supported");
        if (rate is < WavDecoder.MinSampleRate or > WavDecoder.MaxSampleRate)
            throw Bad(name, $"its sample rate is {rate.ToString(CultureInfo.InvariantCulture)} Hz; {WavDecoder.MinSampleRate.ToString(CultureInfo.InvariantCulture)}–{WavDecoder.MaxSampleRate.ToString(CultureInfo.InvariantCulture)} Hz is supported");
        bool bitsOk = encoding == Pcm ? bits is 8 or 16 or 24 or 32 : bits == 32;
        if (!bitsOk)
            throw Bad(name, $"it has {bits.ToString(CultureInfo.InvariantCulture)}-bit {(encoding == Pcm ? "PCM" : "float")} samples; " +
                            "8, 16, 24 or 32-bit PCM or 32-bit float is supported");
        if (blockAlign != channels * bits / 8)
            throw Bad(name, $"its block align {blockAlign.ToString(CultureInfo.InvariantCulture)} does not match {channels.ToString(CultureInfo.InvariantCulture)} channels of {bits.ToString(CultureInfo.InvariantCulture)} bits");
        if (byteRate != rate * (uint)blockAlign)
            throw Bad(name, $"its byte rate {byteRate.ToString(CultureInfo.InvariantCulture)} does not match {rate.ToString(CultureInfo.InvariantCulture)} Hz × {blockAlign.ToString(CultureInfo.InvariantCulture)} bytes");
        return new WavHeader(encoding, channels, (int)rate, bits, blockAlign, 0);
    }

    private static WisprException Bad(string name, string why) =>
        new(WisprErrorCodes.AudioFormatUnsupported, $"Not a readable WAV file: {name} ({why}).");
}
