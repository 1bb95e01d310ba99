using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Parakeet;

/// <param name="ModelPath">A Parakeet TDT ONNX export folder (see <see cref="ParakeetModelLayout"/>).</param>
public sealed record ParakeetBackendOptions(string ModelPath)
{
    /// <summary>ONNX Runtime intra-op threads; 0 (the default) = auto (<see cref="RecognitionTuning.ChooseThreadsAtLoad"/>), fixed for the session's life.</summary>
    public int Threads { get; init; }

    /// <summary>Benchmarks only (the sidecar's hidden <c>--allowSpinning</c>): ONNX Runtime's default spinning workers, as before issue 13.</summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Asks ONNX Runtime for its CUDA provider; without one (CPU build, no GPU) it logs why and runs on the CPU.</summary>
    public bool UseGpu { get; init; }
}

/// <summary>
/// NVIDIA Parakeet TDT (0.6B v2 English, v3 multilingual) on ONNX Runtime: NeMo log-mel features, the FastConformer encoder,
/// then greedy Token-and-Duration Transducer decoding through the decoder+joint network with its LSTM state, as onnx-asr does.
/// Transcriptions run one at a time; dispose waits for the one in flight, then frees both native sessions.
/// </summary>
public sealed class ParakeetBackend : ISpeechBackend
{
    /// <summary>Parakeet TDT predicts durations 0..4 (encoder frames to skip) after the token logits.</summary>
    public const int TdtDurations = 5;

    /// <summary>100 ms, as for Whisper: shorter input yields no text.</summary>
    public const int MinSamples = NemoFeatureExtractor.SampleRate / 10;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger;
    private InferenceSession? _encoder;
    private InferenceSession? _decoderJoint;
    private int _disposed;

    private ParakeetBackend(ParakeetModelLayout layout, ParakeetConfig config, ParakeetVocabulary vocab, InferenceSession encoder,
        InferenceSession decoderJoint, int encoderDim, int stateLayers, int stateSize, int durations, ILogger logger)
    {
        Layout = layout;
        Config = config;
        Vocabulary = vocab;
        _encoder = encoder;
        _decoderJoint = decoderJoint;
        EncoderDim = encoderDim;
        StateLayers = stateLayers;
        StateSize = stateSize;
        Durations = durations;
        Features = new NemoFeatureExtractor(config.FeaturesSize);
        _logger = logger;
    }

    public string Name => "parakeet";

    /// <summary>The model folder.</summary>
    public string ModelPath => Layout.Folder;

    public ParakeetModelLayout Layout { get; }
    public ParakeetConfig Config { get; }
    public ParakeetVocabulary Vocabulary { get; }
    public NemoFeatureExtractor Features { get; }
    public int EncoderDim { get; }
    public int StateLayers { get; }
    public int StateSize { get; }

    /// <summary>Number of duration logits after the token logits; duration i skips i encoder frames (TDT: 0..4).</summary>
    public int Durations { get; }

