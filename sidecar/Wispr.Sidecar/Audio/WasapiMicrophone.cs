using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading.Channels;
using NAudio.CoreAudioApi;
using NAudio.Wave;
using NAudio.Wave.SampleProviders;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>
/// Windows: WASAPI shared-mode capture through NAudio.Wasapi, converted to 16 kHz mono float32 in process.
/// Compiled everywhere, called only on Windows (every entry point checks <see cref="OperatingSystem.IsWindows"/>).
/// </summary>
public sealed class WasapiMicrophone : IMicrophone
{
    public string Name => "WASAPI";

    public Task<IReadOnlyList<AudioDevice>> ListDevicesAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
            throw new WisprException(WisprErrorCodes.MicrophoneUnavailable, "WASAPI capture exists only on Windows.");
        return Task.FromResult(List());
    }

    [SupportedOSPlatform("windows")]
    private static IReadOnlyList<AudioDevice> List()
    {
        using var enumerator = new MMDeviceEnumerator();
        string? defaultId = null;
        if (enumerator.HasDefaultAudioEndpoint(DataFlow.Capture, Role.Communications))
            defaultId = enumerator.GetDefaultAudioEndpoint(DataFlow.Capture, Role.Communications).ID;
        return enumerator.EnumerateAudioEndPoints(DataFlow.Capture, DeviceState.Active)
            .Select(d => new AudioDevice(d.ID, d.FriendlyName, d.ID == defaultId)).ToList();
    }

    public Task<IAudioSource> OpenAsync(string? device, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
            throw new WisprException(WisprErrorCodes.MicrophoneUnavailable, "WASAPI capture exists only on Windows.");
        return Task.FromResult<IAudioSource>(WasapiSource.Open(device));
    }

    [SupportedOSPlatform("windows")]
    private sealed class WasapiSource : IAudioSource
    {
#pragma warning disable CS0618 // NAudio 3.3 marks WasapiCapture obsolete for WasapiRecorder; moving needs a Windows machine to test on
        private readonly WasapiCapture _capture;
#pragma warning restore CS0618
        private readonly Channel<float[]> _blocks = Channel.CreateBounded<float[]>(new BoundedChannelOptions(200) { FullMode = BoundedChannelFullMode.DropOldest });
        private readonly BufferedWaveProvider _incoming;
        private readonly ISampleProvider _converted;
        private Exception? _failure;

        private WasapiSource(MMDevice device)
        {
#pragma warning disable CS0618 // see the field
            _capture = new WasapiCapture(device, useEventSync: true, audioBufferMillisecondsLength: 50);
#pragma warning restore CS0618
            Description = $"wasapi:{device.FriendlyName}";
            _incoming = new BufferedWaveProvider(_capture.WaveFormat) { DiscardOnBufferOverflow = true, ReadFully = false };
            ISampleProvider samples = _incoming.ToSampleProvider();
            if (samples.WaveFormat.Channels > 1)
                samples = new MultiplexingSampleProvider([samples], 1);
            if (samples.WaveFormat.SampleRate != WavDecoder.SampleRate)
                samples = new WdlResamplingSampleProvider(samples, WavDecoder.SampleRate);
            _converted = samples;
            _capture.DataAvailable += OnData;
            _capture.RecordingStopped += (_, e) =>
            {
                _failure = e.Exception;
                _blocks.Writer.TryComplete();
            };
        }

        public static WasapiSource Open(string? deviceId)
        {
            try
            {
                using var enumerator = new MMDeviceEnumerator();
                MMDevice device;
                if (string.IsNullOrWhiteSpace(deviceId))
                {
                    if (!enumerator.HasDefaultAudioEndpoint(DataFlow.Capture, Role.Communications))
                        throw Microphones.NoMicrophone("Windows reports no microphone.");
                    device = enumerator.GetDefaultAudioEndpoint(DataFlow.Capture, Role.Communications);
                }
                else
                {
                    device = enumerator.GetDevice(deviceId);
                }
                var source = new WasapiSource(device);
                source._capture.StartRecording();
                return source;
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException || (ex is COMException c && (uint)c.HResult == 0x80070005))
            {
                throw new WisprException(WisprErrorCodes.PermissionDenied,
                    "Windows denied access to the microphone. Allow it in Settings › Privacy & security › Microphone (\"Let desktop apps access your microphone\").", ex);
            }
            catch (COMException ex)
            {
                throw Microphones.NoMicrophone($"The microphone could not be opened ({ex.Message}, 0x{ex.HResult:X8}).");
            }
        }

        public string Description { get; }

        private void OnData(object? sender, WaveInEventArgs e)
        {
            _incoming.AddSamples(e.Buffer, 0, e.BytesRecorded);
            var block = new float[WavDecoder.SampleRate / 20];
            int n;
            while ((n = _converted.Read(block)) > 0)
                _blocks.Writer.TryWrite(block.AsSpan(0, n).ToArray());
        }

        public async Task RunAsync(IAudioSink sink, CancellationToken cancellationToken)
        {
            using var stop = cancellationToken.Register(() => _capture.StopRecording());
            await foreach (var block in _blocks.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                sink.Write(block);
            if (!cancellationToken.IsCancellationRequested || _failure is not null)
                throw Microphones.NoMicrophone($"The microphone stopped delivering audio ({_failure?.Message ?? "the device went away"}).");
        }

        public ValueTask DisposeAsync()
        {
            try { _capture.StopRecording(); } catch (Exception) { /* already stopped */ }
            _capture.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
