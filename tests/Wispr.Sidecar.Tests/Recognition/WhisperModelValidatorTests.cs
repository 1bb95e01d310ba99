using System.Buffers.Binary;
using System.Text;
using Wispr.ModelGen;
using Wispr.Sidecar.Recognition.Whisper;
using Wispr.Sidecar.Rpc;
using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

[Collection(WhisperModelCollection.Name)]
public sealed class WhisperModelValidatorTests(WhisperTestModelFixture fixture)
{
    // Byte offsets of the header fields (magic, then eleven int32 hyper-parameters).
    private const int NVocabAt = 4, NAudioStateAt = 12, NAudioHeadAt = 16, NAudioLayerAt = 20, NTextCtxAt = 24,
        NTextStateAt = 28, NMelsAt = 40, FTypeAt = 44;

    [Fact]
    public void Accepts_the_generated_model()
    {
        var info = WhisperModelValidator.Validate(fixture.ModelPath);

        Assert.Equal(Path.GetFullPath(fixture.ModelPath), info.Path);
        Assert.Equal(50, info.TensorCount);
        Assert.Equal(new FileInfo(fixture.ModelPath).Length, info.FileSize);
    }

    [Fact]
    public void Reads_the_preamble_of_the_vocabulary_only_file_but_rejects_it_as_a_model()
    {
        var preamble = WhisperModelValidator.ReadPreamble(RepoPaths.VocabOnlyModel);
        Assert.Equal(new FileInfo(RepoPaths.VocabOnlyModel).Length, preamble.Length);
        Assert.Equal(50_257, preamble.VocabularyCount);

        AssertInvalid(RepoPaths.VocabOnlyModel, "no tensors");
    }

    [Fact]
    public void Rejects_a_file_truncated_between_tensors()
    {
        var cut = Tensors()[25].HeaderAt;
        var path = Copy(bytes => bytes[..(int)cut]);

        AssertInvalid(path, "ends after 25 of 50 tensors", "missing");
    }

    [Fact]
    public void Rejects_a_file_truncated_inside_a_middle_tensor()
    {
        var t = Tensors()[10];
        var path = Copy(bytes => bytes[..(int)(t.DataAt + t.Size / 2)]);

        AssertInvalid(path, $"tensor '{t.Name}' is truncated");
    }

    [Fact]
    public void Rejects_a_file_truncated_inside_its_last_tensor()
    {
        // whisper.cpp loads this silently with garbage weights; only the size check catches it.
        var last = Tensors()[^1];
        var path = Copy(bytes => bytes[..^100]);

        AssertInvalid(path, $"tensor '{last.Name}' is truncated", "100 bytes short");
    }

    [Fact]
    public void Rejects_trailing_bytes_after_the_last_tensor()
    {
        var path = Copy(bytes => [.. bytes, 1, 2, 3, 4, 5]);

        AssertInvalid(path, "5 stray bytes");
    }

    [Fact]
    public void Rejects_a_bad_magic()
    {
        var path = Copy(bytes => Patch(bytes, 0, 0x46554747)); // "GGUF"

        AssertInvalid(path, "bad magic", "GGUF");
    }

    [Fact]
    public void Rejects_a_vocabulary_count_larger_than_the_tokens_present()
    {
        // Still ≤ n_vocab, so only walking the tokens shows that tensor bytes would be read as token lengths:
        // the case that makes whisper.cpp allocate without bound and abort the process.
        var countAt = VocabularyCountOffset();
        var path = Copy(bytes => Patch(bytes, countAt, 51_000));

        AssertInvalid(path, "vocabulary", "larger than the tokens present");
    }

    [Fact]
    public void Rejects_a_vocabulary_count_above_n_vocab()
    {
        var countAt = VocabularyCountOffset();
        var path = Copy(bytes => Patch(bytes, countAt, 60_000));

        AssertInvalid(path, "vocabulary count 60000");
    }

