using Whisper.net;
using Wispr.ModelGen;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Whisper;
using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>The benchmark's decoding mode: a never-end-text random model plus a token cap decodes exactly the cap.</summary>
[Collection(WhisperModelCollection.Name)]
public sealed class NeverEndTextModelTests(WhisperTestModelFixture fixture)
{
    [Fact]
    public async Task Capped_decoding_of_a_never_end_text_model_decodes_exactly_the_cap()
    {
        var path = fixture.NewPath("never-end.bin");
        try
        {
            WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, path, WhisperShape.Test, 1, GgmlType.F16, neverEndText: true);
            var pcm = WavDecoder.ReadMono16k(RepoPaths.JfkWav);
            using var factory = WhisperFactory.FromPath(path);

            foreach (var cap in new[] { 12, 30 })
            {
                var builder = WhisperBackend.ConfigureBuilder(factory.CreateBuilder(), 2, cap, TranscribeOptions.Default);
                await using var processor = builder.Build();
                var tokens = new List<int>();
                await foreach (var segment in processor.ProcessAsync(pcm))
                    tokens.AddRange(segment.Tokens.Select(t => t.Id));
                // Every token is one decoder step; whisper.cpp may put a timestamp first and last, the rest is text.
                Assert.Equal(cap, tokens.Count);
                Assert.InRange(tokens.Count(t => t < WhisperModelGenerator.FirstSpecialToken), cap - 2, cap);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Never_end_text_changes_only_the_final_layer_norm_bias_and_the_special_token_rows()
    {
        var plain = fixture.NewPath("plain.bin");
        var neverEnd = fixture.NewPath("never-end-bytes.bin");
        try
        {
            WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, plain, WhisperShape.Test, 1, GgmlType.F16, neverEndText: false);
            WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, neverEnd, WhisperShape.Test, 1, GgmlType.F16, neverEndText: true);
            var a = File.ReadAllBytes(plain);
            var b = File.ReadAllBytes(neverEnd);
            Assert.Equal(a.Length, b.Length);
            WhisperModelValidator.Validate(neverEnd);
            // 64-state f16 rows: (51864 - 50256) special rows × 64 × 2 bytes, plus the 64-float bias.
            var differing = a.Zip(b).Count(p => p.First != p.Second);
            Assert.InRange(differing, 1, (51_864 - WhisperModelGenerator.FirstSpecialToken) * 64 * 2 + 64 * 4);
        }
        finally
        {
            File.Delete(plain);
            File.Delete(neverEnd);
        }
    }
}
