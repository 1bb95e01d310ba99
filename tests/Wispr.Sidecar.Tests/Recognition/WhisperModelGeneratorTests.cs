using System.Security.Cryptography;
using Wispr.ModelGen;
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
        Assert.Throws<ArgumentException>(() => WhisperShape.Parse("large"));
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
