using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>
/// Silero VAD v6 (MIT) on ONNX Runtime. Inputs: <c>input</c> [1, 64 + 512] (the previous window's last 64 samples, then 512 new
/// ones), <c>state</c> [2, 1, 128], <c>sr</c> int64 scalar 16000; outputs <c>output</c> [1, 1] (speech probability) and
/// <c>stateN</c>. One model per process (loaded on first use); one <see cref="SileroVadStream"/> per recording.
/// </summary>
public sealed class SileroVad : IDisposable
{
    public const int WindowSamples = 512;   // 32 ms at 16 kHz
    public const int ContextSamples = 64;
    public const int StateSize = 2 * 1 * 128;

    private readonly InferenceSession _session;
    private readonly object _gate = new();

    public SileroVad(string modelPath)
    {
        if (!File.Exists(modelPath))
            throw new WisprException(WisprErrorCodes.VadUnavailable,
                $"The voice-activity model is missing: {modelPath}. Reinstall the extension (it ships models/silero_vad.onnx next to the sidecar).");
        try
        {
            var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            _session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new WisprException(WisprErrorCodes.VadUnavailable, $"The voice-activity model {modelPath} could not be loaded: {ex.Message}", ex);
        }
        ModelPath = modelPath;
    }

    public string ModelPath { get; }

    /// <summary>Where the sidecar finds the model: next to its binaries (models/silero_vad.onnx), or WISPR_VAD_MODEL.</summary>
    public static string DefaultModelPath =>
        Environment.GetEnvironmentVariable("WISPR_VAD_MODEL") is { Length: > 0 } p ? p : Path.Combine(AppContext.BaseDirectory, "models", "silero_vad.onnx");

    public SileroVadStream CreateStream() => new(this);

    /// <summary>Speech probability of one 576-sample input (64 context + 512 new); updates <paramref name="state"/> in place.</summary>
    internal float Infer(float[] input, float[] state)
    {
        var inputTensor = new DenseTensor<float>(input, [1, ContextSamples + WindowSamples]);
        var stateTensor = new DenseTensor<float>(state, [2, 1, 128]);
        var srTensor = new DenseTensor<long>(new long[] { WavDecoder.SampleRate }, ReadOnlySpan<int>.Empty);
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input", inputTensor),
            NamedOnnxValue.CreateFromTensor("state", stateTensor),
            NamedOnnxValue.CreateFromTensor("sr", srTensor),
        };
        lock (_gate)
        {
            using var results = _session.Run(inputs);
            float probability = 0;
            foreach (var r in results)
            {
                if (r.Name == "output")
                    probability = r.AsTensor<float>().GetValue(0);
                else if (r.Name == "stateN")
                {
                    var next = r.AsTensor<float>();
                    for (int i = 0; i < StateSize; i++)
                        state[i] = next.GetValue(i);
                }
            }
            return probability;
        }
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>
/// Runs the VAD over a recording as it arrives: 512-sample windows, each with the previous 64 samples as context,
/// and the recurrent state carried from window to window. Keeps one probability per window (18,750 for 10 minutes).
/// </summary>
public sealed class SileroVadStream
{
    private readonly SileroVad _vad;
    private readonly float[] _input = new float[SileroVad.ContextSamples + SileroVad.WindowSamples];
    private readonly float[] _state = new float[SileroVad.StateSize];
    private int _filled; // new samples in _input after the context
    private readonly List<float> _probabilities = [];

    internal SileroVadStream(SileroVad vad) => _vad = vad;

    /// <summary>Speech probability of every complete window so far; window i covers samples [i·512, (i+1)·512).</summary>
    public IReadOnlyList<float> Probabilities => _probabilities;

    /// <summary>Feeds samples; calls <paramref name="onWindow"/> with each completed window's probability.</summary>
    public void Accept(ReadOnlySpan<float> samples, Action<float>? onWindow = null)
    {
        while (!samples.IsEmpty)
        {
            int take = Math.Min(SileroVad.WindowSamples - _filled, samples.Length);
            samples[..take].CopyTo(_input.AsSpan(SileroVad.ContextSamples + _filled));
            _filled += take;
            samples = samples[take..];
            if (_filled < SileroVad.WindowSamples)
                return;
            float p = _vad.Infer(_input, _state);
            _probabilities.Add(p);
            // The last 64 samples become the next window's context.
            _input.AsSpan(SileroVad.WindowSamples, SileroVad.ContextSamples).CopyTo(_input);
            _filled = 0;
            onWindow?.Invoke(p);
        }
    }
}
