using System.Buffers.Binary;
using System.Text;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Whisper;

/// <summary>What validation learnt about a complete model file.</summary>
public sealed record WhisperModelInfo(
    string Path,
    WhisperHyperParameters HyperParameters,
    GgmlType WeightType,
    int VocabularyCount,
    int TensorCount,
    long FileSize);

/// <summary>Header, mel filters and vocabulary of a ggml Whisper file: everything before the first tensor.</summary>
/// <param name="Length">Byte offset where the tensors start.</param>
public sealed record WhisperModelPreamble(WhisperHyperParameters HyperParameters, int VocabularyCount, long Length);

/// <summary>
/// Walks a legacy ggml Whisper model (the ggml-*.bin files whisper.cpp publishes) with bounds checks before any native code
/// sees it. whisper.cpp trusts the file: a wrong vocabulary count makes it read tensor bytes as token lengths and allocate
/// without bound, an unknown ftype hits an assert, and a file cut inside its last tensor loads silently with garbage weights.
/// Tensor data is seeked over, never read, so this costs a few hundred small reads whatever the model size.
/// </summary>
public static class WhisperModelValidator
{
    /// <summary>Longest token in the published vocabularies is 128 bytes; whisper.cpp's own quantiser uses a 129-byte buffer.</summary>
    public const int MaxTokenBytes = 128;

    /// <summary>Every published converter writes the full 50,257-token byte-level BPE; the loader pads the rest up to n_vocab.</summary>
    public const int MinVocabularyCount = 50_257;

    private const int HeaderBytes = 4 + 11 * 4;
    private const int MaxNameBytes = 256;

    /// <summary>Checks the whole file and returns what it holds.</summary>
    /// <exception cref="WisprException"><see cref="WisprErrorCodes.ModelNotFound"/> if the file is missing,
    /// <see cref="WisprErrorCodes.ModelInvalid"/> naming the file and the problem otherwise.</exception>
    public static WhisperModelInfo Validate(string path)
    {
        using var reader = Open(path);
        var preamble = ReadPreamble(reader);
        var tensorCount = WalkTensors(reader, preamble.HyperParameters);
        var weightType = WhisperModelLayout.WeightType(preamble.HyperParameters.FType % WhisperModelLayout.QuantVersionFactor)!.Value;
        return new WhisperModelInfo(Path.GetFullPath(path), preamble.HyperParameters, weightType, preamble.VocabularyCount, tensorCount, reader.Length);
    }

    /// <summary>Checks only the part before the tensors; what the test-model generator reads from a vocabulary-only file.</summary>
    public static WhisperModelPreamble ReadPreamble(string path)
    {
        using var reader = Open(path);
        return ReadPreamble(reader);
    }