    [Theory]
    [InlineData(NVocabAt, -1, "n_vocab -1")]
    [InlineData(NVocabAt, 1_000_000, "n_vocab 1000000")]
    [InlineData(NAudioStateAt, 1 << 30, "n_audio_state")]
    [InlineData(NAudioHeadAt, 0, "n_audio_head 0")]
    [InlineData(NAudioHeadAt, 7, "n_audio_head 7")]
    [InlineData(NAudioLayerAt, 100_000, "n_audio_layer 100000")]
    [InlineData(NTextCtxAt, 1 << 20, "n_text_ctx")]
    [InlineData(NTextStateAt, 128, "n_text_state 128 differs")]
    [InlineData(NMelsAt, 7, "n_mels 7")]
    [InlineData(FTypeAt, 4, "ftype 4")] // Q4_1_SOME_F16: ggml asserts (aborts) on it
    [InlineData(FTypeAt, 99, "ftype 99")]
    [InlineData(FTypeAt, -1, "ftype -1")]
    [InlineData(FTypeAt, 9001, "ftype 9001")]
    public void Rejects_absurd_hyper_parameters(int offset, int value, string expected)
    {
        var path = Copy(bytes => Patch(bytes, offset, value));

        AssertInvalid(path, expected);
    }

    [Fact]
    public void Rejects_hyper_parameters_that_do_not_match_the_tensors()
    {
        // A sane header that disagrees with the data: the first layer-shaped tensor gives it away.
        var path = Copy(bytes => Patch(Patch(bytes, NAudioStateAt, 128), NTextStateAt, 128));

        AssertInvalid(path, "encoder.positional_embedding", "shape [64, 1500, 1, 1], expected [128, 1500, 1, 1]");
    }

    [Fact]
    public void Rejects_a_tensor_stored_with_the_wrong_type()
    {
        var first = Tensors()[0]; // encoder.positional_embedding must be f32
        var path = Copy(bytes => Patch(bytes, first.HeaderAt + 8, (int)GgmlType.F16));

        AssertInvalid(path, "'encoder.positional_embedding' is stored as ggml type 1, expected F32");
    }

    [Fact]
    public void Rejects_an_unknown_tensor_name()
    {
        var first = Tensors()[0];
        var nameAt = (int)first.HeaderAt + 12 + 4 * 2; // 2-D tensor: 3 ints, 2 dims, then the name
        var path = Copy(bytes =>
        {
            bytes[nameAt] = (byte)'X';
            return bytes;
        });

        AssertInvalid(path, "unknown tensor 'Xncoder.positional_embedding'");
    }

