using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Dictation;

namespace Wispr.Sidecar.Tests.Dictation;

/// <summary>The segmenter's rules on hand-made VAD probabilities (one per 32 ms window).</summary>
public sealed class SegmenterTests
{
    private const float Speech = 0.9f, Silence = 0.05f;

    private static List<Segmenter.Cut> Run(Segmenter segmenter, IEnumerable<float> probabilities) =>
        probabilities.Select(segmenter.Add).Where(c => c is not null).Select(c => c!.Value).ToList();

    /// <summary>Each cut with the window whose probability completed it (when it was known, as the audio arrived).</summary>
    private static List<(Segmenter.Cut Cut, int At)> RunWithTimes(Segmenter segmenter, IReadOnlyList<float> probabilities)
    {
        var cuts = new List<(Segmenter.Cut, int)>();
        for (int i = 0; i < probabilities.Count; i++)
            if (segmenter.Add(probabilities[i]) is { } cut)
                cuts.Add((cut, i));
        return cuts;
    }

    private static IEnumerable<float> Repeat(float p, int ms) => Enumerable.Repeat(p, ms / 32);

    private static void AssertInSilence(IReadOnlyList<float> probabilities, Segmenter.Cut cut)
    {
        Assert.Equal(0, cut.Position % SileroVad.WindowSamples);
        int w = cut.Position / SileroVad.WindowSamples;
        Assert.True(Segmenter.IsSilence(probabilities[w - 1]) && Segmenter.IsSilence(probabilities[w]), $"cut at window {w} lies inside a pause");
    }

    [Fact]
    public void A_pause_after_enough_speech_is_cut_while_it_goes_on_in_the_middle_of_the_silence_heard()
    {
        var probabilities = Repeat(Speech, 4_000).Concat(Repeat(Silence, 640)).Concat(Repeat(Speech, 2_000)).ToList();
        var (cut, at) = Assert.Single(RunWithTimes(new Segmenter(), probabilities));
        Assert.True(cut.HadSpeech);
        AssertInSilence(probabilities, cut);
        // Known at the pause's 6th silent window (192 ms, not at the end of the 640 ms pause), cut 3 windows into it.
        Assert.Equal(125 + 5, at);
        Assert.Equal((125 + 3) * SileroVad.WindowSamples, cut.Position);
    }

    [Fact]
    public void The_old_rules_cut_only_after_400_ms_and_stay_available_for_the_benchmark()
    {
        var probabilities = Repeat(Speech, 4_000).Concat(Repeat(Silence, 640)).Concat(Repeat(Speech, 2_000)).ToList();
        var (cut, at) = Assert.Single(RunWithTimes(Segmenter.Legacy(), probabilities));
        Assert.Equal(125 + 12, at);
        Assert.Equal((125 + 6) * SileroVad.WindowSamples, cut.Position);
    }

    [Fact]
    public void Pauses_between_words_and_pauses_in_short_segments_are_not_cut()
    {
        var probabilities = Repeat(Speech, 800).Concat(Repeat(Silence, 800)).ToList(); // a long pause, but the segment is 1.6 s
        for (int i = 0; i < 8; i++) // 4 s of words with 160 ms between them (5 silent windows, under the pause)
            probabilities.AddRange(Repeat(Speech, 340).Concat(Repeat(Silence, 160)));
        Assert.True(probabilities.Count * 32 < Segmenter.SoftSegmentMs);
        Assert.Empty(Run(new Segmenter(), probabilities));
    }

    [Fact]
    public void Past_the_soft_length_a_breath_is_enough_to_cut()
    {
        // Fluent speech: 1 s phrases with 96 ms breaths, never a full pause.
        var probabilities = new List<float>();
        for (int i = 0; i < 20; i++)
            probabilities.AddRange(Repeat(Speech, 992).Concat(Repeat(Silence, 96)));
        var cuts = RunWithTimes(new Segmenter(), probabilities);
        Assert.NotEmpty(cuts);
        // The first breath after 6 s (phrase 6 ends at window 6·34 - 3 = 201): cut after its first silent window.
        Assert.Equal(6 * 34 - 3 + 1, cuts[0].At);
        Assert.Equal((6 * 34 - 3 + 1) * SileroVad.WindowSamples, cuts[0].Cut.Position);
        int previous = 0;
        foreach (var (cut, _) in cuts)
        {
            AssertInSilence(probabilities, cut);
            Assert.InRange(cut.Position - previous, Segmenter.SoftSegmentMs * 16, (Segmenter.SoftSegmentMs + 1_100) * 16);
            previous = cut.Position;
        }
        // The old rules never cut this speech before their 24 s cap.
        Assert.Empty(Run(Segmenter.Legacy(), probabilities));
    }

