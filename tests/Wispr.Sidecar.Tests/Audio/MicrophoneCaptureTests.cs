using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;

namespace Wispr.Sidecar.Tests.Audio;

/// <summary>
/// The Linux capture code (parec) against a real PulseAudio server: speech is played into the null sink with paplay and
/// captured from its monitor through <see cref="PulseMicrophone"/>; the capture must be what was played.
/// </summary>
[Collection(PulseCollection.Name)]
public sealed class MicrophoneCaptureTests : IDisposable
{
    private readonly TestAudio _audio = new();

    public void Dispose() => _audio.Dispose();

    [PulseFact]
    public async Task Device_list_names_the_test_monitor_as_default()
    {
        var devices = await PulseServer.Microphone().ListDevicesAsync(CancellationToken.None);
        var monitor = Assert.Single(devices, d => d.Id == PulseServer.Monitor);
        Assert.True(monitor.IsDefault);
        Assert.False(string.IsNullOrWhiteSpace(monitor.Name));
    }

    public static TheoryData<string> Speech() => new()
    {
        "samples/jfk.wav",
        "tests/fixtures/audio/librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
        "tests/fixtures/audio/librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
        "espeak:Open the file and add a unit test for the parser.",
    };

    [PulseTheory]
    [MemberData(nameof(Speech))]
    public async Task Captured_audio_is_what_was_played(string what)
    {
        var wav = what.StartsWith("espeak:", StringComparison.Ordinal)
            ? PulseServer.Speak(what["espeak:".Length..], _audio.Folder, "espeak")
            : Path.Combine(RepoPaths.Root, what);
        var reference = WavDecoder.ReadMono16k(wav);

        var captured = await CaptureWhilePlayingAsync(wav);

        // Aligned by cross-correlation: the same waveform (the null sink at 16 kHz mono passes it through, give or take
        // s16 rounding and resampling for espeak's 22 kHz), at the same level, nothing missing but the first few ms:
        // an idle null sink's monitor starts delivering only with the first block played.
        var (lag, correlation) = Signal.Align(reference, captured);
        Assert.True(correlation > 0.95, $"correlation {correlation:0.000} at lag {lag}");
        Assert.True(lag > -WavDecoder.SampleRate / 20, $"the capture missed the first {-lag} samples");
        Assert.True(lag + reference.Length <= captured.Length, $"capture ends {lag + reference.Length - captured.Length} samples early");
        int from = Math.Max(0, -lag);
        var expected = reference.AsSpan(from);
        var aligned = captured.AsSpan(lag + from, expected.Length);
        double gainDb = 20 * Math.Log10(Signal.Rms(aligned) / Signal.Rms(expected));
        Assert.InRange(gainDb, -1.0, 1.0);
        // Length: what was captured around the played audio is short (the tail the test waits for), not a repeat or a gap.
        Assert.InRange(captured.Length - (lag + reference.Length), 0, WavDecoder.SampleRate);
    }

    /// <summary>Starts capture through the product's parec code, plays <paramref name="wav"/> into the sink, then stops.</summary>
    internal static async Task<float[]> CaptureWhilePlayingAsync(string wav, string? device = PulseServer.Monitor, string sink = PulseServer.Sink)
    {
        var sink2 = new CollectingSink();
        await using var source = await PulseServer.Microphone().OpenAsync(device, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var capture = source.RunAsync(sink2, stop.Token);
        await PulseServer.PlayAsync(wav, sink);
        // paplay returns when the server has played the last sample; give the capture path its latency (20 ms) plus margin.
        var until = sink2.Count + WavDecoder.SampleRate / 4;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (sink2.Count < until && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        stop.Cancel();
        await capture;
        return sink2.ToArray();
    }

    [PulseFact]
    public async Task A_missing_device_fails_the_open_naming_the_fix()
    {
        var ex = await Assert.ThrowsAsync<WisprException>(() => PulseServer.Microphone().OpenAsync("no_such_microphone", CancellationToken.None));
        Assert.Equal(WisprErrorCodes.MicrophoneUnavailable, ex.Code);
        Assert.Contains("Choose Microphone", ex.Message);
    }

    [Fact]
    public async Task A_missing_recorder_program_is_RecorderMissing_with_the_package_to_install()
    {
        var mic = new PulseMicrophone(parec: "/nonexistent/parec");
        var ex = await Assert.ThrowsAsync<WisprException>(() => mic.OpenAsync(null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.RecorderMissing, ex.Code);
        Assert.Contains("pulseaudio-utils", ex.Message);
    }

    [Fact]
    public async Task No_audio_server_is_MicrophoneUnavailable_saying_how_to_start_one()
    {
        if (PulseServer.Run("parec", null, "--version").Code != 0)
            return; // parec not installed: covered by the RecorderMissing test
        var mic = new PulseMicrophone(server: "unix:/nonexistent/wispr/native");
        var ex = await Assert.ThrowsAsync<WisprException>(() => mic.OpenAsync(null, CancellationToken.None));
        Assert.Equal(WisprErrorCodes.MicrophoneUnavailable, ex.Code);
        Assert.Contains("pipewire", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("Stream error: Access denied", WisprErrorCodes.PermissionDenied)]
    [InlineData("pa_context_connect() failed: Connection refused", WisprErrorCodes.MicrophoneUnavailable)]
    [InlineData("Stream error: No such entity", WisprErrorCodes.MicrophoneUnavailable)]
    [InlineData("Stream error: Connection terminated", WisprErrorCodes.MicrophoneUnavailable)]
    [InlineData("something else entirely", WisprErrorCodes.AudioSourceFailed)]
    public void Recorder_errors_map_to_codes(string stderr, int code) =>
        Assert.Equal(code, PulseMicrophone.DescribeFailure($"Opening a recording stream…\nConnection established.\u001b[K\n{stderr}\n", "the default microphone").Code);

    [Fact]
    public void Pactl_json_source_list_parses_with_microphones_first_and_the_default_marked()
    {
        const string json = """
            [{"index":0,"name":"alsa_output.pci.monitor","description":"Monitor of Speakers"},
             {"index":1,"name":"alsa_input.usb-mic","description":"USB Microphone"},
             {"index":2,"name":"alsa_input.pci","description":"Built-in Audio"}]
            """;
        var devices = PulseMicrophone.ParseSources(json, "alsa_input.pci");
        Assert.Equal(["alsa_input.pci", "alsa_input.usb-mic", "alsa_output.pci.monitor"], devices.Select(d => d.Id));
        Assert.True(devices[0].IsDefault);
        Assert.Equal("USB Microphone", devices[1].Name);
    }
}

/// <summary>The PulseAudio tests share one null sink: run them one class at a time so their audio does not mix.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PulseCollection
{
    public const string Name = "PulseAudio";
}