    private static BoundedReader Open(string path)
    {
        if (Directory.Exists(path))
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"Invalid Whisper model '{path}': it is a directory, not a model file.");
        var kind = IO.FileKinds.Of(path);
        if (kind == IO.FileKind.Missing)
            throw new WisprException(WisprErrorCodes.ModelNotFound, $"Whisper model not found: '{path}'.");
        if (kind != IO.FileKind.Regular) // opening a FIFO blocks until someone writes to it
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"Invalid Whisper model '{path}': it is {IO.FileKinds.Describe(kind)}, not a model file.");
        try
        {
            return new BoundedReader(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"Invalid Whisper model '{path}': cannot be read ({ex.Message}).", ex);
        }
    }

    private static WhisperModelPreamble ReadPreamble(BoundedReader r)
    {
        if (r.Length == 0)
            throw r.Invalid("the file is empty.");
        if (r.Length < HeaderBytes)
            throw r.Invalid($"the file is only {r.Length} bytes, shorter than the {HeaderBytes}-byte ggml header.");

        var magic = (uint)r.ReadInt32("magic");
        if (magic != WhisperModelLayout.Magic)
        {
            var hint = magic == 0x46554747 ? " It is a GGUF file; whisper.cpp needs a legacy ggml-*.bin Whisper model." : "";
            throw r.Invalid($"bad magic 0x{magic:x8} (expected 0x{WhisperModelLayout.Magic:x8} \"ggml\"); not a ggml Whisper model.{hint}");
        }

        var h = new WhisperHyperParameters(
            NVocab: r.ReadInt32("n_vocab"), NAudioCtx: r.ReadInt32("n_audio_ctx"), NAudioState: r.ReadInt32("n_audio_state"),
            NAudioHead: r.ReadInt32("n_audio_head"), NAudioLayer: r.ReadInt32("n_audio_layer"), NTextCtx: r.ReadInt32("n_text_ctx"),
            NTextState: r.ReadInt32("n_text_state"), NTextHead: r.ReadInt32("n_text_head"), NTextLayer: r.ReadInt32("n_text_layer"),
            NMels: r.ReadInt32("n_mels"), FType: r.ReadInt32("ftype"));
        CheckHyperParameters(r, h);

        // Mel filter bank: n_mel, n_fft, then n_mel*n_fft float32.
        var filterMels = r.ReadInt32("mel filter count");
        var filterFft = r.ReadInt32("mel filter FFT size");
        if (filterMels != h.NMels)
            throw r.Invalid($"the mel filter bank has {filterMels} filters but n_mels is {h.NMels}.");
        if (filterFft is < 1 or > 4096)
            throw r.Invalid($"mel filter FFT size {filterFft} is outside 1–4096 (Whisper uses 201).");
        r.Skip((long)filterMels * filterFft * sizeof(float), "mel filter bank");

        // Vocabulary: count, then (uint32 length, bytes) per token.
        var countOffset = r.Position;
        var count = r.ReadInt32("vocabulary count");
        Span<byte> token = stackalloc byte[MaxTokenBytes];
        if (count < MinVocabularyCount || count > h.NVocab)
            throw r.Invalid($"vocabulary count {count} at offset {countOffset} is outside {MinVocabularyCount}–{h.NVocab} (n_vocab).");
        for (var i = 0; i < count; i++)
        {
            var at = r.Position;
            if (r.Remaining < 4)
                throw r.Invalid($"the file ends inside token {i} of the {count} the vocabulary declares (offset {at}); the vocabulary count is larger than the tokens present.");
            var len = (uint)r.ReadInt32("token length");
            if (len > MaxTokenBytes || len > r.Remaining)
                throw r.Invalid($"token {i} of {count} at offset {at} claims {len} bytes (at most {MaxTokenBytes}, {r.Remaining} left in the file); "
                    + "the vocabulary is corrupt or its count is larger than the tokens present.");
            r.ReadExactly(token[..(int)len], "token"); // read, not seeked: tokens are tiny and seeking drops the buffer
        }

        return new WhisperModelPreamble(h, count, r.Position);
    }

    private static void CheckHyperParameters(BoundedReader r, WhisperHyperParameters h)
    {
        // Special-token ids and the language count are derived from n_vocab (whisper_vocab::num_languages); other values index out of range.
        if (h.NVocab is < 51_864 or > 51_866)
            throw r.Invalid($"n_vocab {h.NVocab} is not a Whisper vocabulary size (51864 English-only, 51865 multilingual, 51866 large-v3).");
        // Every Whisper model has 30 s windows: 1500 audio positions and 448 text positions; the graphs assume them.
        if (h.NAudioCtx != 1500)
            throw r.Invalid($"n_audio_ctx {h.NAudioCtx} is not 1500, the audio context of every Whisper model.");
        if (h.NTextCtx != 448)
            throw r.Invalid($"n_text_ctx {h.NTextCtx} is not 448, the text context of every Whisper model.");
        CheckStack(r, "audio", h.NAudioState, h.NAudioHead, h.NAudioLayer);
        CheckStack(r, "text", h.NTextState, h.NTextHead, h.NTextLayer);
        // whisper.cpp only asserts this in debug builds; release builds would mis-shape the cross attention.
        if (h.NTextState != h.NAudioState)
            throw r.Invalid($"n_text_state {h.NTextState} differs from n_audio_state {h.NAudioState}.");
        if (h.NMels is not (80 or 128))
            throw r.Invalid($"n_mels {h.NMels} is not 80 or 128.");

        var qntvr = h.FType / WhisperModelLayout.QuantVersionFactor;
        var weightType = h.FType < 0 ? null : WhisperModelLayout.WeightType(h.FType % WhisperModelLayout.QuantVersionFactor);
        if (weightType is null || qntvr > WhisperModelLayout.MaxQuantVersion)
            throw r.Invalid($"ftype {h.FType} is not supported (known: 0 f32, 1 f16, 2 q4_0, 3 q4_1, 7 q8_0, 8 q5_0, 9 q5_1, plus 1000 × quantisation version ≤ {WhisperModelLayout.MaxQuantVersion}).");
        var (block, _) = WhisperModelLayout.BlockLayout(weightType.Value);
        if (h.NAudioState % block != 0)
            throw r.Invalid($"n_audio_state {h.NAudioState} is not a multiple of the {weightType} block size {block}.");
    }

    private static void CheckStack(BoundedReader r, string which, int state, int heads, int layers)
    {
        if (state is < 1 or > 4096)
            throw r.Invalid($"n_{which}_state {state} is outside 1–4096.");
        if (heads is < 1 or > 64 || state % heads != 0)
            throw r.Invalid($"n_{which}_head {heads} is outside 1–64 or does not divide n_{which}_state {state}.");
        if (layers is < 1 or > 64)
            throw r.Invalid($"n_{which}_layer {layers} is outside 1–64.");
    }

    /// <summary>Reads every tensor header, checks it against the expected layout and seeks over its data. Returns the tensor count.</summary>
    private static int WalkTensors(BoundedReader r, WhisperHyperParameters h)
    {
        var expected = WhisperModelLayout.ExpectedTensors(h).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Span<int> dims = stackalloc int[4];
        Span<byte> nameBytes = stackalloc byte[MaxNameBytes];

        while (r.Remaining > 0)
        {
            var index = seen.Count;
            var at = r.Position;
            if (r.Remaining < 12)
                throw r.Invalid($"{r.Remaining} stray bytes at offset {at} after tensor {index}; the file is truncated or has trailing data.");
            var nDims = r.ReadInt32("tensor header");
            var nameLength = r.ReadInt32("tensor header");
            var type = r.ReadInt32("tensor header");
            if (nDims is < 1 or > 4)
                throw r.Invalid($"tensor {index} at offset {at} has {nDims} dimensions (1–4 allowed); the tensor data is misaligned or corrupt.");
            if (nameLength is < 1 or > MaxNameBytes)
                throw r.Invalid($"tensor {index} at offset {at} has a name length of {nameLength} (1–{MaxNameBytes} allowed); the tensor data is misaligned or corrupt.");
            dims.Fill(1);
            for (var d = 0; d < nDims; d++)
            {
                dims[d] = r.ReadInt32($"dimensions of tensor {index}");
                if (dims[d] < 1)
                    throw r.Invalid($"tensor {index} at offset {at} has dimension {d} = {dims[d]}.");
            }

            r.ReadExactly(nameBytes[..nameLength], $"name of tensor {index}");
            var name = Encoding.ASCII.GetString(nameBytes[..nameLength]);
            if (!expected.TryGetValue(name, out var spec))
                throw r.Invalid($"unknown tensor '{Printable(name)}' (tensor {index}, offset {at}).");
            if (!seen.Add(name))
                throw r.Invalid($"tensor '{name}' appears twice (second copy at offset {at}).");

            var expectedDims = new int[4];
            expectedDims.AsSpan().Fill(1);
            spec.Dims.CopyTo(expectedDims, 0);
            if (!dims.SequenceEqual(expectedDims))
                throw r.Invalid($"tensor '{name}' has shape [{string.Join(", ", dims.ToArray())}], expected [{string.Join(", ", expectedDims)}] for these hyper-parameters.");
            if (type != (int)spec.Type)
                throw r.Invalid($"tensor '{name}' is stored as ggml type {type}, expected {spec.Type} ({(int)spec.Type}) for ftype {h.FType}.");

            var dataAt = r.Position;
            var size = spec.ByteCount;
            if (size > r.Remaining)
                throw r.Invalid($"tensor '{name}' is truncated: its data needs {size} bytes at offset {dataAt} but the file ends at {r.Length} ({size - r.Remaining} bytes short).");
            r.Skip(size, $"data of tensor '{name}'");
        }

        if (seen.Count == 0)
            throw r.Invalid($"the file has no tensors (a vocabulary-only file?); {expected.Count} are required.");
        if (seen.Count != expected.Count)
        {
            var missing = expected.Keys.Where(k => !seen.Contains(k)).ToList();
            throw r.Invalid($"the file ends after {seen.Count} of {expected.Count} tensors; missing '{missing[0]}'"
                + (missing.Count > 1 ? $" and {missing.Count - 1} more" : "") + " (truncated?).");
        }

        return seen.Count;
    }

    private static string Printable(string s) =>
        string.Concat(s.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\x{(int)c:x2}"));

    /// <summary>A forward reader that refuses to read or seek past the end of the file and says where it failed.</summary>
    private sealed class BoundedReader : IDisposable
    {
        private readonly FileStream _stream;
        private readonly string _path;

        public BoundedReader(string path)
        {
            _path = path;
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024, FileOptions.SequentialScan);
            Length = _stream.Length;
        }

        public long Length { get; }
        public long Position { get; private set; }
        public long Remaining => Length - Position;

        public WisprException Invalid(string problem) =>
            new(WisprErrorCodes.ModelInvalid, $"Invalid Whisper model '{_path}': {problem}");

        public int ReadInt32(string what)
        {
            Span<byte> b = stackalloc byte[4];
            ReadExactly(b, what);
            return BinaryPrimitives.ReadInt32LittleEndian(b);
        }

        public void ReadExactly(Span<byte> buffer, string what)
        {
            if (buffer.Length > Remaining)
                throw Invalid($"the file ends inside the {what} at offset {Position} ({buffer.Length} bytes needed, {Remaining} left).");
            _stream.ReadExactly(buffer);
            Position += buffer.Length;
        }

        public void Skip(long count, string what)
        {
            if (count > Remaining)
                throw Invalid($"the file ends inside the {what} at offset {Position} ({count} bytes needed, {Remaining} left).");
            Position += count;
            _stream.Seek(Position, SeekOrigin.Begin);
        }

        public void Dispose() => _stream.Dispose();
    }
}
