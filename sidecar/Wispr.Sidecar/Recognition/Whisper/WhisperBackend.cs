using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Whisper.net;
using Whisper.net.Logger;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Whisper;

/// <param name="ModelPath">A legacy ggml Whisper model (ggml-*.bin).</param>
public sealed record WhisperBackendOptions(string ModelPath)
{
    /// <summary>CPU threads per transcription; 0 (the default) chooses per transcription (<see cref="RecognitionTuning.ChooseThreads"/>).</summary>
    public int Threads { get; init; }

    /// <summary>How much of the 30 s window the encoder runs for each clip (<see cref="RecognitionTuning.AudioContextFor"/>).</summary>
    public AudioContextMode AudioContext { get; init; } = AudioContextMode.Fit;

    /// <summary>Lets whisper.cpp use a GPU runtime when one is installed; the CPU runtime ignores it.</summary>
    public bool UseGpu { get; init; }

    /// <summary>
    /// Benchmarks only (hidden sidecar option <c>--maxTokens</c>): decode at most this many tokens per 30 s window, with no
    /// temperature fallback. Meant for random-weight models generated with <c>neverEndText</c>, which would otherwise stop
    /// after one word or, with fallback, retry at five temperatures; with it they decode as many tokens as a real transcript
    /// has (without it such a model decodes to whisper.cpp's 220-token limit at every temperature: minutes per file).
    /// Null (the default) leaves whisper.cpp's decoding untouched.
    /// </summary>
    public int? MaxTokens { get; init; }

    /// <summary>
    /// Benchmarks only (hidden sidecar option <c>--tokensPerSecond R</c>): like <see cref="MaxTokens"/>, but the cap follows
    /// each clip's length, as a real model's transcript does: R tokens per second of the clip (at most one 30 s window), plus
    /// the two timestamps and end-of-text. A fixed cap would make a 3 s segment decode as many tokens as the whole utterance,
    /// so a random model would charge short clips far more decoding than a real one. Takes the place of <see cref="MaxTokens"/>.
    /// </summary>
    public double? TokensPerSecond { get; init; }
}

/// <summary>
/// Whisper.net (whisper.cpp) behind <see cref="ISpeechBackend"/>. The model is validated and loaded once; each transcription
/// builds a cheap processor from the factory. Transcriptions run one at a time.
/// </summary>
/// <remarks>
/// Segment times are whisper.cpp's, unaltered. They come from timestamp tokens the model predicts over a zero-padded
/// 30 s window, so a poor model can place the end of a short clip's last segment in the padding (seen with random
/// weights: 21.8 s for a 4 s clip). Whisper.net exposes no logits filter to forbid such tokens; callers that need
/// bounded times must decide what to do with them.
/// </remarks>
public sealed class WhisperBackend : ISpeechBackend
{
    /// <summary>100 ms at 16 kHz: whisper.cpp's own minimum input length.</summary>
    public const int MinSamples = WavDecoder.SampleRate / 10;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int? _maxTokens;
    private readonly double? _tokensPerSecond;
    private WhisperFactory? _factory;
    private IDisposable? _logSubscription;
    private int _disposed;

    private readonly ILogger _logger;

    private WhisperBackend(string modelPath, WhisperModelInfo model, WhisperFactory factory, IDisposable logSubscription, WhisperBackendOptions options, ILogger logger)
    {
        _maxTokens = options.MaxTokens;
        _tokensPerSecond = options.TokensPerSecond;
        RequestedThreads = options.Threads;
        AudioContext = options.AudioContext;
        _logger = logger;
        ModelPath = modelPath;
        Model = model;
        _factory = factory;
        _logSubscription = logSubscription;
    }

    public string Name => "whisper";

    public string ModelPath { get; }

    /// <summary>Raised (on whisper.cpp's thread) as each encoder pass begins; tests use it to cancel mid-recognition.</summary>
    internal event Action? EncoderBegan;

