using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NAudio.Wave;
using OpenAI;
using OpenAI.Audio;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Cleanup.Llm;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Remote;

/// <summary>
/// An OpenAI-compatible transcription server (vLLM, speaches, whisper.cpp's whisper-server, OpenAI) behind
/// <see cref="ISpeechBackend"/>, through the OpenAI .NET SDK's <see cref="AudioClient"/>. Its resident cost is one HTTP
/// client (a <see cref="SocketsHttpHandler"/> it owns and disposes on unload). Each call sends one complete clip as a
/// 16 kHz mono 16-bit PCM WAV (32,000 bytes per second of audio, plus a 44-byte header).
/// </summary>
/// <remarks>
/// One time budget per call (the configured timeout plus the clip's length) bounds every attempt, wait and read: the SDK's
/// own retries are off and its network timeout is past the budget, so this class alone decides. 429 and 503 are retried
/// (up to 4 tries) while the budget lasts, waiting what Retry-After says (200/400/800 ms without it); a wait the budget
/// cannot cover fails at once. Other failures are not retried. Every failure is a <see cref="WisprException"/> with a
/// Remote* code whose message names the server (host and port only); log lines carry host, model, status and timing: never
/// the key, never the audio or the text.
/// </remarks>
public sealed class RemoteBackend : ISpeechBackend
{
    private const int MaxAttempts = 4;
    private static readonly TimeSpan MinAttemptTime = TimeSpan.FromMilliseconds(250);

    private readonly RemoteSettings _settings;
    private readonly ILogger _logger;
    private SocketsHttpHandler? _handler;
    private HttpClient? _http;
    private AudioClient? _client;
    private int _disposed;