    [Fact]
    public void The_silence_after_the_last_cut_holds_no_speech_so_the_stop_skips_it()
    {
        var probabilities = Repeat(Speech, 3_000).Concat(Repeat(Silence, 600)).ToList(); // then the release
        var segmenter = new Segmenter();
        var cut = Assert.Single(Run(segmenter, probabilities));
        Assert.True(cut.HadSpeech);
        Assert.Equal(cut.Position, segmenter.SegmentStart);
        Assert.False(segmenter.CurrentHasSpeech); // the rest of the pause: never turned into words
    }

    [Fact]
    public void Leading_silence_alone_is_never_a_segment()
    {
        Assert.Empty(Run(new Segmenter(), Repeat(Silence, 10_000)));
    }

    [Fact]
    public void Speech_without_a_pause_is_cut_at_its_quietest_point_before_the_cap()
    {
        var probabilities = new List<float>();
        var random = new Random(7);
        for (int i = 0; i < 40_000 / 32; i++)
            probabilities.Add(0.6f + 0.3f * (float)random.NextDouble());
        probabilities[400] = 0.4f; // the quietest window boundary is 400 | 401 (or 399 | 400)
        probabilities[401] = 0.41f;
        var cuts = Run(new Segmenter(), probabilities);
        Assert.NotEmpty(cuts);
        int previous = 0;
        foreach (var cut in cuts)
        {
            Assert.InRange(cut.Position - previous, Segmenter.MinSegmentMs * 16, Segmenter.MaxSegmentMs * 16);
            previous = cut.Position;
        }
        Assert.Equal(401 * SileroVad.WindowSamples, cuts[0].Position);
    }

    [Fact]
    public void Cuts_strictly_increase_so_segments_tile_the_recording()
    {
        var random = new Random(11);
        var probabilities = new List<float>();
        while (probabilities.Count < 120_000 / 32)
        {
            probabilities.AddRange(Repeat(Speech, random.Next(500, 9_000)));
            probabilities.AddRange(Repeat(Silence, random.Next(100, 1_500)));
        }
        var segmenter = new Segmenter();
        var cuts = Run(segmenter, probabilities);
        Assert.True(cuts.Count > 3, $"{cuts.Count} cuts");
        int previous = 0;
        foreach (var cut in cuts)
        {
            Assert.True(cut.Position > previous);
            AssertInSilence(probabilities, cut);
            // A cut needs the minimum length first (the pause's silence included, and it goes half-way into that silence).
            Assert.InRange(cut.Position - previous, Segmenter.MinSegmentMs / 2 * 16, Segmenter.MaxSegmentMs * 16);
            previous = cut.Position;
        }
        Assert.Equal(previous, segmenter.SegmentStart);
    }
}

/// <summary>The spool's disk writes happen off the capture path: a disk that does not answer never holds up capture.</summary>
public sealed class SpoolWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("wispr-spool-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_stalled_disk_lets_the_file_lag_and_capture_go_on_then_the_file_gets_every_sample()
    {
        var buffer = new CaptureBuffer(16000 * 60);
        var spool = RecordingSpool.Create(Path.Combine(_folder, "d1.wav"));
        using var disk = new SemaphoreSlim(0);
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? failure = null;
        using var writer = new SpoolWriter(spool, buffer, e => failure = e)
        {
            BeforeWrite = () =>
            {
                stalled.TrySetResult();
                disk.Wait(); // the disk does not answer until the test lets it
            },
        };
        var block = new float[320]; // 20 ms, as a microphone delivers it
        for (int i = 0; i < 500; i++) // 10 s of capture
        {
            block.AsSpan().Fill(i / 1000f);
            buffer.Write(block);
            writer.Pulse();
            if (i == 0)
                await stalled.Task.WaitAsync(TimeSpan.FromMinutes(1)); // the writer is now stuck inside the "disk"
        }
        // Capture went on in full while the disk was stalled: everything is in the buffer, almost nothing on disk.
        Assert.Equal(500 * 320, buffer.Count);
        Assert.Equal(0, spool.Samples);

        disk.Release(int.MaxValue / 2);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Null(failure);
        Assert.Equal(500 * 320, spool.Samples);
        var kept = spool.Keep()!;
        var samples = WavDecoder.ReadMono16k(kept);
        Assert.Equal(500 * 320, samples.Length);
        Assert.Equal(499 / 1000f, samples[^1], 5);
        Assert.Equal(0f, samples[0], 5);
    }
}