    /// <summary>The thread setting this backend was loaded with: 0 = auto, chosen per transcription.</summary>
    public int RequestedThreads { get; }

    /// <summary>The audio-context setting this backend was loaded with.</summary>
    public AudioContextMode AudioContext { get; }

    /// <summary>Threads and encoder context (null = full window) of the last transcription; tests read it.</summary>
    internal (int Threads, int? AudioContext, int? MaxTokens)? LastRun { get; private set; }

    /// <summary>What validation found in the model file.</summary>
    public WhisperModelInfo Model { get; }

    /// <summary>Validates the model file, then loads it.</summary>
    /// <exception cref="WisprException">ModelNotFound, ModelInvalid (the file failed validation) or BackendLoadFailed (whisper.cpp refused it).</exception>
    public static async Task<WhisperBackend> LoadAsync(WhisperBackendOptions options, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.MaxTokens is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxTokens, "MaxTokens must be at least 1.");
        if (options.TokensPerSecond is { } rate && !(rate > 0 && double.IsFinite(rate)))
            throw new ArgumentOutOfRangeException(nameof(options), options.TokensPerSecond, "TokensPerSecond must be a positive number.");
        if (options.Threads < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be 0 (auto) or more.");
        if (string.IsNullOrWhiteSpace(options.ModelPath))
            throw new WisprException(WisprErrorCodes.InvalidParams, "No Whisper model path was given.");
        var path = Path.GetFullPath(options.ModelPath);

        // Both steps block on I/O and native code; keep them off the caller's (possibly RPC) thread.
        return await Task.Run(() =>
        {
            ct.ThrowIfCancellationRequested();
            var model = WhisperModelValidator.Validate(path);
            ct.ThrowIfCancellationRequested();

            // Subscribed before loading so whisper.cpp's load messages reach the log. The callback captures only the
            // logger: the process-wide log event must never root the backend or its native model.
            var subscription = LogProvider.AddLogger((level, message) => ForwardNativeLog(logger, level, message));
            WhisperFactory? factory = null;
            try
            {
                factory = WhisperFactory.FromPath(path, new WhisperFactoryOptions { UseGpu = options.UseGpu });
                // FromPath loads eagerly but reports a refused file only when a builder is created: surface it now, not mid-dictation.
                factory.CreateBuilder();
                // Which native runtime whisper.cpp runs on; a GPU build without a usable GPU says so once per load.
                var runtime = global::Whisper.net.LibraryLoader.RuntimeOptions.LoadedLibrary?.ToString() ?? "unknown";
                if (options.UseGpu && !runtime.Contains("cuda", StringComparison.OrdinalIgnoreCase))
                    logger.LogWarning("No CUDA for whisper.cpp (runtime {Runtime}: no CUDA runtime under runtimes/cuda, or no GPU/driver); Whisper runs on the CPU", runtime);
                else
                    logger.LogInformation("whisper.cpp runtime: {Runtime}", runtime);
                logger.LogInformation("Loaded Whisper model {Path}: state {State}, {AudioLayers}+{TextLayers} layers, {WeightType}, {Bytes} bytes",
                    path, model.HyperParameters.NAudioState, model.HyperParameters.NAudioLayer, model.HyperParameters.NTextLayer,
                    model.WeightType, model.FileSize);
                return new WhisperBackend(path, model, factory, subscription, options, logger);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                factory?.Dispose();
                subscription.Dispose();
                // WhisperModelLoadException (whisper.cpp refused the file), a missing or unsupported native runtime
                // (FileNotFound, PlatformNotSupported, DllNotFound), or I/O: all mean this backend cannot start.
                throw new WisprException(WisprErrorCodes.BackendLoadFailed, $"Whisper could not load '{path}': {ex.Message}", ex);
            }
        }, ct).ConfigureAwait(false);
    }

