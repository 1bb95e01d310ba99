using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Wispr.Sidecar;

/// <summary>Command-line options shared by every verb. Parsed by hand: a handful of flags does not need a parser library.</summary>
public sealed record SidecarOptions
{
    public string Backend { get; init; } = "whisper";
    public string? ModelPath { get; init; }
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    public int? ClientProcessId { get; init; }
    /// <summary>Longest recording kept, in seconds; later audio is dropped with a warning.</summary>
    public int MaxRecordingSeconds { get; init; } = 600;
    /// <summary>Recognition threads (--threads, setting wispr.recognition.threads); 0 = auto (<see cref="Recognition.RecognitionTuning.ChooseThreads"/>).</summary>
    public int Threads { get; init; }

    /// <summary>Whisper's encoder context (--audioContext fit|full, setting wispr.recognition.audioContext).</summary>
    public Recognition.AudioContextMode AudioContext { get; init; } = Recognition.AudioContextMode.Fit;
    /// <summary>
    /// Hidden, for benchmarks only (<c>--legacySegments</c>): segmented dictations cut as before the early cuts (a 400 ms pause
    /// after 3 s, <see cref="Dictation.Segmenter.Legacy"/>) and never join waiting segments: the benchmark's "before" of the rules.
    /// </summary>
    public bool LegacySegments { get; init; }
    /// <summary>
    /// Hidden, for benchmarks only (<c>--allowSpinning</c>): ONNX Runtime's workers spin between tasks as they did before
    /// issue 13 (the "before" leg of bench/release-to-text.sh). whisper.cpp's OpenMP workers spin unless OMP_WAIT_POLICY or
    /// GOMP_SPINCOUNT says otherwise (see <see cref="Recognition.NativeThreading"/>), which the benchmark sets itself.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Hidden, for benchmarks only (<c>--maxTokens N</c>): see <see cref="Recognition.Whisper.WhisperBackendOptions.MaxTokens"/>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Hidden, for benchmarks only (<c>--tokensPerSecond R</c>): see <see cref="Recognition.Whisper.WhisperBackendOptions.TokensPerSecond"/>.</summary>
    public double? TokensPerSecond { get; init; }

    /// <summary>The Parakeet model folder (--parakeetModel, else WISPR_PARAKEET_MODEL_PATH); null = the default folder in the user cache.</summary>
    public string? ParakeetModelPath { get; init; }

    /// <summary>Where dictations are spooled and failed ones kept (--recordingsDir); null = WISPR_RECORDINGS_DIR, else recordings/ beside the model cache.</summary>
    public string? RecordingsDirectory { get; init; }

    /// <summary>A model download with no byte for this long fails (--downloadIdleTimeoutMs); the connection gets <see cref="DownloadConnectTimeout"/>.</summary>
    public TimeSpan DownloadIdleTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan DownloadConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The remote backend's OpenAI-compatible server (--remoteUrl, else WISPR_REMOTE_BASE_URL); the key comes from WISPR_REMOTE_API_KEY only.</summary>
    public string? RemoteBaseUrl { get; init; }

    /// <summary>The model name sent to the remote server (--remoteModel); null = whisper-1.</summary>
    public string? RemoteModel { get; init; }

    /// <summary>
    /// Ask for a GPU: on by default in a GPU build (-p:WisprCuda=true), off in the CPU build unless <c>--gpu</c> is given (for a
    /// CUDA build of whisper.cpp placed under runtimes/cuda/&lt;rid&gt;/ by hand). Without a usable GPU the backends log why and use the CPU.
    /// </summary>
    public bool UseGpu { get; init; } = BuildInfo.Cuda;