    /// <summary>Validates the folder and both networks (names, shapes, vocabulary size against the joint output), then keeps them loaded.</summary>
    /// <exception cref="WisprException">ModelNotFound, ModelInvalid (wrong kind of model, corrupt or truncated file) or BackendLoadFailed.</exception>
    public static async Task<ParakeetBackend> LoadAsync(ParakeetBackendOptions options, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (string.IsNullOrWhiteSpace(options.ModelPath))
            throw new WisprException(WisprErrorCodes.InvalidParams, "No Parakeet model folder was given.");
        return await Task.Run(() =>
        {
            ct.ThrowIfCancellationRequested();
            var layout = ParakeetModelLayout.Locate(options.ModelPath);
            var config = ParakeetConfig.Read(layout.ConfigPath);
            var vocab = ParakeetVocabulary.Read(layout.VocabPath);
            ct.ThrowIfCancellationRequested();

            InferenceSession? encoder = null, decoder = null;
            try
            {
                encoder = OpenSession(layout.EncoderPath, options, logger);
                decoder = OpenSession(layout.DecoderJointPath, options, logger);
                var (encoderDim, layers, stateSize) = CheckShapes(layout, config, encoder, decoder);
                var durations = ProbeJoint(layout, vocab, decoder, encoderDim, layers, stateSize);
                var backend = new ParakeetBackend(layout, config, vocab, encoder, decoder, encoderDim, layers, stateSize, durations, logger);
                logger.LogInformation("Loaded Parakeet model {Folder}: {Encoder}, {Vocab} tokens, {Durations} durations, encoder dim {Dim}, " +
                    "decoder state {Layers}x{State}, {Bytes} bytes", layout.Folder, Path.GetFileName(layout.EncoderPath), vocab.Count, durations,
                    encoderDim, layers, stateSize, layout.SizeBytes());
                return backend;
            }
            catch
            {
                decoder?.Dispose();
                encoder?.Dispose();
                throw;
            }
        }, ct).ConfigureAwait(false);
    }

    private static InferenceSession OpenSession(string path, ParakeetBackendOptions options, ILogger logger)
    {
        // Its native handle is copied into the session when it is created, so it is freed now, not left to the finalizer.
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = RecognitionTuning.ChooseThreadsAtLoad(options.Threads, Environment.ProcessorCount, RecognitionTuning.PhysicalCores.Value),
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            // ONNX Runtime's pool threads otherwise spin between and inside runs; on a busy machine that spinning takes the CPU a
            // preempted partner needs (see RecognitionTuning). Sleeping costs a wake-up per parallel section, not a time slice.
            if (!options.AllowSpinning)
            {
                sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
            }
            if (options.UseGpu)
            {
                try
                {
                    sessionOptions.AppendExecutionProvider_CUDA();
                    logger.LogInformation("ONNX Runtime uses its CUDA provider for {File}", Path.GetFileName(path));
                }
                catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
                {
                    logger.LogWarning("No CUDA for ONNX Runtime ({Message}); Parakeet runs on the CPU", ex.Message);
                }
            }
            return new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            // Protobuf parse errors, truncated external data, unknown operators: the file is not a usable ONNX model.
            throw new WisprException(WisprErrorCodes.ModelInvalid,
                $"ONNX Runtime could not load '{path}' (corrupt, truncated or not an ONNX model?): {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            throw new WisprException(WisprErrorCodes.BackendLoadFailed, $"ONNX Runtime's native library could not be loaded: {ex.Message}", ex);
        }
        finally
        {
            sessionOptions.Dispose();
        }
    }

