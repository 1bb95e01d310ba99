using Wispr.Sidecar.Recognition;
using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>The thread and encoder-context choices as pure functions of the machine and the clip.</summary>
public sealed class RecognitionTuningTests
{
    [Theory]
    // auto on a quiet machine: physical cores, at most 4
    [InlineData(0, 2, 2, 0.1, 2)]
    [InlineData(0, 4, 2, 0.5, 2)]   // 2 cores with hyper-threading: physical, not logical
    [InlineData(0, 16, 8, 1.0, 4)]  // capped at 4
    [InlineData(0, 1, 1, 0.0, 1)]
    // both cores already busy (two busy loops, or a second recognition): still the quiet count, which is this process's CPU share
    [InlineData(0, 2, 2, 2.0, 2)]
    [InlineData(0, 2, 2, 3.9, 2)]
    // oversubscribed (8 busy threads on 2 cores): one fewer, so no barrier waits on a preempted partner
    [InlineData(0, 2, 2, 4.0, 1)]
    [InlineData(0, 2, 2, 9.0, 1)]
    [InlineData(0, 16, 8, 20.0, 3)]
    [InlineData(0, 1, 1, 50.0, 1)]  // never below one
    // no load average (Windows): counted as quiet
    [InlineData(0, 2, 2, null, 2)]
    // set by the user: taken as given, up to the logical cores, whatever the load
    [InlineData(3, 16, 8, 30.0, 3)]
    [InlineData(8, 2, 2, 0.0, 2)]
    [InlineData(1, 2, 2, 0.0, 1)]
    public void Threads(int requested, int logical, int physical, double? load, int expected) =>
        Assert.Equal(expected, RecognitionTuning.ChooseThreads(requested, logical, physical, load));

    [Fact]
    public void Threads_at_load_ignore_the_load_average()
    {
        Assert.Equal(2, RecognitionTuning.ChooseThreadsAtLoad(0, 2, 2));
        Assert.Equal(4, RecognitionTuning.ChooseThreadsAtLoad(0, 32, 16));
        Assert.Equal(6, RecognitionTuning.ChooseThreadsAtLoad(6, 32, 16));
    }

    [Theory]
    [InlineData(16_000 / 2, 25 + 64)]      // 0.5 s: 25 positions + 64
    [InlineData(1_600, 5 + 64)]            // 0.1 s, whisper.cpp's shortest input
    [InlineData(1, 1 + 64)]                // rounded up
    [InlineData(16_000 * 2, 100 + 64)]
    [InlineData(16_000 * 5, 250 + 64)]
    [InlineData(16_000 * 11, 550 + 64)]
    [InlineData(16_000 * 28, 1400 + 64)]
    [InlineData(1_435 * 320, 1_435 + 64)]  // 28.7 s: the longest clip that gets less than the full window
    public void Fit_is_the_clip_plus_a_margin(int samples, int expected) =>
        Assert.Equal(expected, RecognitionTuning.AudioContextFor(samples, AudioContextMode.Fit));

    [Theory]
    [InlineData(1_435 * 320 + 1)]   // 1436 + 64 reaches the window: the full window
    [InlineData(16_000 * 29)]
    [InlineData(16_000 * 30)]
    [InlineData(16_000 * 31)]       // longer clips are decoded in 30 s windows, all with one context
    [InlineData(16_000 * 600)]
    [InlineData(0)]                 // nothing to size (whisper.cpp is not called for it anyway)
    public void Fit_uses_the_full_window_from_about_29_seconds(int samples) =>
        Assert.Null(RecognitionTuning.AudioContextFor(samples, AudioContextMode.Fit));

    [Theory]
    [InlineData(16_000 / 2)]
    [InlineData(16_000 * 5)]
    [InlineData(16_000 * 31)]
    public void Full_always_uses_the_full_window(int samples) =>
        Assert.Null(RecognitionTuning.AudioContextFor(samples, AudioContextMode.Full));

    [Fact]
    public void Fit_never_exceeds_the_window()
    {
        for (var samples = 1; samples <= 16_000 * 31; samples += 997)
            Assert.True(RecognitionTuning.AudioContextFor(samples, AudioContextMode.Fit) is null or < RecognitionTuning.FullAudioContext);
    }

    [Theory]
    [InlineData("fit", AudioContextMode.Fit)]
    [InlineData("FULL", AudioContextMode.Full)]
    [InlineData(" full ", AudioContextMode.Full)]
    public void Audio_context_setting_values(string value, AudioContextMode expected) =>
        Assert.Equal(expected, RecognitionTuning.ParseAudioContext(value));

    [Theory]
    [InlineData("")]
    [InlineData("auto")]
    [InlineData("768")]
    public void Unknown_audio_context_values_are_refused_by_name(string value) =>
        Assert.Contains("fit", Assert.Throws<ArgumentException>(() => RecognitionTuning.ParseAudioContext(value)).Message);

    [Fact]
    public void Physical_cores_come_from_distinct_package_and_core_ids()
    {
        // 2 cores × 2 hyper-threads on one package, as /proc/cpuinfo lists them.
        var cpuinfo = string.Join("\n\n", new[] { (0, 0), (1, 1), (2, 0), (3, 1) }.Select(p =>
            $"processor\t: {p.Item1}\nvendor_id\t: GenuineIntel\nphysical id\t: 0\ncore id\t\t: {p.Item2}\ncpu cores\t: 2")) + "\n";
        Assert.Equal(2, RecognitionTuning.CountPhysicalCores(cpuinfo, 4));
        Assert.Equal(1, RecognitionTuning.CountPhysicalCores(cpuinfo, 1)); // affinity allows one CPU
        // Two packages with the same core ids are different cores.
        var twoPackages = "physical id\t: 0\ncore id\t: 0\n\nphysical id\t: 1\ncore id\t: 0\n";
        Assert.Equal(2, RecognitionTuning.CountPhysicalCores(twoPackages, 8));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("processor\t: 0\nmodel name\t: ARMv8\n\nprocessor\t: 1\n")] // no core ids (some VMs, ARM)
    public void Without_core_ids_the_logical_count_is_used(string? cpuinfo) =>
        Assert.Equal(3, RecognitionTuning.CountPhysicalCores(cpuinfo, 3));

    [Fact]
    public void This_machine_gives_a_sane_choice()
    {
        var physical = RecognitionTuning.PhysicalCores.Value;
        Assert.InRange(physical, 1, Environment.ProcessorCount);
        Assert.InRange(RecognitionTuning.ThreadsNow(0), 1, Math.Min(physical, RecognitionTuning.MaxAutoThreads));
        if (OperatingSystem.IsLinux())
            Assert.True(RecognitionTuning.LoadAverage() >= 0);
    }
}
