using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Wispr.Sidecar.Recognition.Whisper;

namespace Wispr.ModelGen;

/// <summary>
/// Turns a vocabulary-only ggml Whisper file (header, mel filters, vocabulary) into a complete model with random weights,
/// so the real Whisper.net/whisper.cpp code can be exercised without downloading a real model. The output transcribes
/// nonsense, deterministically for a given seed.
/// </summary>
public static class WhisperModelGenerator
{
    /// <summary>Standard deviation of the random weights; small enough that activations stay finite through the layers.</summary>
    public const double WeightStdDev = 0.02;

    // Each chunk of a tensor gets its own generator seeded from (seed, tensor, chunk), so chunks can be filled in parallel
    // and the bytes still depend only on the seed.
    private const int ChunkElements = 1 << 16;

    /// <summary>Writes an f16 model of <paramref name="shape"/> to <paramref name="outputPath"/> (via a temporary file, then renamed).</summary>
    /// <returns>The number of tensors written.</returns>
    public static int Generate(string vocabOnlyPath, string outputPath, WhisperShape shape, int seed = 1) =>
        Generate(vocabOnlyPath, outputPath, shape, seed, GgmlType.F16);

    /// <summary>As <see cref="Generate(string,string,WhisperShape,int)"/>, with the 2-D weight matrices stored as
    /// <paramref name="weightType"/>: F16 (what published f16 models use), F32, or Q8_0 (quantised as ggml's reference quantiser does).</summary>
    public static int Generate(string vocabOnlyPath, string outputPath, WhisperShape shape, int seed, GgmlType weightType) =>
        Generate(vocabOnlyPath, outputPath, shape, seed, weightType, neverEndText: false);

    /// <summary>First token id that is not text in an English-only vocabulary (n_vocab 51864): end-of-text, then
    /// start-of-transcript, the task and special tokens, then the 1501 timestamps.</summary>
    public const int FirstSpecialToken = 50256;

    /// <summary>How far below zero a special token's logit sits, in units of sqrt(state); see <paramref name="neverEndText"/>.</summary>
    internal const float SpecialTokenPenalty = 8f;

    /// <param name="neverEndText">
    /// For benchmarks: random weights make whisper.cpp stop after about one word (end-of-text and timestamp tokens win),
    /// so the decoder does far less work than a real model would. With this set, <c>decoder.ln.bias</c> is a fixed vector
    /// u (entries ±1, |u| = sqrt(state)) and every special-token row of the tied token embedding is -8·u/|u|, so
    /// a special token's logit (LN(h) + u)·row = -8·(LN(h)·û + sqrt(state)) is at most 0 (|LN(h)| = sqrt(state)) and in
    /// practice about -8·sqrt(state), far below the text tokens' (about ±2). Greedy decoding then emits text tokens until
    /// the caller's token cap (whisper.cpp's max_tokens), so a benchmark can decode as many tokens as a real transcript has.
    /// </param>
    public static int Generate(string vocabOnlyPath, string outputPath, WhisperShape shape, int seed, GgmlType weightType, bool neverEndText) =>
        Generate(vocabOnlyPath, outputPath, shape, seed, weightType, neverEndText, nanWeights: false);

    /// <param name="nanWeights">
    /// For tests of a broken model: the encoder's final layer norm weight is NaN, so the model loads and validates but every
    /// encoder output is NaN and recognition yields no words (what real models with NaN weights do, slowly).
    /// </param>
    public static int Generate(string vocabOnlyPath, string outputPath, WhisperShape shape, int seed, GgmlType weightType, bool neverEndText, bool nanWeights)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ggml files are little-endian; this generator writes native floats.");
        var ftype = weightType switch
        {
            GgmlType.F32 => 0,
            GgmlType.F16 => 1,
            // whisper.cpp's quantiser stores qntvr * 1000 + ftype; write the same so the validator sees what real files carry.
            GgmlType.Q8_0 => WhisperModelLayout.MaxQuantVersion * WhisperModelLayout.QuantVersionFactor + 7,
            _ => throw new ArgumentOutOfRangeException(nameof(weightType), weightType, "supported: F32, F16, Q8_0"),
        };

