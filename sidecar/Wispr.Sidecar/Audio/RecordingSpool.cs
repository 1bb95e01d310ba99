using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wispr.Sidecar.Audio;

/// <summary>
/// Appends a dictation's audio to a WAV file (16 kHz mono float32) as it is captured, so the words survive the process: a
/// crash, a kill or a closed pipe leaves a playable file. The header is written first and its two sizes are patched after
/// every block, so the file is valid at every moment (a kill between a block and its patch leaves a few samples past the
/// declared size, which <see cref="RecordingStore"/> repairs). It keeps no copy of the audio: a dictation's
/// <see cref="SpoolWriter"/> hands it blocks from the capture buffer, off the capture path, written with positional writes.
/// </summary>
/// <remarks>
/// The file is opened exclusively (an advisory lock on Unix), which is how <see cref="RecordingStore"/> tells a recording in
/// use by a live sidecar (this one or another window's) from one left behind. A write that fails (full disk, folder gone)
/// deletes the file, so no truncated WAV is ever left, and <see cref="Error"/> says why.
/// </remarks>
public sealed class RecordingSpool : IDisposable
{
    public const int HeaderBytes = 44;
    private const int BytesPerSample = sizeof(float);

    private readonly object _gate = new();
    private readonly byte[] _size = new byte[4]; // reused for every size patch
    private SafeFileHandle? _handle;
    private long _dataBytes;
    private bool _keep;

    private RecordingSpool(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    /// <summary>Why the recording could not be kept (the file is then gone), or null while it is being written fine.</summary>
    public string? Error { get; private set; }

    /// <summary>Samples written so far.</summary>
    public long Samples { get { lock (_gate) return _dataBytes / BytesPerSample; } }

    /// <summary>Creates the file with a complete header for zero samples. Throws IOException/UnauthorizedAccessException when it cannot.</summary>
    public static RecordingSpool Create(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        try
        {
            RandomAccess.Write(handle, Header(0), 0);
            return new RecordingSpool(path, handle);
        }
        catch
        {
            handle.Dispose();
            TryDelete(path);
            throw;
        }
    }

    /// <summary>The canonical 44-byte header of a 16 kHz mono IEEE-float WAV holding <paramref name="dataBytes"/> bytes of samples.</summary>
    public static byte[] Header(long dataBytes)
    {
        var h = new byte[HeaderBytes];
        var s = h.AsSpan();
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(s[20..], 3); // WAVE_FORMAT_IEEE_FLOAT
        BinaryPrimitives.WriteUInt16LittleEndian(s[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], WavDecoder.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], WavDecoder.SampleRate * BytesPerSample);
        BinaryPrimitives.WriteUInt16LittleEndian(s[32..], BytesPerSample);
        BinaryPrimitives.WriteUInt16LittleEndian(s[34..], 8 * BytesPerSample);
        "data"u8.CopyTo(s[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], (uint)dataBytes);
        return h;
    }

    /// <summary>Appends samples and patches the header. Never throws: a failure deletes the file and sets <see cref="Error"/>.</summary>
    public void Write(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
            return;
        lock (_gate)
        {
            if (_handle is null)
                return;
            try
            {
                // Samples are little-endian float32 in memory on every platform .NET runs this on: the bytes go as they are.
                RandomAccess.Write(_handle, MemoryMarshal.AsBytes(samples), HeaderBytes + _dataBytes);
                _dataBytes += (long)samples.Length * BytesPerSample;
                BinaryPrimitives.WriteUInt32LittleEndian(_size, (uint)(36 + _dataBytes));
                RandomAccess.Write(_handle, _size, 4);
                BinaryPrimitives.WriteUInt32LittleEndian(_size, (uint)_dataBytes);
                RandomAccess.Write(_handle, _size, 40);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                FailLocked(ex.Message);
            }
        }
    }

    /// <summary>Closes the file and keeps it (recognition failed, or the sidecar is shutting down mid-dictation). Returns its path, or null if it was lost.</summary>
    public string? Keep()
    {
        lock (_gate)
        {
            if (_handle is null)
                return _keep ? Path : null;
            _keep = true;
            try
            {
                RandomAccess.FlushToDisk(_handle);
            }
            catch (IOException ex)
            {
                FailLocked(ex.Message);
                return null;
            }
            _handle.Dispose();
            _handle = null;
            return Path;
        }
    }

    /// <summary>
    /// Flushes the finished recording to disk but keeps it open, and so locked: its words are on their way to the client, so it
    /// is nobody's leftover yet. False (with <see cref="Error"/>) when it was lost.
    /// </summary>
    public bool Seal()
    {
        lock (_gate)
        {
            if (_handle is null)
                return false;
            try
            {
                RandomAccess.FlushToDisk(_handle);
                return true;
            }
            catch (IOException ex)
            {
                FailLocked(ex.Message);
                return false;
            }
        }
    }

    /// <summary>Closes and deletes the file: its words were delivered, or the dictation was discarded.</summary>
    public void Delete()
    {
        lock (_gate)
        {
            _handle?.Dispose();
            _handle = null;
            _keep = false;
            TryDelete(Path);
        }
    }

    private void FailLocked(string why)
    {
        Error = why;
        _handle?.Dispose();
        _handle = null;
        TryDelete(Path);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Closes the file without deciding: kept as it is (a valid WAV), so nothing is lost by an unexpected path.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _handle?.Dispose();
            _handle = null;
        }
    }
}