    /// <summary>Parses <c>--flag value</c> pairs; returns the options and the remaining positional arguments.</summary>
    public static (SidecarOptions Options, List<string> Positional) Parse(IEnumerable<string> args)
    {
        var o = new SidecarOptions();
        var positional = new List<string>();
        using var e = args.GetEnumerator();
        string Next(string flag) => e.MoveNext() ? e.Current : throw new ArgumentException($"{flag} needs a value.");
        while (e.MoveNext())
        {
            var a = e.Current;
            switch (a)
            {
                case "--model": o = o with { ModelPath = Path.GetFullPath(Next(a)) }; break;
                case "--backend": o = o with { Backend = Next(a) }; break;
                case "--logLevel":
                case "--log-level":
                    var level = Next(a);
                    o = o with { LogLevel = Enum.TryParse<LogLevel>(level, ignoreCase: true, out var l) ? l
                        : level.ToLowerInvariant() switch { "debug" => LogLevel.Debug, "info" => LogLevel.Information, "warn" or "warning" => LogLevel.Warning, "off" => LogLevel.None, _ => throw new ArgumentException($"Unknown log level '{level}'.") } };
                    break;
                case "--clientProcessId": o = o with { ClientProcessId = int.Parse(Next(a)) }; break;
                case "--maxRecordingSeconds": o = o with { MaxRecordingSeconds = int.Parse(Next(a)) }; break;
                case "--threads": o = o with { Threads = int.Parse(Next(a), CultureInfo.InvariantCulture) is var t and >= 0 ? t : throw new ArgumentException("--threads must be 0 (auto) or more.") }; break;
                case "--audioContext": o = o with { AudioContext = Recognition.RecognitionTuning.ParseAudioContext(Next(a)) }; break;
                case "--parakeetModel": o = o with { ParakeetModelPath = Path.GetFullPath(Next(a)) }; break;
                case "--recordingsDir": o = o with { RecordingsDirectory = Path.GetFullPath(Next(a)) }; break;
                case "--downloadIdleTimeoutMs": o = o with { DownloadIdleTimeout = TimeSpan.FromMilliseconds(int.Parse(Next(a), CultureInfo.InvariantCulture) is var ms and > 0 ? ms : throw new ArgumentException("--downloadIdleTimeoutMs must be positive.")) }; break;
                case "--remoteUrl": o = o with { RemoteBaseUrl = Next(a) }; break;
                case "--remoteModel": o = o with { RemoteModel = Next(a) }; break;
                case "--cpu": o = o with { UseGpu = false }; break;
                case "--allowSpinning": o = o with { AllowSpinning = true }; break;
                case "--legacySegments": o = o with { LegacySegments = true }; break;
                case "--gpu": o = o with { UseGpu = true }; break;
                case "--tokensPerSecond":
                    o = o with
                    {
                        TokensPerSecond = double.TryParse(Next(a), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r) && r > 0 && double.IsFinite(r)
                            ? r : throw new ArgumentException("--tokensPerSecond must be a positive number."),
                    };
                    break;
                case "--maxTokens": o = o with { MaxTokens = int.Parse(Next(a)) is var n and > 0 ? n : throw new ArgumentException("--maxTokens must be at least 1.") }; break;
                default:
                    if (a.StartsWith("--", StringComparison.Ordinal))
                        throw new ArgumentException($"Unknown option '{a}'.");
                    positional.Add(a);
                    break;
            }
        }
        if (o.ModelPath is null && Environment.GetEnvironmentVariable("WISPR_MODEL_PATH") is { Length: > 0 } env)
            o = o with { ModelPath = Path.GetFullPath(env) };
        if (o.ParakeetModelPath is null && Environment.GetEnvironmentVariable("WISPR_PARAKEET_MODEL_PATH") is { Length: > 0 } parakeet)
            o = o with { ParakeetModelPath = Path.GetFullPath(parakeet) };
        if (o.RemoteBaseUrl is null && Environment.GetEnvironmentVariable("WISPR_REMOTE_BASE_URL") is { Length: > 0 } remote)
            o = o with { RemoteBaseUrl = remote };
        return (o, positional);
    }
}

/// <summary>What this build was compiled with.</summary>
public static class BuildInfo
{
#if WISPR_CUDA
    public const bool Cuda = true;
#else
    public const bool Cuda = false;
#endif
}