        var preamble = WhisperModelValidator.ReadPreamble(vocabOnlyPath);
        var h = preamble.HyperParameters with
        {
            NAudioState = shape.State, NAudioHead = shape.Heads, NAudioLayer = shape.AudioLayers,
            NTextState = shape.State, NTextHead = shape.Heads, NTextLayer = shape.TextLayers,
            NMels = shape.Mels, FType = ftype,
        };
        var tensors = WhisperModelLayout.ExpectedTensors(h);

        var fullOutput = Path.GetFullPath(outputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullOutput)!);
        var temp = fullOutput + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                WriteHeader(output, h);
                CopyFiltersAndVocabulary(vocabOnlyPath, preamble.Length, shape.Mels, output);
                var writer = new TensorWriter(output, seed, neverEndText ? shape.State : 0, nanWeights);
                for (var i = 0; i < tensors.Count; i++)
                    writer.Write(tensors[i], i);
            }

            File.Move(temp, fullOutput, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        return tensors.Count;
    }

    private static void WriteHeader(Stream output, WhisperHyperParameters h)
    {
        Span<int> values =
        [
            unchecked((int)WhisperModelLayout.Magic), h.NVocab, h.NAudioCtx, h.NAudioState, h.NAudioHead, h.NAudioLayer,
            h.NTextCtx, h.NTextState, h.NTextHead, h.NTextLayer, h.NMels, h.FType,
        ];
        output.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>
    /// Copies the mel filters and vocabulary verbatim: whisper.cpp's tokenizer needs the real vocabulary. When the shape has
    /// another number of mel bins than the source (128 for large-v3-turbo, 80 in the tiny.en file), the filter bank is
    /// computed instead (<see cref="SlaneyMelFilters"/>, what Whisper's own mel_filters.npz holds).
    /// </summary>
    private static void CopyFiltersAndVocabulary(string vocabOnlyPath, long preambleLength, int mels, Stream output)
    {
        const int headerBytes = 4 + 11 * 4;
        using var input = File.OpenRead(vocabOnlyPath);
        input.Seek(headerBytes, SeekOrigin.Begin);
        Span<int> filterHeader = stackalloc int[2];
        input.ReadExactly(MemoryMarshal.AsBytes(filterHeader));
        var (sourceMels, bins) = (filterHeader[0], filterHeader[1]);
        if (sourceMels == mels)
            input.Seek(headerBytes, SeekOrigin.Begin);
        else
        {
            input.Seek((long)sourceMels * bins * sizeof(float), SeekOrigin.Current);
            Span<int> header = [mels, bins];
            output.Write(MemoryMarshal.AsBytes(header));
            output.Write(MemoryMarshal.AsBytes(SlaneyMelFilters(mels, bins).AsSpan()));
        }

        var buffer = new byte[1 << 16];
        var left = preambleLength - input.Position;
        while (left > 0)
        {
            var n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0)
                throw new EndOfStreamException($"'{vocabOnlyPath}' changed while it was being read.");
            output.Write(buffer, 0, n);
            left -= n;
        }
    }

    /// <summary>
    /// librosa.filters.mel(sr=16000, n_fft=400, n_mels) with its defaults (Slaney mel scale and area normalisation), which is
    /// how Whisper's filter banks were made; row-major [mels, bins] as the ggml file stores them.
    /// </summary>
    internal static float[] SlaneyMelFilters(int mels, int bins)
    {
        const double sampleRate = 16000, fSp = 200.0 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp;
        var logStep = Math.Log(6.4) / 27.0;
        static double Clamp0(double x) => x < 0 ? 0 : x;
        double HzToMel(double hz) => hz < minLogHz ? hz / fSp : minLogMel + Math.Log(hz / minLogHz) / logStep;
        double MelToHz(double mel) => mel < minLogMel ? mel * fSp : minLogHz * Math.Exp(logStep * (mel - minLogMel));

        var top = HzToMel(sampleRate / 2);
        var points = Enumerable.Range(0, mels + 2).Select(i => MelToHz(top * i / (mels + 1))).ToArray();
        var filters = new float[mels * bins];
        for (var m = 0; m < mels; m++)
        {
            var norm = 2.0 / (points[m + 2] - points[m]);
            for (var b = 0; b < bins; b++)
            {
                var hz = sampleRate / 2 * b / (bins - 1);
                var lower = (hz - points[m]) / (points[m + 1] - points[m]);
                var upper = (points[m + 2] - hz) / (points[m + 2] - points[m + 1]);
                filters[m * bins + b] = (float)(Clamp0(Math.Min(lower, upper)) * norm);
            }
        }

        return filters;
    }

    /// <summary>Layer norms start as the identity (weight 1, bias 0), as in a freshly initialised Whisper.</summary>
    internal static bool IsLayerNorm(string tensorName)
    {
        var module = tensorName[..tensorName.LastIndexOf('.')];
        var last = module[(module.LastIndexOf('.') + 1)..];
        return last is "ln" or "ln_post" || last.EndsWith("_ln", StringComparison.Ordinal);
    }

    /// <summary>Entry i of the fixed vector u used by <c>neverEndText</c>: ±1, so |u| = sqrt(state).</summary>
    internal static float NeverEndBias(long i) => (i & 1) == 0 ? 1f : -1f;

    /// <param name="neverEndState">0 for plain random weights; else the model state, and special tokens are pushed down (see Generate).</param>
    private sealed class TensorWriter(Stream output, int seed, int neverEndState, bool nanWeights)
    {
        private readonly int _parallelChunks = Math.Max(1, Environment.ProcessorCount) * 2;
        private float[][]? _floats;
        private byte[][]? _bytes;

        public void Write(WhisperTensorSpec spec, int tensorIndex)
        {
            WriteTensorHeader(spec);
            var count = spec.ElementCount;
            if (neverEndState > 0 && spec.Name == "decoder.ln.bias")
            {
                var bias = new float[count];
                for (var i = 0; i < bias.Length; i++)
                    bias[i] = NeverEndBias(i);
                output.Write(MemoryMarshal.AsBytes(bias.AsSpan()));
                return;
            }

            if (nanWeights && spec.Name == "encoder.ln_post.weight")
            {
                WriteConstant(count, float.NaN);
                return;
            }

            if (IsLayerNorm(spec.Name))
            {
                WriteConstant(count, spec.Name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f);
                return;
            }

            // Rows of the tied token embedding at or after FirstSpecialToken become -penalty·û (û = u/|u|).
            var firstSpecial = neverEndState > 0 && spec.Name == "decoder.token_embedding.weight"
                ? (long)FirstSpecialToken * neverEndState : long.MaxValue;
            var specialValue = SpecialTokenPenalty / MathF.Sqrt(neverEndState);

            _floats ??= Enumerable.Range(0, _parallelChunks).Select(_ => new float[ChunkElements]).ToArray();
            _bytes ??= Enumerable.Range(0, _parallelChunks).Select(_ => new byte[ChunkElements * sizeof(float)]).ToArray();
            var floats = _floats;
            var bytes = _bytes;
            var encoded = new int[_parallelChunks];

            // Chunks never split a Q8_0 block: chunk starts and every quantised row length are multiples of 32.
            var chunks = (int)((count + ChunkElements - 1) / ChunkElements);
            for (var first = 0; first < chunks; first += _parallelChunks)
            {
                var group = Math.Min(_parallelChunks, chunks - first);
                Parallel.For(0, group, g =>
                {
                    var chunk = first + g;
                    var values = floats[g].AsSpan(0, ChunkLength(count, chunk));
                    FillNormal(values, ChunkSeed(seed, tensorIndex, chunk));
                    var start = (long)chunk * ChunkElements;
                    for (var i = (int)Math.Clamp(firstSpecial - start, 0, values.Length); i < values.Length; i++)
                        values[i] = -specialValue * NeverEndBias((start + i) % neverEndState);
                    encoded[g] = Encode(values, spec.Type, bytes[g]);
                });
                for (var g = 0; g < group; g++)
                    output.Write(bytes[g], 0, encoded[g]);
            }
        }

        private static int ChunkLength(long count, int chunk) => (int)Math.Min(ChunkElements, count - (long)chunk * ChunkElements);

        private void WriteTensorHeader(WhisperTensorSpec spec)
        {
            var name = Encoding.ASCII.GetBytes(spec.Name);
            Span<int> header = stackalloc int[3 + spec.Dims.Length];
            header[0] = spec.Dims.Length;
            header[1] = name.Length;
            header[2] = (int)spec.Type;
            spec.Dims.CopyTo(header[3..]);
            output.Write(MemoryMarshal.AsBytes(header)); // little-endian checked in Generate
            output.Write(name);
        }

        private void WriteConstant(long count, float value)
        {
            // Only layer norms come here, which are f32 vectors of at most a few thousand elements.
            var values = new float[count];
            Array.Fill(values, value);
            output.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    /// <summary>Encodes floats as ggml stores <paramref name="type"/>; returns the byte count.</summary>
    private static int Encode(ReadOnlySpan<float> values, GgmlType type, Span<byte> destination)
    {
        switch (type)
        {
            case GgmlType.F32:
                MemoryMarshal.AsBytes(values).CopyTo(destination);
                return values.Length * sizeof(float);
            case GgmlType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(destination);
                for (var i = 0; i < values.Length; i++)
                    halves[i] = (Half)values[i];
                return values.Length * 2;
            case GgmlType.Q8_0:
                // block_q8_0: f16 scale d, then 32 int8 with x ≈ d * q (ggml's quantize_row_q8_0_ref).
                var (blockElements, blockBytes) = WhisperModelLayout.BlockLayout(type);
                var written = 0;
                for (var b = 0; b < values.Length; b += blockElements)
                {
                    var block = values.Slice(b, blockElements);
                    var amax = 0f;
                    foreach (var v in block)
                        amax = MathF.Max(amax, MathF.Abs(v));
                    var d = amax / 127f;
                    var id = d != 0 ? 1f / d : 0f;
                    MemoryMarshal.Write(destination[written..], (Half)d);
                    for (var i = 0; i < blockElements; i++)
                        destination[written + 2 + i] = unchecked((byte)(sbyte)MathF.Round(block[i] * id, MidpointRounding.AwayFromZero));
                    written += blockBytes;
                }

                return written;
            default:
                throw new NotSupportedException($"the generator does not write {type}");
        }
    }

    private static ulong ChunkSeed(int seed, int tensorIndex, int chunk) =>
        SplitMix64((ulong)(uint)seed << 32 ^ SplitMix64((ulong)tensorIndex << 32 | (uint)chunk));

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>N(0, <see cref="WeightStdDev"/>) by Box-Muller over xoshiro256** uniforms.</summary>
    internal static void FillNormal(Span<float> destination, ulong seed)
    {
        ulong s0 = SplitMix64(seed), s1 = SplitMix64(s0), s2 = SplitMix64(s1), s3 = SplitMix64(s2);
        ulong Next()
        {
            var result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
            var t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = BitOperations.RotateLeft(s3, 45);
            return result;
        }

        const double scale = 1.0 / (1UL << 53);
        for (var i = 0; i < destination.Length; i += 2)
        {
            var u1 = ((Next() >> 11) + 1) * scale; // (0, 1]: log stays finite
            var u2 = (Next() >> 11) * scale;       // [0, 1)
            var r = Math.Sqrt(-2.0 * Math.Log(u1)) * WeightStdDev;
            var (sin, cos) = Math.SinCos(2.0 * Math.PI * u2);
            destination[i] = (float)(r * cos);
            if (i + 1 < destination.Length)
                destination[i + 1] = (float)(r * sin);
        }
    }
}
