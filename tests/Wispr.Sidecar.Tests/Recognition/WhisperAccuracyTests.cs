using Microsoft.Extensions.Logging.Abstractions;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Whisper;
using Xunit;
using Xunit.Abstractions;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>Accuracy against real speech; needs a real model (WISPR_TEST_MODEL_PATH), e.g. ggml-base.en.bin.</summary>
public sealed class WhisperAccuracyTests(ITestOutputHelper output)
{
    /// <summary>base.en scores about 0.05 on these clips; tiny.en a little worse. Above this, something is broken, not just a small model.</summary>
    private const double MaxWer = 0.15;

    [RealModelFact]
    public async Task Jfk_is_transcribed_accurately()
    {
        await using var backend = await LoadAsync();

        var text = await TranscribeAsync(backend, RepoPaths.JfkWav);
        var wer = WordErrorRate.Compute(File.ReadAllText(RepoPaths.JfkText), text);

        output.WriteLine($"jfk: WER {wer.Wer:P1} (S {wer.Substitutions}, D {wer.Deletions}, I {wer.Insertions}): {text}");
        Assert.True(wer.Wer <= MaxWer, $"WER {wer.Wer:P1} > {MaxWer:P0}: {text}");
    }

    [RealModelFact]
    public async Task Librivox_utterances_are_transcribed_accurately()
    {
        await using var backend = await LoadAsync();
        var references = File.ReadAllLines(Path.Combine(RepoPaths.LibrivoxDir, "transcripts.tsv"))
            .Where(l => l.Contains('\t'))
            .Select(l => l.Split('\t', 2))
            .ToList();
        Assert.Equal(5, references.Count);

        int errors = 0, words = 0;
        foreach (var (id, reference) in references.Select(p => (p[0], p[1])))
        {
            var text = await TranscribeAsync(backend, Path.Combine(RepoPaths.LibrivoxDir, id + ".wav"));
            var wer = WordErrorRate.Compute(reference, text);
            output.WriteLine($"{id}: WER {wer.Wer:P1}: {text}");
            errors += wer.Errors;
            words += wer.ReferenceWords;
        }

        var total = (double)errors / words;
        output.WriteLine($"librivox: {errors} errors / {words} words = {total:P1}");
        Assert.True(total <= MaxWer, $"WER {total:P1} > {MaxWer:P0}");
    }

    private static Task<WhisperBackend> LoadAsync() =>
        WhisperBackend.LoadAsync(new WhisperBackendOptions(RealModelFactAttribute.ModelPath), NullLogger.Instance, CancellationToken.None);

    private static async Task<string> TranscribeAsync(ISpeechBackend backend, string wav)
    {
        var parts = new List<string>();
        await foreach (var segment in backend.TranscribeAsync(WavDecoder.ReadMono16k(wav), TranscribeOptions.Default, CancellationToken.None))
            parts.Add(segment.Text);
        return string.Join(' ', parts);
    }
}
