namespace Wispr.Sidecar.Recognition.Whisper;

/// <summary>ggml tensor element types that whisper.cpp's legacy model files use (values as in ggml.h).</summary>
public enum GgmlType
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
}

/// <summary>The eleven int32 hyper-parameters that follow the magic in a ggml Whisper file, in file order.</summary>
public sealed record WhisperHyperParameters(
    int NVocab,
    int NAudioCtx,
    int NAudioState,
    int NAudioHead,
    int NAudioLayer,
    int NTextCtx,
    int NTextState,
    int NTextHead,
    int NTextLayer,
    int NMels,
    int FType);

/// <summary>One tensor the loader expects: its name, stored type and dimensions in ggml order (ne0 first, the reverse of numpy).</summary>
public sealed record WhisperTensorSpec(string Name, GgmlType Type, int[] Dims)
{
    public long ElementCount => Dims.Aggregate(1L, (n, d) => n * d);
    public long ByteCount => WhisperModelLayout.DataSize(Type, Dims);
}

/// <summary>
/// The tensor set whisper.cpp's <c>whisper_model_load</c> creates for given hyper-parameters (src/whisper.cpp, whisper-arch.h).
/// Shared by the validator and the test-model generator so both describe the same file.
/// </summary>
public static class WhisperModelLayout
{
    public const uint Magic = 0x67676d6c; // "ggml"

    /// <summary>ftype is stored as qntvr * 1000 + ftype; whisper.cpp strips the quantisation version this way.</summary>
    public const int QuantVersionFactor = 1000;

    /// <summary>Newest quantisation layout ggml knows (GGML_QNT_VERSION); older layouts have other block sizes.</summary>
    public const int MaxQuantVersion = 2;

    /// <summary>Maps the file's ftype (without the quantisation version) to the type of the 2-D weight matrices, or null when
    /// whisper.cpp does not accept it (ggml_ftype_to_ggml_type asserts, i.e. aborts the process, on unknown values).</summary>
    public static GgmlType? WeightType(int ftype) => ftype switch
    {
        0 => GgmlType.F32,
        1 => GgmlType.F16,
        2 => GgmlType.Q4_0,
        3 => GgmlType.Q4_1,
        7 => GgmlType.Q8_0,
        8 => GgmlType.Q5_0,
        9 => GgmlType.Q5_1,
        _ => null,
    };

    /// <summary>Elements per block and bytes per block (ggml-common.h: QK*_* and sizeof(block_q*_*)).</summary>
    public static (int BlockElements, int BlockBytes) BlockLayout(GgmlType type) => type switch
    {
        GgmlType.F32 => (1, 4),
        GgmlType.F16 => (1, 2),
        GgmlType.Q4_0 => (32, 2 + 16),
        GgmlType.Q4_1 => (32, 2 + 2 + 16),
        GgmlType.Q5_0 => (32, 2 + 4 + 16),
        GgmlType.Q5_1 => (32, 2 + 2 + 4 + 16),
        GgmlType.Q8_0 => (32, 2 + 32),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown ggml type"),
    };

    /// <summary>Bytes of a tensor's data; quantised rows (ne0) must be a whole number of blocks.</summary>
    public static long DataSize(GgmlType type, ReadOnlySpan<int> dims)
    {
        var (blockElements, blockBytes) = BlockLayout(type);
        if (dims.Length == 0 || dims[0] % blockElements != 0)
            throw new ArgumentException($"row length {(dims.Length == 0 ? 0 : dims[0])} is not a multiple of the {type} block size {blockElements}");
        long rows = 1;
        for (var i = 1; i < dims.Length; i++)
            rows *= dims[i];
        return rows * (dims[0] / blockElements) * blockBytes;
    }

    /// <summary>Number of tensors a complete model has: 11 global, 15 per audio block, 24 per text block.</summary>
    public static int TensorCount(int audioLayers, int textLayers) => 11 + 15 * audioLayers + 24 * textLayers;

    /// <summary>All tensors in the order whisper.cpp's converter writes them (the loader itself accepts any order).</summary>
    public static IReadOnlyList<WhisperTensorSpec> ExpectedTensors(WhisperHyperParameters h)
    {
        var w = WeightType(h.FType % QuantVersionFactor)
            ?? throw new ArgumentException($"unsupported ftype {h.FType}", nameof(h));
        // Conv kernels are 3-D, which the quantiser never touches: f16 unless the whole model is f32.
        var conv = w == GgmlType.F32 ? GgmlType.F32 : GgmlType.F16;
        const GgmlType f32 = GgmlType.F32;
        int a = h.NAudioState, t = h.NTextState;
        var list = new List<WhisperTensorSpec>(TensorCount(h.NAudioLayer, h.NTextLayer));

        void Add(string name, GgmlType type, params int[] dims) => list.Add(new WhisperTensorSpec(name, type, dims));

        void Block(string p, int s, GgmlType wt, bool cross)
        {
            Add(p + "mlp_ln.weight", f32, s);
            Add(p + "mlp_ln.bias", f32, s);
            Add(p + "mlp.0.weight", wt, s, 4 * s);
            Add(p + "mlp.0.bias", f32, 4 * s);
            Add(p + "mlp.2.weight", wt, 4 * s, s);
            Add(p + "mlp.2.bias", f32, s);
            Attention(p + "attn_ln", p + "attn.", s, wt);
            if (cross)
                Attention(p + "cross_attn_ln", p + "cross_attn.", s, wt);
        }

        void Attention(string ln, string p, int s, GgmlType wt)
        {
            Add(ln + ".weight", f32, s);
            Add(ln + ".bias", f32, s);
            Add(p + "query.weight", wt, s, s);
            Add(p + "query.bias", f32, s);
            Add(p + "key.weight", wt, s, s); // key has no bias in Whisper
            Add(p + "value.weight", wt, s, s);
            Add(p + "value.bias", f32, s);
            Add(p + "out.weight", wt, s, s);
            Add(p + "out.bias", f32, s);
        }

        Add("encoder.positional_embedding", f32, a, h.NAudioCtx);
        Add("encoder.conv1.weight", conv, 3, h.NMels, a);
        Add("encoder.conv1.bias", f32, 1, a);
        Add("encoder.conv2.weight", conv, 3, a, a);
        Add("encoder.conv2.bias", f32, 1, a);
        for (var i = 0; i < h.NAudioLayer; i++)
            Block($"encoder.blocks.{i}.", a, w, cross: false);
        Add("encoder.ln_post.weight", f32, a);
        Add("encoder.ln_post.bias", f32, a);

        Add("decoder.positional_embedding", f32, t, h.NTextCtx);
        Add("decoder.token_embedding.weight", w, t, h.NVocab);
        for (var i = 0; i < h.NTextLayer; i++)
            Block($"decoder.blocks.{i}.", t, w, cross: true);
        Add("decoder.ln.weight", f32, t);
        Add("decoder.ln.bias", f32, t);
        return list;
    }
}
