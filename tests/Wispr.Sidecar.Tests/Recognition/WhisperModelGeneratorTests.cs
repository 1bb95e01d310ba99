using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Wispr.ModelGen;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Whisper;
using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

[Collection(WhisperModelCollection.Name)]
public sealed class WhisperModelGeneratorTests(WhisperTestModelFixture fixture)
{
    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_differs()
    {
        var again = fixture.NewPath("again.bin");
        var other = fixture.NewPath("other.bin");
        WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, again, WhisperShape.Test, seed: 1);
        WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, other, WhisperShape.Test, seed: 2);

        Assert.Equal(Hash(fixture.ModelPath), Hash(again));
        Assert.NotEqual(Hash(fixture.ModelPath), Hash(other));
        Assert.Equal(new FileInfo(fixture.ModelPath).Length, new FileInfo(other).Length);
    }

    [Fact]
    public void Test_shape_has_50_tensors_and_validates()
    {
        var info = WhisperModelValidator.Validate(fixture.ModelPath);

        Assert.Equal(50, info.TensorCount);
        Assert.Equal(WhisperModelLayout.TensorCount(1, 1), info.TensorCount);
        Assert.Equal(64, info.HyperParameters.NAudioState);
        Assert.Equal(64, info.HyperParameters.NTextState);
        Assert.Equal(1, info.HyperParameters.FType);
        Assert.Equal(GgmlType.F16, info.WeightType);
        // Vocabulary, mel filters and n_vocab come from the vocab-only file unchanged.
        Assert.Equal(51_864, info.HyperParameters.NVocab);
        Assert.Equal(50_257, info.VocabularyCount);
        Assert.InRange(info.FileSize, 7_500_000, 8_500_000);
    }

    [Fact]
    public void Tiny_shape_generates_and_validates_with_167_tensors()
    {
        var path = fixture.NewPath("tiny.bin");
        try
        {
            var written = WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, path, WhisperShape.TinyEn);
            var info = WhisperModelValidator.Validate(path);

            Assert.Equal(167, written);
            Assert.Equal(167, info.TensorCount);
            Assert.Equal(new WhisperHyperParameters(51_864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1), info.HyperParameters);
        }
        finally
        {
            File.Delete(path); // 78 MB: don't keep it for the rest of the run
        }
    }

    [Fact]
    public void Q8_0_weights_validate_with_the_quantised_sizes()
    {
        var path = fixture.NewPath("q8.bin");
        WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, path, WhisperShape.Test, seed: 1, GgmlType.Q8_0);

        var info = WhisperModelValidator.Validate(path);

        Assert.Equal(GgmlType.Q8_0, info.WeightType);
        Assert.Equal(2007, info.HyperParameters.FType); // quantisation version 2, as whisper.cpp's quantiser writes
        Assert.True(info.FileSize < new FileInfo(fixture.ModelPath).Length);
    }

    [Fact]
    public void Layer_norms_are_identity_and_weights_are_small_and_random()
    {
        Assert.True(WhisperModelGenerator.IsLayerNorm("encoder.ln_post.weight"));
        Assert.True(WhisperModelGenerator.IsLayerNorm("decoder.ln.bias"));
        Assert.True(WhisperModelGenerator.IsLayerNorm("decoder.blocks.0.cross_attn_ln.weight"));
        Assert.True(WhisperModelGenerator.IsLayerNorm("encoder.blocks.0.mlp_ln.bias"));
        Assert.False(WhisperModelGenerator.IsLayerNorm("decoder.blocks.0.cross_attn.query.weight"));
        Assert.False(WhisperModelGenerator.IsLayerNorm("decoder.token_embedding.weight"));

        var values = new float[100_000];
        WhisperModelGenerator.FillNormal(values, 42);
        var mean = values.Average();
        var std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(std, 0.0195, 0.0205);
    }

    [Fact]
    public void Shapes_parse_by_name()
    {
        Assert.Same(WhisperShape.TinyEn, WhisperShape.Parse("tiny"));
        Assert.Same(WhisperShape.TinyEn, WhisperShape.Parse("tiny.en"));
        Assert.Same(WhisperShape.BaseEn, WhisperShape.Parse("BASE"));
        Assert.Same(WhisperShape.Test, WhisperShape.Parse("test"));
        Assert.Same(WhisperShape.LargeV3Turbo, WhisperShape.Parse("large-v3-turbo"));
        Assert.Throws<ArgumentException>(() => WhisperShape.Parse("large"));
    }

    [Fact]
    public void Computed_mel_filters_equal_the_ones_whisper_ships()
    {
        // The vocabulary-only file carries Whisper's own 80-bin bank (mel_filters.npz, made by librosa); the generator
        // computes the 128-bin bank large-v3 needs the same way, so it must reproduce the 80-bin one.
        using var file = File.OpenRead(RepoPaths.VocabOnlyModel);
        file.Seek(4 + 11 * 4, SeekOrigin.Begin);
        var header = new int[2];
        file.ReadExactly(MemoryMarshal.AsBytes(header.AsSpan()));
        var shipped = new float[header[0] * header[1]];
        file.ReadExactly(MemoryMarshal.AsBytes(shipped.AsSpan()));

        var computed = WhisperModelGenerator.SlaneyMelFilters(header[0], header[1]);

        Assert.Equal((80, 201), (header[0], header[1]));
        Assert.Equal(shipped.Length, computed.Length);
        for (var i = 0; i < shipped.Length; i++)
            Assert.True(Math.Abs(shipped[i] - computed[i]) <= 1e-6 + 1e-4 * Math.Abs(shipped[i]), $"filter value {i}: shipped {shipped[i]}, computed {computed[i]}");
    }

    [Fact]
    public async Task A_128_mel_model_like_large_v3_turbo_validates_loads_and_transcribes_with_a_small_audio_context()
    {
        // large-v3-turbo's layout at the test model's width: 128 mel bins (the filter bank is computed, not copied), and the
        // benchmark's small audio context, which whisper.cpp must accept for a model of this kind.
        var shape = WhisperShape.LargeV3Turbo with { Name = "turbo-test", State = 64, Heads = 1, AudioLayers = 2, TextLayers = 1 };
        var path = fixture.NewPath("turbo-test.bin");
        try
        {
            var written = WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, path, shape, seed: 3);
            var info = WhisperModelValidator.Validate(path);
            Assert.Equal(WhisperModelLayout.TensorCount(2, 1), written);
            Assert.Equal(new WhisperHyperParameters(51_864, 1500, 64, 1, 2, 448, 64, 1, 1, 128, 1), info.HyperParameters);

            var options = new WhisperBackendOptions(path) { Threads = 2, AudioContext = AudioContextMode.Fit, MaxTokens = 4 };
            await using var backend = await WhisperBackend.LoadAsync(options, NullLogger.Instance, CancellationToken.None);
            var segments = new List<TranscriptSegment>();
            await foreach (var segment in backend.TranscribeAsync(WavDecoder.ReadMono16k(RepoPaths.JfkWav), TranscribeOptions.Default, CancellationToken.None))
                segments.Add(segment);
            Assert.NotEmpty(segments);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_large_v3_turbo_shape_has_its_published_size()
    {
        // ggml-large-v3-turbo.bin is 1,624,555,275 bytes; the English vocabulary makes this one 2 token rows smaller.
        var preamble = WhisperModelValidator.ReadPreamble(RepoPaths.VocabOnlyModel);
        var s = WhisperShape.LargeV3Turbo;
        var h = preamble.HyperParameters with { NAudioState = s.State, NAudioHead = s.Heads, NAudioLayer = s.AudioLayers, NTextState = s.State,
            NTextHead = s.Heads, NTextLayer = s.TextLayers, NMels = s.Mels, FType = 1 };
        var tensors = WhisperModelLayout.ExpectedTensors(h);
        var tensorBytes = tensors.Sum(t => t.ByteCount + 12 + 4L * t.Dims.Length + t.Name.Length);

        Assert.Equal(587, tensors.Count);
        Assert.InRange(tensorBytes, 1_620_000_000, 1_624_555_275);
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