    public RemoteBackend(RemoteSettings settings, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _logger = logger;
        _handler = new SocketsHttpHandler
        {
            ConnectTimeout = settings.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        };
        _http = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var options = new OpenAIClientOptions
        {
            Endpoint = settings.BaseAddress,
            Transport = new HttpClientPipelineTransport(_http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Past any budget: the per-call cancellation token is what bounds a request (its body read included).
            NetworkTimeout = TimeSpan.FromHours(1),
            ClientLoggingOptions = new ClientLoggingOptions { EnableLogging = false, EnableMessageLogging = false, EnableMessageContentLogging = false },
            EnableDistributedTracing = false,
        };
        // Keyless servers (whisper-server, a local speaches) ignore the placeholder; the SDK insists on a credential.
        _client = new AudioClient(settings.Model, new ApiKeyCredential(settings.ApiKey ?? OpenAiCleaner.PlaceholderKey), options);
    }

    public string Name => "remote";

    public string ModelPath => _settings.Identity;

    public RemoteSettings Settings => _settings;

    /// <summary>Bytes sent per second of 16 kHz mono audio (16-bit PCM).</summary>
    public const int UploadBytesPerSecond = WavDecoder.SampleRate * 2;

    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = Volatile.Read(ref _client);
        ObjectDisposedException.ThrowIf(client is null || Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        var duration = TimeSpan.FromSeconds((double)pcm16kMono.Length / WavDecoder.SampleRate);
        var wav = EncodeWav(pcm16kMono.Span);
        var text = await SendAsync(client, wav, duration, options, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(text))
            yield return new TranscriptSegment(TimeSpan.Zero, duration, text.Trim());
    }

    /// <summary>16 kHz mono float32 → a 16-bit PCM WAV in memory (NAudio writes the header, clips the samples and leaves the stream open).</summary>
    internal static MemoryStream EncodeWav(ReadOnlySpan<float> samples)
    {
        var stream = new MemoryStream(44 + samples.Length * 2);
        using (var writer = new WaveFileWriter(stream, new WaveFormat(WavDecoder.SampleRate, 16, 1)))
        {
            var chunk = new float[4096];
            for (var offset = 0; offset < samples.Length; offset += chunk.Length)
            {
                var n = Math.Min(chunk.Length, samples.Length - offset);
                samples.Slice(offset, n).CopyTo(chunk);
                writer.WriteSamples(chunk, 0, n);
            }
        }
        return stream;
    }

    private async Task<string> SendAsync(AudioClient client, MemoryStream wav, TimeSpan duration, TranscribeOptions options, CancellationToken cancellationToken)
    {
        var budget = _settings.Timeout + duration;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(budget);
        var ct = deadline.Token;
        var total = Stopwatch.StartNew();
        var request = new AudioTranscriptionOptions
        {
            ResponseFormat = AudioTranscriptionFormat.Simple,
            Temperature = 0f,
            // "auto" and null let the server detect the language, as the local backends do.
            Language = string.IsNullOrWhiteSpace(options.Language) || options.Language.Equals("auto", StringComparison.OrdinalIgnoreCase) ? null : options.Language.Trim().ToLowerInvariant(),
            Prompt = string.IsNullOrWhiteSpace(options.Prompt) ? null : options.Prompt,
        };
        for (var attempt = 1; ; attempt++)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                // A fresh read-only view of the same bytes per attempt: a retry resends without copying the audio.
                using var body = new MemoryStream(wav.GetBuffer(), 0, (int)wav.Length, writable: false);
                ClientResult<AudioTranscription> result = await client.TranscribeAudioAsync(body, "audio.wav", request, ct).ConfigureAwait(false);
                var text = result.Value?.Text ?? throw new RemoteReplyException("no text in it");
                _logger.LogInformation("Remote transcription: {Host} model {Model}: HTTP 200 in {Ms} ms for {Audio} ms of audio ({Bytes} bytes sent, attempt {Attempt})",
                    _settings.Host, _settings.Model, sw.ElapsedMilliseconds, (long)duration.TotalMilliseconds, wav.Length, attempt);
                return text;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // the caller cancelled: not a server failure
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                _logger.LogWarning("Remote transcription: {Host} model {Model}: no answer within {Budget} ms (attempt {Attempt})",
                    _settings.Host, _settings.Model, (long)budget.TotalMilliseconds, attempt);
                throw Fail(WisprErrorCodes.RemoteTimeout, $"did not answer within {Seconds(budget)}");
            }
            catch (ClientResultException e) when (e.Status != 0)
            {
                // Status and Retry-After only: the SDK's message quotes the response body, which may echo the key.
                var headers = e.GetRawResponse()?.Headers;
                string? retryAfter = null, retryAfterMs = null;
                headers?.TryGetValue("Retry-After", out retryAfter);
                headers?.TryGetValue("retry-after-ms", out retryAfterMs);
                var asked = LlmCleaner.ParseRetryAfter(retryAfter, retryAfterMs);
                _logger.LogWarning("Remote transcription: {Host} model {Model}: HTTP {Status} in {Ms} ms (attempt {Attempt}{RetryAfter})",
                    _settings.Host, _settings.Model, e.Status, sw.ElapsedMilliseconds, attempt, asked is { } ra ? $", retry after {ra.TotalMilliseconds:0} ms" : "");
                if (e.Status is not (429 or 503))
                    throw HttpFailure(e.Status);
                var wait = asked ?? TimeSpan.FromMilliseconds(200 * (1 << (attempt - 1)));
                var remaining = budget - total.Elapsed;
                var busy = e.Status == 429 ? "is rate-limiting requests (HTTP 429)" : "is overloaded (HTTP 503)";
                var code = e.Status == 429 ? WisprErrorCodes.RemoteRateLimited : WisprErrorCodes.RemoteServerError;
                if (attempt >= MaxAttempts)
                    throw Fail(code, $"{busy} and still was after {attempt} tries");
                if (wait + MinAttemptTime >= remaining)
                    throw Fail(code, asked is { } a
                        ? $"{busy} and asked to wait {Seconds(a)}, more than is left of the {Seconds(budget)} budget"
                        : $"{busy} and the {Seconds(budget)} budget ran out");
                try { await Task.Delay(wait, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Fail(WisprErrorCodes.RemoteTimeout, $"did not answer within {Seconds(budget)}");
                }
            }
            catch (ClientResultException e) when (e.InnerException is HttpRequestException http)
            {
                throw Unreachable(http, sw);
            }
            catch (HttpRequestException http)
            {
                throw Unreachable(http, sw);
            }
            catch (IOException e) when (!ct.IsCancellationRequested)
            {
                _logger.LogWarning("Remote transcription: {Host}: connection broke after {Ms} ms ({Error})", _settings.Host, sw.ElapsedMilliseconds, e.GetType().Name);
                throw Fail(WisprErrorCodes.RemoteUnreachable, $"dropped the connection before answering ({e.GetType().Name})");
            }
            catch (Exception e) when (e is RemoteReplyException or JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException
                                          && !ct.IsCancellationRequested)
            {
                _logger.LogWarning("Remote transcription: {Host} model {Model}: unreadable reply in {Ms} ms ({Error})",
                    _settings.Host, _settings.Model, sw.ElapsedMilliseconds, e.GetType().Name);
                throw Fail(WisprErrorCodes.RemoteBadResponse,
                    $"answered with something that is not an OpenAI transcription ({(e is RemoteReplyException r ? r.Message : "malformed JSON")}): is {CleanupMask()} an OpenAI-compatible /audio/transcriptions endpoint?");
            }
        }
    }