    private static (int EncoderDim, int Layers, int StateSize) CheckShapes(ParakeetModelLayout layout, ParakeetConfig config,
        InferenceSession encoder, InferenceSession decoder)
    {
        void Require(InferenceSession session, string file, bool input, string name, int rank)
        {
            var metadata = input ? session.InputMetadata : session.OutputMetadata;
            if (!metadata.TryGetValue(name, out var meta) || meta.Dimensions.Length != rank)
                throw new WisprException(WisprErrorCodes.ModelInvalid,
                    $"{Path.GetFileName(file)} has no {(input ? "input" : "output")} '{name}' of rank {rank} " +
                    $"(it has {string.Join(", ", metadata.Select(m => $"{m.Key}[{string.Join(",", m.Value.Dimensions)}]"))}): " +
                    "not a Parakeet TDT export of the kind onnx-asr loads.");
        }

        Require(encoder, layout.EncoderPath, true, "audio_signal", 3);
        Require(encoder, layout.EncoderPath, true, "length", 1);
        Require(encoder, layout.EncoderPath, false, "outputs", 3);
        Require(encoder, layout.EncoderPath, false, "encoded_lengths", 1);
        Require(decoder, layout.DecoderJointPath, true, "encoder_outputs", 3);
        Require(decoder, layout.DecoderJointPath, true, "targets", 2);
        Require(decoder, layout.DecoderJointPath, true, "target_length", 1);
        Require(decoder, layout.DecoderJointPath, true, "input_states_1", 3);
        Require(decoder, layout.DecoderJointPath, true, "input_states_2", 3);
        Require(decoder, layout.DecoderJointPath, false, "outputs", 4);
        Require(decoder, layout.DecoderJointPath, false, "output_states_1", 3);
        Require(decoder, layout.DecoderJointPath, false, "output_states_2", 3);

        var features = encoder.InputMetadata["audio_signal"].Dimensions[1];
        if (features > 0 && features != config.FeaturesSize)
            throw new WisprException(WisprErrorCodes.ModelInvalid,
                $"{Path.GetFileName(layout.EncoderPath)} takes {features} mel features but config.json says {config.FeaturesSize}.");
        var encoderDim = decoder.InputMetadata["encoder_outputs"].Dimensions[1];
        var encoderOut = encoder.OutputMetadata["outputs"].Dimensions[1];
        if (encoderDim <= 0)
            encoderDim = encoderOut;
        if (encoderDim <= 0 || (encoderOut > 0 && encoderOut != encoderDim))
            throw new WisprException(WisprErrorCodes.ModelInvalid,
                $"The encoder's output size ({encoderOut}) and the decoder's encoder_outputs size ({encoderDim}) do not match: files from different models?");
        var state = decoder.InputMetadata["input_states_1"].Dimensions;
        if (state[0] <= 0 || state[2] <= 0)
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"{Path.GetFileName(layout.DecoderJointPath)}: the decoder state shape [{string.Join(",", state)}] is not fixed.");
        return (encoderDim, state[0], state[2]);
    }

    /// <summary>One decoder step on a zero frame: proves the network runs and tells how many duration logits follow the vocabulary.</summary>
    private static int ProbeJoint(ParakeetModelLayout layout, ParakeetVocabulary vocab, InferenceSession decoder, int encoderDim, int layers, int stateSize)
    {
        float[] logits;
        try
        {
            var step = RunDecoder(decoder, new float[encoderDim], vocab.Blank, new float[layers * stateSize], new float[layers * stateSize], layers, stateSize);
            logits = step.Logits;
        }
        catch (OnnxRuntimeException ex)
        {
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"{Path.GetFileName(layout.DecoderJointPath)} failed a test step: {ex.Message}", ex);
        }
        var durations = logits.Length - vocab.Count;
        if (durations != TdtDurations)
            throw new WisprException(WisprErrorCodes.ModelInvalid,
                $"The joint network gives {logits.Length} logits, but vocab.txt has {vocab.Count} tokens: a TDT model gives the tokens plus " +
                "its durations (1024 + 1 + 5 for Parakeet TDT 0.6B v2). Are vocab.txt and the ONNX files from the same model?");
        return durations;
    }

    private readonly record struct DecoderStep(float[] Logits, float[] State1, float[] State2);

    /// <summary>The decoder's target_length input, always one token; only read, so one array serves every step.</summary>
    private static readonly int[] OneTarget = [1];

    private static DecoderStep RunDecoder(InferenceSession decoder, float[] frame, int previousToken, float[] state1, float[] state2, int layers, int stateSize)
    {
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("encoder_outputs", new DenseTensor<float>(frame, [1, frame.Length, 1])),
            NamedOnnxValue.CreateFromTensor("targets", new DenseTensor<int>(new[] { previousToken }, [1, 1])),
            NamedOnnxValue.CreateFromTensor("target_length", new DenseTensor<int>(OneTarget, [1])),
            NamedOnnxValue.CreateFromTensor("input_states_1", new DenseTensor<float>(state1, [layers, 1, stateSize])),
            NamedOnnxValue.CreateFromTensor("input_states_2", new DenseTensor<float>(state2, [layers, 1, stateSize])),
        };
        using var results = decoder.Run(inputs, ["outputs", "output_states_1", "output_states_2"]);
        return new DecoderStep(results[0].AsTensor<float>().ToArray(), results[1].AsTensor<float>().ToArray(), results[2].AsTensor<float>().ToArray());
    }

    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        List<TranscriptSegment> segments;
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (pcm16kMono.Length < MinSamples)
                yield break;
            if (!string.IsNullOrWhiteSpace(options.Prompt))
                _logger.LogDebug("Parakeet takes no prompt; ignoring it");
            segments = await Task.Run(() => RecognizeChunked(pcm16kMono, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
        foreach (var segment in segments)
            yield return segment;
    }

    /// <summary>Longest piece given to the encoder at once: its attention is over the whole input, so memory grows with its square.</summary>
    public const int MaxChunkSamples = 30 * NemoFeatureExtractor.SampleRate;

    /// <summary>A long recording is cut at its quietest 100 ms between 20 s and 30 s into each piece; shorter ones go whole.</summary>
    internal static List<(int Start, int Length)> Chunks(ReadOnlySpan<float> pcm)
    {
        const int minChunk = 20 * NemoFeatureExtractor.SampleRate, window = NemoFeatureExtractor.SampleRate / 10, hop = NemoFeatureExtractor.SampleRate / 100;
        var chunks = new List<(int, int)>();
        var start = 0;
        while (pcm.Length - start > MaxChunkSamples)
        {
            int best = start + MaxChunkSamples;
            var bestEnergy = double.MaxValue;
            for (var at = start + minChunk; at + window <= start + MaxChunkSamples; at += hop)
            {
                double energy = 0;
                foreach (var x in pcm.Slice(at, window))
                    energy += x * x;
                if (energy < bestEnergy)
                {
                    bestEnergy = energy;
                    best = at + window / 2;
                }
            }
            chunks.Add((start, best - start));
            start = best;
        }
        chunks.Add((start, pcm.Length - start));
        return chunks;
    }

    private List<TranscriptSegment> RecognizeChunked(ReadOnlyMemory<float> pcm, CancellationToken ct)
    {
        var segments = new List<TranscriptSegment>();
        foreach (var (start, length) in Chunks(pcm.Span))
        {
            if (length < MinSamples)
                continue;
            var offset = TimeSpan.FromSeconds((double)start / NemoFeatureExtractor.SampleRate);
            foreach (var segment in Recognize(pcm.Slice(start, length), ct))
                segments.Add(segment with { Start = segment.Start + offset, End = segment.End + offset });
        }
        return segments;
    }

    /// <summary>Features → encoder → greedy TDT decoding of one piece. Runs on a pool thread under the gate.</summary>
    private List<TranscriptSegment> Recognize(ReadOnlyMemory<float> pcm, CancellationToken ct)
    {
        var (features, frames, valid) = Features.Compute(pcm.Span);
        ct.ThrowIfCancellationRequested();
        float[] encoded;
        int encodedFrames, encodedLength;
        try
        {
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("audio_signal", new DenseTensor<float>(features, [1, Features.Mels, frames])),
                NamedOnnxValue.CreateFromTensor("length", new DenseTensor<long>(new long[] { valid }, [1])),
            };
            // The encoder is one long native call (seconds for 30 s of audio): cancellation must reach inside it, not wait for it.
            using var runOptions = new RunOptions();
            using var terminate = ct.Register(() => runOptions.Terminate = true);
            using var results = _encoder!.Run(inputs, ["outputs", "encoded_lengths"], runOptions);
            var output = results[0].AsTensor<float>();
            if (output.Dimensions.Length != 3 || output.Dimensions[1] != EncoderDim)
                throw new WisprException(WisprErrorCodes.TranscriptionFailed,
                    $"The Parakeet encoder returned shape [{string.Join(",", output.Dimensions.ToArray())}], expected [1,{EncoderDim},T].");
            encodedFrames = output.Dimensions[2];
            encoded = output.ToArray();
            encodedLength = (int)Math.Min(results[1].AsTensor<long>().GetValue(0), encodedFrames);
        }
        catch (OnnxRuntimeException ex) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("Recognition was cancelled.", ex, ct);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new WisprException(WisprErrorCodes.TranscriptionFailed, $"The Parakeet encoder failed: {ex.Message}", ex);
        }

        var tokens = new List<(int Token, int Frame)>();
        var state1 = new float[StateLayers * StateSize];
        var state2 = new float[StateLayers * StateSize];
        var frame = new float[EncoderDim];
        var vocabSize = Vocabulary.Count;
        var blank = Vocabulary.Blank;
        int t = 0, emitted = 0;
        try
        {
            while (t < encodedLength)
            {
                ct.ThrowIfCancellationRequested();
                for (var d = 0; d < EncoderDim; d++)
                    frame[d] = encoded[d * encodedFrames + t]; // outputs is [1, D, T']
                var previous = tokens.Count > 0 ? tokens[^1].Token : blank;
                var step = RunDecoder(_decoderJoint!, frame, previous, state1, state2, StateLayers, StateSize);
                var token = ArgMax(step.Logits, 0, vocabSize);
                var skip = ArgMax(step.Logits, vocabSize, step.Logits.Length - vocabSize);
                if (token != blank)
                {
                    // The prediction network advances only on a real token.
                    state1 = step.State1;
                    state2 = step.State2;
                    tokens.Add((token, t));
                    emitted++;
                }
                if (skip > 0)
                {
                    t += skip;
                    emitted = 0;
                }
                else if (token == blank || emitted == Config.MaxTokensPerStep)
                {
                    t++;
                    emitted = 0;
                }
            }
        }
        catch (OnnxRuntimeException ex)
        {
            throw new WisprException(WisprErrorCodes.TranscriptionFailed, $"The Parakeet decoder failed: {ex.Message}", ex);
        }
        return ToSegments(tokens, pcm.Length);
    }

    /// <summary>Splits the tokens into sentences (after . ? !); times are encoder frames × 10 ms × subsampling.</summary>
    private List<TranscriptSegment> ToSegments(List<(int Token, int Frame)> tokens, int samples)
    {
        var frameTime = TimeSpan.FromMilliseconds(10.0 * Config.SubsamplingFactor);
        var audioEnd = TimeSpan.FromSeconds((double)samples / NemoFeatureExtractor.SampleRate);
        var segments = new List<TranscriptSegment>();
        var start = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var piece = Vocabulary[tokens[i].Token];
            var sentenceEnd = piece.Length > 0 && piece[^1] is '.' or '?' or '!';
            if (!sentenceEnd && i != tokens.Count - 1)
                continue;
            var text = Vocabulary.Detokenize(tokens.Skip(start).Take(i - start + 1).Select(x => x.Token)).Trim();
            var begin = frameTime * tokens[start].Frame;
            var end = frameTime * (tokens[i].Frame + 1);
            if (end > audioEnd) end = audioEnd;
            if (begin > end) begin = end;
            if (text.Length > 0)
                segments.Add(new TranscriptSegment(begin, end, text));
            start = i + 1;
        }
        return segments;
    }

    private static int ArgMax(float[] values, int offset, int count)
    {
        var best = 0;
        for (var i = 1; i < count; i++)
            if (values[offset + i] > values[offset + best])
                best = i;
        return best;
    }

    /// <summary>Waits for a transcription in flight, then disposes both ONNX sessions (their native memory) and drops the references.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _decoderJoint?.Dispose();
            _decoderJoint = null;
            _encoder?.Dispose();
            _encoder = null;
        }
        finally
        {
            _gate.Release();
        }
    }
}
