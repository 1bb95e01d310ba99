using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>A capture device as the wire shows it (<c>audio/listDevices</c>).</summary>
public sealed record AudioDevice(string Id, string Name, bool IsDefault);

/// <summary>
/// The platform's microphone: lists capture devices and opens one as an <see cref="IAudioSource"/> delivering
/// 16 kHz mono float32. One implementation per platform, picked by <see cref="Microphones.ForThisPlatform"/>.
/// </summary>
public interface IMicrophone
{
    /// <summary>For logs and messages, e.g. "parec (PulseAudio/PipeWire)".</summary>
    string Name { get; }

    Task<IReadOnlyList<AudioDevice>> ListDevicesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Opens <paramref name="device"/> (null or empty: the system default) and waits until audio flows, so a missing
    /// recorder, server, device or permission fails here with a <see cref="WisprException"/> naming the fix.
    /// </summary>
    Task<IAudioSource> OpenAsync(string? device, CancellationToken cancellationToken);
}

public static class Microphones
{
    public static IMicrophone ForThisPlatform()
    {
        if (OperatingSystem.IsWindows())
            return new WasapiMicrophone();
        if (OperatingSystem.IsMacOS())
            return new SoxMicrophone();
        return new PulseMicrophone();
    }

    internal static WisprException NoMicrophone(string why) => new(WisprErrorCodes.MicrophoneUnavailable,
        $"{why} Plug in or enable a microphone, or pick another one with \"Wispr: Choose Microphone\".");
}