    [Fact]
    public void Rejects_a_text_file()
    {
        var path = fixture.NewPath("notes.bin");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("This is not a model, just some text.\n", 10)));

        AssertInvalid(path, "bad magic", "not a ggml Whisper model");
    }

    [Fact]
    public void Rejects_a_file_shorter_than_the_header()
    {
        var path = fixture.NewPath("short.bin");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("lmgg1234"));

        AssertInvalid(path, "shorter than the 48-byte ggml header");
    }

    [Fact]
    public void Rejects_an_empty_file()
    {
        var path = fixture.NewPath("empty.bin");
        File.WriteAllBytes(path, []);

        AssertInvalid(path, "empty");
    }

    [Fact]
    public void Reports_a_missing_file_as_not_found()
    {
        var path = fixture.NewPath("missing.bin");

        var ex = Assert.Throws<WisprException>(() => WhisperModelValidator.Validate(path));

        Assert.Equal(WisprErrorCodes.ModelNotFound, ex.Code);
        Assert.Contains(path, ex.Message);
    }

    [Theory]
    [InlineData(GgmlType.F32, 64, 256)]
    [InlineData(GgmlType.F16, 64, 128)]
    [InlineData(GgmlType.Q4_0, 64, 36)]
    [InlineData(GgmlType.Q4_1, 64, 40)]
    [InlineData(GgmlType.Q5_0, 64, 44)]
    [InlineData(GgmlType.Q5_1, 64, 48)]
    [InlineData(GgmlType.Q8_0, 64, 68)]
    public void Computes_tensor_sizes_from_ggml_block_layouts(GgmlType type, int rowLength, long rowBytes)
    {
        Assert.Equal(rowBytes * 3, WhisperModelLayout.DataSize(type, [rowLength, 3]));
    }

    [Fact]
    public void Expects_the_tensor_counts_whisper_cpp_creates()
    {
        WhisperHyperParameters Shape(int state, int heads, int layers, int ftype) =>
            new(51_864, 1500, state, heads, layers, 448, state, heads, layers, 80, ftype);

        Assert.Equal(167, WhisperModelLayout.ExpectedTensors(Shape(384, 6, 4, 1)).Count);
        Assert.Equal(245, WhisperModelLayout.ExpectedTensors(Shape(512, 8, 6, 1)).Count);
        // Quantised files keep conv kernels f16 and everything 1-D f32; only 2-D matrices are quantised.
        var q = WhisperModelLayout.ExpectedTensors(Shape(384, 6, 4, 2008)).ToDictionary(t => t.Name);
        Assert.Equal(GgmlType.Q5_0, q["decoder.token_embedding.weight"].Type);
        Assert.Equal(GgmlType.Q5_0, q["encoder.blocks.0.attn.key.weight"].Type);
        Assert.Equal(GgmlType.F16, q["encoder.conv1.weight"].Type);
        Assert.Equal(GgmlType.F32, q["encoder.conv1.bias"].Type);
        Assert.Equal(GgmlType.F32, q["decoder.positional_embedding"].Type);
    }

    [Fact]
    public void Validates_the_test_model_quickly()
    {
        WhisperModelValidator.Validate(fixture.ModelPath); // warm up
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
            WhisperModelValidator.Validate(fixture.ModelPath);
        // A failure bound, not a measurement: 1 s is tight on a busy 2-core machine; validation reads only the header and the
        // vocabulary (a full read of the 8 MB file would be the bug), so even 30 s means something is badly wrong.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"5 validations took {watch.Elapsed}");
    }

    private static void AssertInvalid(string path, params string[] expected)
    {
        var ex = Assert.Throws<WisprException>(() => WhisperModelValidator.Validate(path));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
        Assert.Contains(path, ex.Message);
        foreach (var e in expected)
            Assert.Contains(e, ex.Message);
    }

    private string Copy(Func<byte[], byte[]> mutate)
    {
        var path = fixture.NewPath("corrupt.bin");
        File.WriteAllBytes(path, mutate(File.ReadAllBytes(fixture.ModelPath)));
        return path;
    }

    private static byte[] Patch(byte[] bytes, long offset, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan((int)offset), value);
        return bytes;
    }

    private static long VocabularyCountOffset()
    {
        var preamble = WhisperModelValidator.ReadPreamble(RepoPaths.VocabOnlyModel);
        // Header 48 bytes, filter dims 8 bytes, then n_mels × n_fft floats (80 × 201 here).
        Assert.Equal(80, preamble.HyperParameters.NMels);
        return 48 + 8 + 80 * 201 * 4;
    }

    private sealed record TensorPosition(string Name, long HeaderAt, long DataAt, long Size);

    /// <summary>Where each tensor of the fixture model lies; the generator writes them in layout order.</summary>
    private IReadOnlyList<TensorPosition> Tensors()
    {
        var info = WhisperModelValidator.Validate(fixture.ModelPath);
        var at = WhisperModelValidator.ReadPreamble(fixture.ModelPath).Length;
        var list = new List<TensorPosition>();
        foreach (var spec in WhisperModelLayout.ExpectedTensors(info.HyperParameters))
        {
            var dataAt = at + 12 + 4 * spec.Dims.Length + spec.Name.Length;
            list.Add(new TensorPosition(spec.Name, at, dataAt, spec.ByteCount));
            at = dataAt + spec.ByteCount;
        }

        Assert.Equal(info.FileSize, at);
        return list;
    }
}
