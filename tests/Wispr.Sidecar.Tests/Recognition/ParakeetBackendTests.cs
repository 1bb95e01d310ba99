using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Parakeet;
using Wispr.Sidecar.Rpc;
using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>The real ONNX Runtime loading and TDT decoding code on the tiny hand-weighted model; the front end against NumPy.</summary>
public sealed class ParakeetBackendTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("wispr-parakeet-tests-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_scratch, recursive: true); }
        catch (IOException) { }
    }

    private static ParakeetBackendOptions Options(string? folder = null) => new(folder ?? TinyParakeetModel.Folder) { Threads = 1 };

    /// <summary>Any audio will do: the tiny encoder looks only at the number of frames.</summary>
    internal static float[] Tone(double seconds)
    {
        var samples = new float[(int)(seconds * 16000)];
        for (var i = 0; i < samples.Length; i++)
            samples[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 330 * i / 16000.0));
        return samples;
    }

    private static async Task<List<TranscriptSegment>> TranscribeAsync(ISpeechBackend backend, float[] audio, CancellationToken ct = default)
    {
        var list = new List<TranscriptSegment>();
        await foreach (var s in backend.TranscribeAsync(audio, TranscribeOptions.Default, ct))
            list.Add(s);
        return list;
    }

    [ParakeetFact]
    public async Task Greedy_TDT_decoding_yields_the_text_the_weights_spell()
    {
        await using var backend = await ParakeetBackend.LoadAsync(Options(), NullLogger.Instance, CancellationToken.None);

        var segments = await TranscribeAsync(backend, Tone(2.0));

        Assert.Equal("parakeet", backend.Name);
        Assert.Equal(12, backend.Vocabulary.Count);
        Assert.Equal(11, backend.Vocabulary.Blank);
        Assert.Equal(5, backend.Durations);
        Assert.Equal((16, 2, 4), (backend.EncoderDim, backend.StateLayers, backend.StateSize));
        var segment = Assert.Single(segments);
        Assert.Equal(TinyParakeetModel.ExpectedText, segment.Text);
        // "wis" is emitted on encoder frame 1 and "code" on frame 8; a frame is 80 ms.
        Assert.Equal(TimeSpan.FromMilliseconds(80), segment.Start);
        Assert.Equal(TimeSpan.FromMilliseconds(720), segment.End);

        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyParakeetModel.Folder, "expected.json"))).RootElement;
        Assert.Equal(expected.GetProperty("text").GetString(), segment.Text);
    }

    [ParakeetFact]
    public async Task Short_input_stops_where_the_encoder_frames_end()
    {
        await using var backend = await ParakeetBackend.LoadAsync(Options(), NullLogger.Instance, CancellationToken.None);

        // 0.5 s: 50 feature frames, 7 encoder frames (0..6): "wis" (f1), "pr talks" (f2), blank f4 skips to f7 = the end.
        var text = string.Join(' ', (await TranscribeAsync(backend, Tone(0.5))).Select(s => s.Text));
        Assert.Equal("wispr talks", text);
        Assert.Empty(await TranscribeAsync(backend, new float[ParakeetBackend.MinSamples - 1]));
        Assert.Empty(await TranscribeAsync(backend, []));
    }

    [ParakeetFact]
    public void Log_mel_front_end_matches_the_NumPy_reference()
    {
        var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyParakeetModel.Folder, "frontend-reference.json"))).RootElement;
        var n = reference.GetProperty("samples").GetInt32();
        // The script's test_signal(): a chirp from 440 Hz to 2 kHz plus a deterministic saw "noise".
        var signal = new float[n];
        double phase = 0;
        for (var i = 0; i < n; i++)
        {
            var t = i / 16000.0;
            phase += 2 * Math.PI * (440.0 + (2000.0 - 440.0) * t / 0.5) / 16000.0;
            signal[i] = (float)(0.5 * Math.Sin(phase) + ((long)i * 7919 % 200 - 100) / 10000.0);
        }

        var (features, frames, valid) = new NemoFeatureExtractor(128).Compute(signal);

        Assert.Equal(reference.GetProperty("featureFrames").GetInt32(), frames);
        Assert.Equal(reference.GetProperty("featureLength").GetInt32(), valid);
        var picks = reference.GetProperty("frames").EnumerateArray().Select(e => e.GetInt32()).ToList();
        var expected = reference.GetProperty("features").EnumerateArray().ToList();
        double worst = 0;
        for (var p = 0; p < picks.Count; p++)
        {
            var column = expected[p].EnumerateArray().Select(e => e.GetDouble()).ToList();
            Assert.Equal(128, column.Count);
            for (var m = 0; m < 128; m++)
                worst = Math.Max(worst, Math.Abs(column[m] - features[m * frames + picks[p]]));
        }
        Assert.True(worst < 2e-3, $"largest difference from NumPy: {worst}");
    }

    [ParakeetFact]
    public async Task A_long_recording_is_decoded_in_pieces_cut_at_its_quietest_moments()
    {
        await using var backend = await ParakeetBackend.LoadAsync(Options(), NullLogger.Instance, CancellationToken.None);
        // 70 s of tone with silent gaps at 25 s and 52 s: pieces 0–25 s, 25–52 s, 52–70 s, each spelling the sentence.
        var audio = Tone(70);
        foreach (var gap in new[] { 25.0, 52.0 })
            Array.Clear(audio, (int)((gap - 0.1) * 16000), 3200);

        var chunks = ParakeetBackend.Chunks(audio);
        Assert.Equal(3, chunks.Count);
        Assert.InRange(chunks[1].Start / 16000.0, 24.9, 25.1);
        Assert.InRange(chunks[2].Start / 16000.0, 51.9, 52.1);
        Assert.Equal(audio.Length, chunks.Sum(c => c.Length));

        var segments = await TranscribeAsync(backend, audio);
        Assert.Equal(3, segments.Count);
        Assert.All(segments, s => Assert.Equal(TinyParakeetModel.ExpectedText, s.Text));
        // Each cut is the middle of the first fully silent 100 ms window (24.95 s, 51.95 s); "wis" comes 80 ms into each piece.
        Assert.Equal([0.08, 25.03, 52.03], segments.Select(s => Math.Round(s.Start.TotalSeconds, 2)));
        Assert.Single(ParakeetBackend.Chunks(Tone(30)));
    }

    [Fact]
    public void Vocabulary_detokenizes_like_onnx_asr()
    {
        var path = Path.Combine(_scratch, "vocab.txt");
        File.WriteAllLines(path, ["<unk> 0", "\u2581hello 1", ", 2", "\u2581world 3", ". 4", "\u2581it's 5", "<blk> 6"]);
        var vocab = ParakeetVocabulary.Read(path);
        Assert.Equal(6, vocab.Blank);
        Assert.Equal("hello, world. it's", vocab.Detokenize([1, 2, 3, 4, 5]));
    }

    [Fact]
    public async Task A_missing_folder_is_ModelNotFound_naming_the_files_and_the_address()
    {
        var missing = Path.Combine(_scratch, "nothing-here");
        var ex = await Assert.ThrowsAsync<WisprException>(() => ParakeetBackend.LoadAsync(Options(missing), NullLogger.Instance, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelNotFound, ex.Code);
        Assert.Contains("encoder-model.onnx", ex.Message);
        Assert.Contains("decoder_joint-model.onnx", ex.Message);
        Assert.Contains("vocab.txt", ex.Message);
        Assert.Contains(ParakeetModelLayout.PublicAddress, ex.Message);
        Assert.Contains(missing, ex.Message);
    }

    [ParakeetFact]
    public async Task A_folder_missing_one_file_says_which()
    {
        var folder = TinyParakeetModel.CopyTo(_scratch);
        File.Delete(Path.Combine(folder, "decoder_joint-model.onnx"));
        var ex = await Assert.ThrowsAsync<WisprException>(() => ParakeetBackend.LoadAsync(Options(folder), NullLogger.Instance, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelNotFound, ex.Code);
        Assert.Contains("lacks decoder_joint-model.onnx", ex.Message);
    }

    [ParakeetFact]
    public async Task A_corrupt_or_truncated_ONNX_file_is_ModelInvalid()
    {
        var corrupt = TinyParakeetModel.CopyTo(_scratch);
        var encoder = Path.Combine(corrupt, "encoder-model.onnx");
        var bytes = File.ReadAllBytes(encoder);
        new Random(7).NextBytes(bytes.AsSpan(8));
        File.WriteAllBytes(encoder, bytes);
        var ex = await Assert.ThrowsAsync<WisprException>(() => ParakeetBackend.LoadAsync(Options(corrupt), NullLogger.Instance, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
        Assert.Contains("encoder-model.onnx", ex.Message);

        var truncated = TinyParakeetModel.CopyTo(_scratch);
        var decoder = Path.Combine(truncated, "decoder_joint-model.onnx");
        File.WriteAllBytes(decoder, File.ReadAllBytes(decoder)[..^700]);
        ex = await Assert.ThrowsAsync<WisprException>(() => ParakeetBackend.LoadAsync(Options(truncated), NullLogger.Instance, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
        Assert.Contains("decoder_joint-model.onnx", ex.Message);
    }

    [ParakeetFact]
    public async Task Swapped_networks_and_a_vocabulary_of_another_size_are_ModelInvalid()
    {
        var swapped = TinyParakeetModel.CopyTo(_scratch);
        File.Copy(Path.Combine(swapped, "decoder_joint-model.onnx"), Path.Combine(swapped, "encoder-model.onnx"), overwrite: true);
        var ex = await Assert.ThrowsAsync<WisprException>(() => ParakeetBackend.LoadAsync(Options(swapped), NullLogger.Instance, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
        Assert.Contains("audio_signal", ex.Message);

        var vocab = TinyParakeetModel.CopyTo(_scratch);
        File.AppendAllLines(Path.Combine(vocab, "vocab.txt"), ["extra1 12", "extra2 13"]);
        ex = await Assert.ThrowsAsync<WisprException>(() => ParakeetBackend.LoadAsync(Options(vocab), NullLogger.Instance, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
        Assert.Contains("vocab.txt has 14 tokens", ex.Message);

        var config = TinyParakeetModel.CopyTo(_scratch);
        File.WriteAllText(Path.Combine(config, "config.json"), """{"model_type": "nemo-conformer-ctc"}""");
        ex = await Assert.ThrowsAsync<WisprException>(() => ParakeetBackend.LoadAsync(Options(config), NullLogger.Instance, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
        Assert.Contains("nemo-conformer-ctc", ex.Message);
    }

    [Fact]
    public async Task A_Whisper_model_given_to_Parakeet_is_ModelInvalid()
    {
        var ex = await Assert.ThrowsAsync<WisprException>(() =>
            ParakeetBackend.LoadAsync(Options(RepoPaths.VocabOnlyModel), NullLogger.Instance, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
        Assert.Contains("Whisper ggml model", ex.Message);
    }

    [ParakeetFact]
    public async Task Every_call_after_dispose_throws_and_dispose_waits_for_the_transcription_in_flight()
    {
        var backend = await ParakeetBackend.LoadAsync(Options(), NullLogger.Instance, CancellationToken.None);
        var running = TranscribeAsync(backend, Tone(30));
        await Task.Delay(5);
        await backend.DisposeAsync();
        // Either it finished before the dispose took the gate, or it had not started and now refuses: never a native crash.
        try
        {
            var segments = await running;
            Assert.Equal(TinyParakeetModel.ExpectedText, Assert.Single(segments).Text);
        }
        catch (ObjectDisposedException)
        {
        }
        await Assert.ThrowsAsync<ObjectDisposedException>(() => TranscribeAsync(backend, Tone(2)));
        await backend.DisposeAsync(); // idempotent
    }

    [ParakeetFact]
    public async Task A_cancelled_token_cancels()
    {
        await using var backend = await ParakeetBackend.LoadAsync(Options(), NullLogger.Instance, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TranscribeAsync(backend, Tone(2), cts.Token));
        Assert.Equal(TinyParakeetModel.ExpectedText, Assert.Single(await TranscribeAsync(backend, Tone(2))).Text);
    }

    /// <summary>The same accuracy test as Whisper's, on a real Parakeet model when one is given.</summary>
    [RealParakeetFact]
    public async Task Real_model_transcribes_jfk_and_librivox_accurately()
    {
        await using var backend = await ParakeetBackend.LoadAsync(new ParakeetBackendOptions(RealParakeetFactAttribute.ModelPath),
            NullLogger.Instance, CancellationToken.None);
        var jfk = string.Join(' ', (await TranscribeAsync(backend, WavDecoder.ReadMono16k(RepoPaths.JfkWav))).Select(s => s.Text));
        Assert.True(WordErrorRate.Compute(File.ReadAllText(RepoPaths.JfkText), jfk).Wer <= 0.15, jfk);

        int errors = 0, words = 0;
        foreach (var line in File.ReadAllLines(Path.Combine(RepoPaths.LibrivoxDir, "transcripts.tsv")).Where(l => l.Contains('\t')))
        {
            var (id, reference) = (line.Split('\t', 2)[0], line.Split('\t', 2)[1]);
            var text = string.Join(' ', (await TranscribeAsync(backend, WavDecoder.ReadMono16k(Path.Combine(RepoPaths.LibrivoxDir, id + ".wav")))).Select(s => s.Text));
            var wer = WordErrorRate.Compute(reference, text);
            errors += wer.Errors;
            words += wer.ReferenceWords;
        }
        Assert.True((double)errors / words <= 0.15, $"WER {(double)errors / words:P1}");
    }
}
