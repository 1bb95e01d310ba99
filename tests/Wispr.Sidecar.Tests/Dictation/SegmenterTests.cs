using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Dictation;

namespace Wispr.Sidecar.Tests.Dictation;

/// <summary>The segmenter's rules on hand-made VAD probabilities (one per 32 ms window).</summary>
public sealed class SegmenterTests
{
    private const float Speech = 0.9f, Silence = 0.05f;

    private static List<Segmenter.Cut> Run(Segmenter segmenter, IEnumerable<float> probabilities) =>
        probabilities.Select(segmenter.Add).Where(c => c is not null).Select(c => c!.Value).ToList();

    private static IEnumerable<float> Repeat(float p, int ms) => Enumerable.Repeat(p, ms / 32);

    [Fact]
    public void A_pause_after_enough_speech_is_cut_in_its_middle()
    {
        var probabilities = Repeat(Speech, 4_000).Concat(Repeat(Silence, 640)).Concat(Repeat(Speech, 2_000)).ToList();
        var cuts = Run(new Segmenter(), probabilities);
        var cut = Assert.Single(cuts);
        Assert.True(cut.HadSpeech);
        int window = cut.Position / SileroVad.WindowSamples;
        Assert.Equal(0, cut.Position % SileroVad.WindowSamples);
        Assert.True(Segmenter.IsSilence(probabilities[window - 1]) && Segmenter.IsSilence(probabilities[window]), "the cut lies inside the pause");
        // Cut once the pause reached 400 ms (13 windows), half-way into what it had then.
        Assert.Equal(125 + 6, window);
    }

    [Fact]
    public void Short_pauses_and_pauses_in_short_segments_are_not_cut()
    {
        var probabilities = Repeat(Speech, 1_000).Concat(Repeat(Silence, 1_000)) // a long pause, but the segment is only 1 s
            .Concat(Repeat(Speech, 3_000)).Concat(Repeat(Silence, 320))             // a pause under 400 ms
            .Concat(Repeat(Speech, 1_000));
        Assert.Empty(Run(new Segmenter(), probabilities));
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
            int w = cut.Position / SileroVad.WindowSamples;
            Assert.True(Segmenter.IsSilence(probabilities[w - 1]) && Segmenter.IsSilence(probabilities[w]), $"cut at window {w} is in a pause");
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