    /// <remarks>
    /// Cancellation answers at once: whisper.cpp 1.8.5 polls its abort callback only between passes (its encoder ignores it
    /// inside a pass, up to ~10 s for a base-size model on a busy machine), so the caller stops waiting immediately while the
    /// native pass finishes in the background, told to stop at its next check. The backend's gate stays held until then, so
    /// the next transcription, and an unload (which disposes the model), wait for the native run: nothing frees memory that
    /// whisper.cpp still uses, and there is never more than one run.
    /// </remarks>
    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(
        ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task<List<TranscriptSegment>> run;
        try
        {
            // Re-checked under the gate: DisposeAsync may have run while this call waited.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            cancellationToken.ThrowIfCancellationRequested();
            run = RunAsync(pcm16kMono, options, cancellationToken);
        }
        catch
        {
            _gate.Release();
            throw;
        }
        // Released when the native run has ended, whether or not the caller still waits for it.
        _ = run.ContinueWith(t =>
        {
            _ = t.Exception; // observed here: a cancelled caller no longer looks at it
            _gate.Release();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        List<TranscriptSegment> segments;
        try
        {
            segments = await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && ex.CancellationToken != cancellationToken)
        {
            // Whisper.net reports cancellation as a bare TaskCanceledException; give callers their token.
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        foreach (var segment in segments)
            yield return segment;
    }

    /// <summary>One native run: builds a processor, collects the segments, disposes it (which waits for whisper.cpp).</summary>
    private async Task<List<TranscriptSegment>> RunAsync(ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options, CancellationToken cancellationToken)
    {
        var result = new List<TranscriptSegment>();
        // whisper.cpp ignores input under 100 ms ("input is too short"), but only after building the mel spectrogram,
        // whose reflection padding in the bundled 1.8.5 always reads 200 input samples: shorter input (an empty buffer
        // is a null pointer) is an out-of-bounds read that crashed the test host. Fixed upstream after 1.8.5
        // (ggml-org/whisper.cpp#3956); until Whisper.net ships that, never hand whisper.cpp less than 100 ms.
        if (pcm16kMono.Length < MinSamples)
            return result;
        // Chosen per transcription: the load average may have changed since the last one, and the context follows the clip.
        var threads = RecognitionTuning.ThreadsNow(RequestedThreads);
        var audioContext = RecognitionTuning.AudioContextFor(pcm16kMono.Length, AudioContext);
        var maxTokens = DecodeSteps(pcm16kMono.Length, _maxTokens, _tokensPerSecond);
        LastRun = (threads, audioContext, maxTokens);
        if (_logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("Whisper: {Seconds:F1} s of audio, {Threads}, audio context {Context}", pcm16kMono.Length / (double)WavDecoder.SampleRate,
                RecognitionTuning.Describe(threads, RequestedThreads), audioContext?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "full");
        // Whisper.net's abort callback and this encoder-begin handler stop the run at whisper.cpp's next check once cancelled.
        var builder = ConfigureBuilder(_factory!.CreateBuilder(), threads, maxTokens, options, audioContext)
            .WithEncoderBeginHandler(_ =>
            {
                // Runs inside whisper.cpp (an unmanaged callback): an exception escaping from here would end the process.
                try
                {
                    EncoderBegan?.Invoke();
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "An encoder-begin observer failed; recognition goes on");
                }
                return !cancellationToken.IsCancellationRequested;
            });
        var processor = builder.Build();
        await using (processor.ConfigureAwait(false))
        {
            try
            {
                await foreach (var segment in processor.ProcessAsync(pcm16kMono, cancellationToken).ConfigureAwait(false))
                {
                    var text = segment.Text.Trim();
                    if (text.Length > 0)
                        result.Add(new TranscriptSegment(segment.Start, segment.End, text));
                }
            }
            catch (WhisperProcessingException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new WisprException(WisprErrorCodes.TranscriptionFailed,
                    $"Whisper failed to transcribe with '{ModelPath}' (whisper.cpp error {ex.ErrorCode}).", ex);
            }
            catch (WhisperProcessingException ex)
            {
                throw new OperationCanceledException("Recognition was cancelled.", ex, cancellationToken);
            }
        }
        return result;
    }

    /// <summary>
    /// The benchmark decoding cap for a clip of <paramref name="samples"/> 16 kHz samples (see
    /// <see cref="WhisperBackendOptions.TokensPerSecond"/>): ceil(rate × seconds, at most 30) + 3 when a rate is set, else
    /// <paramref name="maxTokens"/> (null: whisper.cpp's defaults).
    /// </summary>
    public static int? DecodeSteps(int samples, int? maxTokens, double? tokensPerSecond)
    {
        if (tokensPerSecond is not { } rate)
            return maxTokens;
        var seconds = Math.Min(Math.Max(0, samples) / (double)WavDecoder.SampleRate, 30.0);
        return (int)Math.Ceiling(rate * seconds) + 3;
    }

    /// <summary>
    /// The decoding settings of every transcription, public so a benchmark can run Whisper.net directly with exactly the
    /// sidecar's settings.
    /// </summary>
    /// <param name="maxTokens">See <see cref="WhisperBackendOptions.MaxTokens"/>; null for whisper.cpp's defaults.</param>
    /// <param name="audioContext">Encoder positions (<see cref="RecognitionTuning.AudioContextFor"/>); null for the full 30 s window.</param>
    public static WhisperProcessorBuilder ConfigureBuilder(WhisperProcessorBuilder builder, int threads, int? maxTokens, TranscribeOptions options, int? audioContext = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder = builder.WithThreads(threads);
        if (audioContext is { } positions)
            builder = builder.WithAudioContextSize(positions);
        builder = string.IsNullOrWhiteSpace(options.Language)
            ? builder.WithLanguageDetection()
            : builder.WithLanguage(CheckLanguage(options.Language));
        if (!string.IsNullOrWhiteSpace(options.Prompt))
            builder = builder.WithPrompt(options.Prompt);
        if (maxTokens is { } max)
        {
            // whisper.cpp ends a segment when the token index i (from 0) reaches max_tokens, i.e. after max_tokens + 1
            // tokens; 0 would mean "no limit". Without fallback a capped, low-probability decode is kept, not retried.
            builder = builder.WithMaxTokensPerSegment(Math.Max(1, max - 1)).WithTemperatureInc(0f);
        }

        return builder;
    }

    /// <summary>Waits for a transcription in flight, then frees the native model. Every later call throws <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // Drop every reference to native objects so nothing keeps the model alive after unload.
            _factory?.Dispose();
            _factory = null;
            _logSubscription?.Dispose();
            _logSubscription = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static readonly Lazy<HashSet<string>> SupportedLanguages =
        new(() => new HashSet<string>(WhisperFactory.GetSupportedLanguages(), StringComparer.OrdinalIgnoreCase));

    /// <summary>whisper.cpp only logs an unknown language code and goes on; refuse it up front with a clear error instead.</summary>
    private static string CheckLanguage(string language)
    {
        var code = language.Trim();
        if (code.Equals("auto", StringComparison.OrdinalIgnoreCase) || SupportedLanguages.Value.Contains(code))
            return code.ToLowerInvariant();
        throw new WisprException(WisprErrorCodes.InvalidParams, $"Whisper does not know the language '{language}'; use an ISO 639-1 code such as \"en\".");
    }

    /// <summary>whisper.cpp logs in fragments ending in newlines; chatty load details go to Debug, problems above it.</summary>
    private static void ForwardNativeLog(ILogger logger, WhisperLogLevel level, string? message)
    {
        var text = message?.TrimEnd();
        if (string.IsNullOrEmpty(text))
            return;
        var mapped = level switch
        {
            WhisperLogLevel.Error => LogLevel.Error,
            WhisperLogLevel.Warning => LogLevel.Warning,
            WhisperLogLevel.Info => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        if (logger.IsEnabled(mapped))
            logger.Log(mapped, "whisper.cpp: {Message}", text);
    }
}
