using System.Diagnostics;
using System.Text.Json;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>
/// Linux: PulseAudio, or PipeWire through pipewire-pulse, via the <c>parec</c> and <c>pactl</c> programs (Debian/Ubuntu package
/// pulseaudio-utils). parec is asked for 16 kHz mono float32 directly, so the server does the conversion.
/// The programs can be overridden with WISPR_PAREC / WISPR_PACTL (tests use this to simulate a missing recorder).
/// </summary>
public sealed class PulseMicrophone(string? parec = null, string? pactl = null, string? server = null) : IMicrophone
{
    internal const string InstallHint =
        "Install PulseAudio's command-line tools (Debian/Ubuntu: sudo apt install pulseaudio-utils; Fedora: sudo dnf install pulseaudio-utils); " +
        "they work with PipeWire too (through pipewire-pulse).";

    private string Parec { get; } = parec ?? (Environment.GetEnvironmentVariable("WISPR_PAREC") is { Length: > 0 } p ? p : "parec");
    private string Pactl { get; } = pactl ?? (Environment.GetEnvironmentVariable("WISPR_PACTL") is { Length: > 0 } p ? p : "pactl");

    public string Name => "parec (PulseAudio/PipeWire)";

    public async Task<IReadOnlyList<AudioDevice>> ListDevicesAsync(CancellationToken cancellationToken)
    {
        var json = await RunPactlAsync(cancellationToken, "--format=json", "list", "sources").ConfigureAwait(false);
        string? defaultSource = null;
        try
        {
            defaultSource = (await RunPactlAsync(cancellationToken, "get-default-source").ConfigureAwait(false)).Trim();
        }
        catch (WisprException) { /* older pactl: no default marked */ }
        return ParseSources(json, defaultSource);
    }

    internal static IReadOnlyList<AudioDevice> ParseSources(string json, string? defaultSource)
    {
        var devices = new List<AudioDevice>();
        using var doc = JsonDocument.Parse(json);
        foreach (var s in doc.RootElement.EnumerateArray())
        {
            var name = s.GetProperty("name").GetString() ?? "";
            var description = s.TryGetProperty("description", out var d) ? d.GetString() : null;
            devices.Add(new AudioDevice(name, string.IsNullOrWhiteSpace(description) ? name : description, name == defaultSource));
        }
        // Real microphones first, monitors of outputs ("what the speakers play") after.
        return devices.OrderBy(d => d.Id.EndsWith(".monitor", StringComparison.Ordinal)).ThenByDescending(d => d.IsDefault).ToList();
    }

    public async Task<IAudioSource> OpenAsync(string? device, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(Parec);
        if (server is not null)
            psi.Environment["PULSE_SERVER"] = server;
        foreach (var a in new[] { "-v", "--format=float32le", "--rate=16000", "--channels=1", "--latency-msec=20", "--client-name=Wispr dictation", "--stream-name=dictation" })
            psi.ArgumentList.Add(a);
        if (!string.IsNullOrWhiteSpace(device))
            psi.ArgumentList.Add($"--device={device}");
        var what = string.IsNullOrWhiteSpace(device) ? "the default microphone" : $"the microphone '{device}'";
        return await RecorderProcessSource.StartAsync(psi, $"parec:{(string.IsNullOrWhiteSpace(device) ? "default" : device)}",
            "Stream successfully created.", InstallHint, stderr => DescribeFailure(stderr, what), cancellationToken,
            // A chosen device that disappears makes the server move the stream to another one: that is the device vanishing,
            // not a reason to go on recording from a microphone the user did not pick. The default follows the default.
            abortMarker: string.IsNullOrWhiteSpace(device) ? null : MovedMarker).ConfigureAwait(false);
    }

    internal const string MovedMarker = "Stream moved to device";

    /// <summary>Turns parec's stderr into the error the user sees, naming the fix.</summary>
    internal static WisprException DescribeFailure(string stderr, string what)
    {
        var last = LastMeaningfulLine(stderr);
        if (stderr.Contains(MovedMarker, StringComparison.Ordinal))
            return Microphones.NoMicrophone($"{Capitalize(what)} went away during the recording; what was captured until then is kept.");
        if (stderr.Contains("No such entity", StringComparison.OrdinalIgnoreCase))
            return Microphones.NoMicrophone($"{Capitalize(what)} is not there (any more): {last}.");
        if (stderr.Contains("Access denied", StringComparison.OrdinalIgnoreCase) || stderr.Contains("Permission denied", StringComparison.OrdinalIgnoreCase))
            return new WisprException(WisprErrorCodes.PermissionDenied,
                $"Access to {what} was denied ({last}). Allow microphone access for VS Code (Flatpak/Snap: grant the audio/microphone permission, " +
                "e.g. flatpak override --user --socket=pulseaudio com.visualstudio.code) and make sure the audio server runs as your user.");
        if (stderr.Contains("Connection refused", StringComparison.OrdinalIgnoreCase) || stderr.Contains("Connection failure", StringComparison.OrdinalIgnoreCase)
            || stderr.Contains("pa_context_connect", StringComparison.Ordinal))
            return new WisprException(WisprErrorCodes.MicrophoneUnavailable,
                $"No audio server is running ({last}). Start PipeWire (systemctl --user start pipewire pipewire-pulse) or PulseAudio (pulseaudio --start).");
        if (stderr.Contains("Connection terminated", StringComparison.OrdinalIgnoreCase) || stderr.Contains("Stream error", StringComparison.OrdinalIgnoreCase))
            return Microphones.NoMicrophone($"{Capitalize(what)} stopped delivering audio ({last}).");
        return new WisprException(WisprErrorCodes.AudioSourceFailed, $"Capturing from {what} failed: {last}");
    }

    private static string LastMeaningfulLine(string stderr) =>
        stderr.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Replace("\u001b[K", "", StringComparison.Ordinal))
            .LastOrDefault(l => l.Length > 0 && !l.StartsWith("Time:", StringComparison.Ordinal)) ?? stderr.Trim();

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private async Task<string> RunPactlAsync(CancellationToken cancellationToken, params string[] args)
    {
        var psi = new ProcessStartInfo(Pactl) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (server is not null)
            psi.Environment["PULSE_SERVER"] = server;
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new WisprException(WisprErrorCodes.RecorderMissing, $"'{Pactl}' could not be started ({ex.Message}). {InstallHint}", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
                throw DescribeFailure(await stderr.ConfigureAwait(false), "the audio server");
            return await stdout.ConfigureAwait(false);
        }
    }
}
