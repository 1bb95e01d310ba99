using System.Diagnostics;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Tests.Recognition;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>
/// The PulseAudio test server of scripts/pulse-test-server.sh: a daemon with a null sink "wispr_test" whose monitor is the
/// default source. Found through WISPR_TEST_PULSE_SERVER (set by scripts/test-all.sh), else started by running the script.
/// Readiness is checked with `pactl info`, never by sleeping.
/// </summary>
public static class PulseServer
{
    public const string Sink = "wispr_test";
    public const string Monitor = "wispr_test.monitor";

    private static readonly Lazy<(string? Server, string? Why)> State = new(Find);

    /// <summary>The server address (unix:/…/native), or null when none could be started.</summary>
    public static string? Address => State.Value.Server;

    public static string? UnavailableReason => State.Value.Why;

    /// <summary>The product's Linux microphone, pointed at the test server.</summary>
    public static PulseMicrophone Microphone() => new(server: Address);

    private static (string?, string?) Find()
    {
        if (!OperatingSystem.IsLinux())
            return (null, "the PulseAudio tests run on Linux only");
        var server = Environment.GetEnvironmentVariable("WISPR_TEST_PULSE_SERVER");
        if (string.IsNullOrWhiteSpace(server) || Run("pactl", server, "info").Code != 0)
        {
            var script = Path.Combine(RepoPaths.Root, "scripts", "pulse-test-server.sh");
            var (code, output) = Run("bash", null, script);
            if (code != 0)
                return (null, $"no PulseAudio server could be started: {output.Trim()}");
            server = output.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith("export PULSE_SERVER=", StringComparison.Ordinal))["export PULSE_SERVER=".Length..];
        }
        var info = Run("pactl", server, "info");
        return info.Code == 0 ? (server, null) : (null, $"PulseAudio at {server} does not answer: {info.Output.Trim()}");
    }

    /// <summary>Runs a program with PULSE_SERVER set to <paramref name="server"/>; returns its exit code and stdout+stderr.</summary>
    public static (int Code, string Output) Run(string program, string? server, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        if (server is not null)
            psi.Environment["PULSE_SERVER"] = server;
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000))
            {
                p.Kill();
                return (-1, $"{program} timed out");
            }
            return (p.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, $"{program}: {ex.Message}");
        }
    }

    /// <summary>Plays a WAV file into <paramref name="sink"/> with paplay; completes when it has been played.</summary>
    public static async Task PlayAsync(string wav, string sink = Sink)
    {
        var (code, output) = await Task.Run(() => Run("paplay", Address, $"--device={sink}", wav));
        if (code != 0)
            throw new InvalidOperationException($"paplay {wav} failed ({code}): {output}");
    }

    /// <summary>Makes a 16 kHz mono WAV of <paramref name="text"/> spoken by espeak-ng (and sox), in <paramref name="folder"/>.</summary>
    public static string Speak(string text, string folder, string name)
    {
        var raw = Path.Combine(folder, name + ".espeak.wav");
        var wav = Path.Combine(folder, name + ".wav");
        var (code, output) = Run("espeak-ng", null, "-v", "en-us", "-s", "160", "-w", raw, text);
        if (code != 0)
            throw new InvalidOperationException($"espeak-ng failed: {output}");
        (code, output) = Run("sox", null, raw, "-r", "16000", "-c", "1", "-b", "16", wav);
        if (code != 0)
            throw new InvalidOperationException($"sox failed: {output}");
        return wav;
    }
}

/// <summary>A fact that needs the PulseAudio test server; skipped, with the reason, only when none can be started.</summary>
public sealed class PulseFactAttribute : FactAttribute
{
    public PulseFactAttribute()
    {
        if (PulseServer.Address is null)
            Skip = $"PulseAudio test server unavailable: {PulseServer.UnavailableReason}";
    }
}

/// <summary>A theory that needs the PulseAudio test server; skipped, with the reason, only when none can be started.</summary>
public sealed class PulseTheoryAttribute : TheoryAttribute
{
    public PulseTheoryAttribute()
    {
        if (PulseServer.Address is null)
            Skip = $"PulseAudio test server unavailable: {PulseServer.UnavailableReason}";
    }
}

/// <summary>Collects captured audio (a test stand-in for the capture buffer).</summary>
public sealed class CollectingSink : IAudioSink
{
    private readonly List<float> _samples = [];

    public int Count { get { lock (_samples) return _samples.Count; } }

    public float[] ToArray() { lock (_samples) return _samples.ToArray(); }

    public void Write(ReadOnlySpan<float> samples)
    {
        lock (_samples)
            _samples.AddRange(samples);
    }
}