    private WisprException Unreachable(HttpRequestException http, Stopwatch sw)
    {
        var socket = FindSocketError(http);
        var why = socket?.ToString() ?? http.HttpRequestError.ToString();
        _logger.LogWarning("Remote transcription: {Host}: request failed after {Ms} ms ({Error})", _settings.Host, sw.ElapsedMilliseconds, why);
        // Refused, unresolvable or unroutable: never reached. Reset or ended after the request went out: it dropped us.
        var dropped = http.HttpRequestError == HttpRequestError.ResponseEnded
                      || socket is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown;
        return Fail(WisprErrorCodes.RemoteUnreachable, dropped ? $"dropped the connection before answering ({why})" : $"could not be reached ({why})");
    }

    private static SocketError? FindSocketError(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException se)
                return se.SocketErrorCode;
        return null;
    }

    private WisprException HttpFailure(int status) => status switch
    {
        401 or 403 => Fail(WisprErrorCodes.RemoteUnauthorized, $"refused the key (HTTP {status}); set it with \"Wispr: Set Remote Server Key\""),
        404 => Fail(WisprErrorCodes.RemoteServerError, $"does not know the address or the model \"{_settings.Model}\" (HTTP 404): check wispr.remote.baseUrl and wispr.remote.model"),
        >= 500 => Fail(WisprErrorCodes.RemoteServerError, $"failed (HTTP {status})"),
        _ => Fail(WisprErrorCodes.RemoteServerError, $"rejected the request (HTTP {status})"),
    };

    private WisprException Fail(int code, string what) => new(code, $"The transcription server at {_settings.Host} {what}.");

    private string CleanupMask() => Cleanup.CleanupPipeline.MaskUrl(_settings.BaseAddress.ToString());

    private static string Seconds(TimeSpan t) => t.TotalSeconds >= 1 && t.TotalMilliseconds % 1000 == 0 ? $"{t.TotalSeconds:0} s" : $"{t.TotalSeconds:0.#} s";

    /// <summary>Drops the client and disposes its connections. A request in flight is cancelled by its own caller's token.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return ValueTask.CompletedTask;
        Volatile.Write(ref _client, null);
        _http?.Dispose();
        _http = null;
        _handler?.Dispose();
        _handler = null;
        return ValueTask.CompletedTask;
    }

    private sealed class RemoteReplyException(string what) : Exception(what);
}
