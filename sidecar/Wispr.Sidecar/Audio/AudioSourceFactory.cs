using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>Turns a wire <see cref="AudioSourceSpec"/> into an opened <see cref="IAudioSource"/>.</summary>
public interface IAudioSourceFactory
{
    IAudioSource Create(AudioSourceSpec? spec);
}

public sealed class AudioSourceFactory : IAudioSourceFactory
{
    public IAudioSource Create(AudioSourceSpec? spec)
    {
        if (spec is null)
            throw new WisprException(WisprErrorCodes.AudioSourceFailed,
                "No audio source given. This version captures from a WAV file: pass source { kind: \"wavFile\", path } " +
                "(in VS Code: the wispr.audio.wavFile setting).");
        return spec.Kind switch
        {
            "wavFile" when string.IsNullOrWhiteSpace(spec.Path) =>
                throw new WisprException(WisprErrorCodes.InvalidParams, "source.path is required for a wavFile source."),
            "wavFile" => new WavFileSource(spec.Path!, spec.Realtime ?? true),
            _ => throw new WisprException(WisprErrorCodes.AudioSourceFailed, $"Unknown audio source kind '{spec.Kind}'. Supported: wavFile."),
        };
    }
}
