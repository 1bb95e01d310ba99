using System.Diagnostics;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>
/// macOS: SoX (<c>brew install sox</c>) records from Core Audio: <c>sox -q -d -t raw -e floating-point -b 32 -r 16000 -c 1 -</c>.
/// A device other than the default is chosen through SoX's AUDIODEV variable; macOS asks the user for microphone permission
/// on first use (for the app that runs VS Code).
/// </summary>
public sealed class SoxMicrophone : IMicrophone
{
    private const string InstallHint = "Install SoX (brew install sox) so that 'sox' is on the PATH.";
    private static string Sox => Environment.GetEnvironmentVariable("WISPR_SOX") is { Length: > 0 } p ? p : "sox";

    public string Name => "sox (Core Audio)";

    public Task<IReadOnlyList<AudioDevice>> ListDevicesAsync(CancellationToken cancellationToken) =>
        // SoX cannot enumerate Core Audio devices; offer the default, and any name typed into wispr.audio.device works.
        Task.FromResult<IReadOnlyList<AudioDevice>>([new AudioDevice("", "System default input", true)]);

    public async Task<IAudioSource> OpenAsync(string? device, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(Sox);
        foreach (var a in new[] { "-q", "-d", "-t", "raw", "-e", "floating-point", "-b", "32", "-L", "-r", "16000", "-c", "1", "-" })
            psi.ArgumentList.Add(a);
        if (!string.IsNullOrWhiteSpace(device))
            psi.Environment["AUDIODEV"] = device;
        var what = string.IsNullOrWhiteSpace(device) ? "the default microphone" : $"the microphone '{device}'";
        return await RecorderProcessSource.StartAsync(psi, $"sox:{(string.IsNullOrWhiteSpace(device) ? "default" : device)}", null, InstallHint,
            stderr => stderr.Contains("permission", StringComparison.OrdinalIgnoreCase) || stderr.Contains("not authorized", StringComparison.OrdinalIgnoreCase)
                ? new WisprException(WisprErrorCodes.PermissionDenied,
                    $"macOS denied access to {what} ({stderr.Trim()}). Allow it in System Settings › Privacy & Security › Microphone for Visual Studio Code.")
                : Microphones.NoMicrophone($"SoX could not record from {what}: {stderr.Trim()}."),
            cancellationToken).ConfigureAwait(false);
    }
}
