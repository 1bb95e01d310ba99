using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>Turns a wire <see cref="AudioSourceSpec"/> into an opened <see cref="IAudioSource"/>.</summary>
public interface IAudioSourceFactory
{
    /// <summary>Opens the source; a missing file, recorder, device or permission fails here. Null means the default microphone.</summary>
    Task<IAudioSource> CreateAsync(AudioSourceSpec? spec, CancellationToken cancellationToken);
}

public sealed class AudioSourceFactory(IMicrophone microphone) : IAudioSourceFactory
{
    public async Task<IAudioSource> CreateAsync(AudioSourceSpec? spec, CancellationToken cancellationToken)
    {
        spec ??= new AudioSourceSpec();
        return spec.Kind switch
        {
            AudioSourceSpec.WavFile when string.IsNullOrWhiteSpace(spec.Path) =>
                throw new WisprException(WisprErrorCodes.InvalidParams, "source.path is required for a wavFile source."),
            AudioSourceSpec.WavFile => new WavFileSource(spec.Path!, spec.Realtime ?? true),
            AudioSourceSpec.Microphone or null or "" => await microphone.OpenAsync(spec.Device, cancellationToken).ConfigureAwait(false),
            _ => throw new WisprException(WisprErrorCodes.AudioSourceFailed,
                $"Unknown audio source kind '{spec.Kind}'. Supported: {AudioSourceSpec.Microphone}, {AudioSourceSpec.WavFile}."),
        };
    }
}

/// <summary>The VAD model, loaded on the first hands-free dictation and kept for the process's life.</summary>
public sealed class VadProvider : IDisposable
{
    private readonly object _gate = new();
    private SileroVad? _vad;

    public SileroVad Get()
    {
        lock (_gate)
            return _vad ??= new SileroVad(SileroVad.DefaultModelPath);
    }

    public void Dispose()
    {
        lock (_gate)
            _vad?.Dispose();
    }
}
