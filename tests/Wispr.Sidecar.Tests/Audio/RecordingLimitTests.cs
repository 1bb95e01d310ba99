using System.Text.Json;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Audio;

/// <summary>The recording bound: a warning before the cut, then an end the client sees; never a silent loss.</summary>
public sealed class RecordingLimitTests : IAsyncLifetime
{
    private readonly TestAudio _audio = new();
    private InMemorySidecar _sidecar = null!;

    public async Task InitializeAsync() =>
        _sidecar = await InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = _audio.Text("fake model", "model.bin"), MaxRecordingSeconds = 3 },
            new FakeBackendProvider());

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _audio.Dispose();
    }

    [Fact]
    public async Task The_limit_is_announced_before_the_cut_and_the_cut_ends_the_dictation_with_reason_limit()
    {
        var wav = _audio.Tone(5.0);
        var start = await _sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "wavFile", path = wav, realtime = false } });
        var id = start.GetProperty("dictationId").GetString();

        var warning = await _sidecar.WaitForNotificationAsync(M.DictationLimitApproaching, p => p.GetProperty("dictationId").GetString() == id);
        Assert.Equal(3000, warning.GetProperty("maxMs").GetInt64());
        // The lead is 30 s, or half of a shorter limit.
        Assert.InRange(warning.GetProperty("remainingMs").GetInt64(), 1400, 1500);
        var ended = await _sidecar.WaitForNotificationAsync(M.DictationSourceEnded, p => p.GetProperty("dictationId").GetString() == id);
        Assert.Equal("limit", ended.GetProperty("reason").GetString());
        Assert.Equal(3000, ended.GetProperty("capturedMs").GetInt64());
        var order = _sidecar.Notifications.Select(n => n.Method).Where(m => m is M.DictationLimitApproaching or M.DictationSourceEnded).ToList();
        Assert.Equal([M.DictationLimitApproaching, M.DictationSourceEnded], order);

        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
        Assert.Equal("heard 48000 samples", result.GetProperty("rawText").GetString());
    }

    [Fact]
    public async Task A_per_dictation_maximum_below_the_sidecar_bound_applies()
    {
        var wav = _audio.Tone(2.0);
        var (id, ended) = await _sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = wav, realtime = false }, maxDurationMs = 1000 });
        Assert.Equal("limit", ended.GetProperty("reason").GetString());
        var result = await _sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
        Assert.Equal("heard 16000 samples", result.GetProperty("rawText").GetString());
    }

    [Fact]
    public void The_level_meter_reports_at_most_20_times_a_second_and_counts_silence()
    {
        var levels = new List<AudioLevel>();
        var meter = new LevelMeter(levels.Add);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var loud = Enumerable.Range(0, 320).Select(i => 0.5f * MathF.Sin(i / 5f)).ToArray();
        var quiet = new float[320];
        // 10 s of audio delivered as fast as possible, 20 ms at a time: first loud, then silent.
        for (int i = 0; i < 500; i++)
            meter.Write(i < 250 ? loud : quiet);
        var seconds = Math.Max(clock.Elapsed.TotalSeconds, 0.05);
        Assert.InRange(levels.Count, 1, 20 * seconds + 1);
        Assert.True(levels[0].Peak > 0.4f && levels[0].Rms > 0.2f);
        Assert.Equal(0, levels[0].SilentMs);
    }

    [Fact]
    public void Silent_input_reports_growing_silentMs()
    {
        AudioLevel? last = null;
        var meter = new LevelMeter(l => last = l);
        meter.Write(Enumerable.Repeat(0.3f, 800).ToArray());
        Thread.Sleep(60);
        meter.Write(new float[3 * 16000]);
        Assert.NotNull(last);
        Assert.Equal(3000, last.Value.SilentMs);
        Assert.Equal(0f, last.Value.Peak);
    }
}
