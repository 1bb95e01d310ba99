using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Wispr.Sidecar.Cleanup.Llm;

/// <summary>Where and how one connector talks to its LLM. The key is memory-only; <see cref="ToString"/> never prints it.</summary>
public sealed record LlmConnection(Uri BaseAddress, string Model, string? ApiKey, TimeSpan Budget, bool Stream = true)
{
    public override string ToString() =>
        $"LlmConnection {{ BaseAddress = {BaseAddress}, Model = {Model}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(none)" : "(set)")}, Budget = {Budget}, Stream = {Stream} }}";
}

/// <summary>An HTTP error status from the LLM, with the wait it asked for (Retry-After), if any. Carries no response body.</summary>
public sealed class LlmHttpException(int status, TimeSpan? retryAfter) : Exception($"HTTP {status}")
{
    public int Status { get; } = status;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The LLM answered 200 but the reply could not be read (malformed JSON, no text in it).</summary>
public sealed class LlmReplyException(string what) : Exception(what);

/// <summary>A streamed answer grew past the longest acceptable cleanup; reading stopped there.</summary>
public sealed class LlmAnswerTooLongException(int chars) : Exception($"answer over {chars} characters")
{
    public int Chars { get; } = chars;
}

/// <summary>
/// The policy every connector shares. The whole LLM step has ONE budget (<see cref="LlmConnection.Budget"/>, the
/// <c>timeoutMs</c> setting): a cancellation token that fires when it is spent bounds every attempt, wait and read, and
/// the HTTP clients below have no retries or timeouts of their own, so this class alone decides:
/// 429 → retry (up to 4 tries) while the budget lasts, waiting what Retry-After says, or 200/400/800 ms without it; a wait
/// the rest of the budget cannot cover fails at once rather than burning the budget; 5xx → one retry when at least
/// half the budget is left; other 4xx, malformed replies and network errors → no retry. The answer then goes through
/// <see cref="AnswerValidator"/>. Every failure is a <see cref="CleanupFailedException"/> whose message is the user-facing
/// reason; log lines carry provider, host, model, status and timing only: never the key, never the text.
/// </summary>
public abstract class LlmCleaner : ITranscriptCleaner
{
    /// <summary>A retry is only worth its wait when at least this much of the budget is left after it.</summary>
    public static readonly TimeSpan MinAttemptTime = TimeSpan.FromMilliseconds(250);
    private const int MaxAttempts = 4;

    protected LlmCleaner(LlmConnection connection, ILogger logger)
    {
        Connection = connection;
        Logger = logger;
    }

    public abstract string Name { get; }

    public LlmConnection Connection { get; }

    protected ILogger Logger { get; }

    /// <summary>The host:port for log lines and messages (no path, no query, no user info).</summary>
    protected string Host => Connection.BaseAddress.IsDefaultPort ? Connection.BaseAddress.Host : $"{Connection.BaseAddress.Host}:{Connection.BaseAddress.Port}";

    /// <summary>One request: the answer's text. Throws <see cref="LlmHttpException"/>, <see cref="LlmReplyException"/>,
    /// <see cref="LlmAnswerTooLongException"/>, <see cref="HttpRequestException"/> or <see cref="OperationCanceledException"/>.</summary>
    protected abstract Task<string> CompleteAsync(LlmPrompt prompt, int maxAnswerChars, CancellationToken cancellationToken);

    public async ValueTask<string> CleanAsync(CleanupInput input, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(input.Text)) return input.Text;
        var prompt = LlmPromptBuilder.Build(input);
        var maxChars = AnswerValidator.MaxAnswerChars(input);
        var budget = Connection.Budget;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(budget);
        var ct = deadline.Token;
        var total = Stopwatch.StartNew();
        var retriedServerError = false;

        for (var attempt = 1; ; attempt++)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                var answer = await CompleteAsync(prompt, maxChars, ct).ConfigureAwait(false);
                Logger.LogDebug("LLM cleanup: {Provider} {Host} model {Model}: HTTP 200 in {Ms} ms (attempt {Attempt}, {Kind})",
                    Name, Host, Connection.Model, sw.ElapsedMilliseconds, attempt, Connection.Stream ? "streamed" : "JSON");
                return AnswerValidator.Validate(answer, input);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // the caller cancelled: not a cleanup failure
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Logger.LogWarning("LLM cleanup: {Provider} {Host} model {Model}: no answer within {Budget} ms (attempt {Attempt})",
                    Name, Host, Connection.Model, (int)budget.TotalMilliseconds, attempt);
                throw new CleanupFailedException($"the LLM did not answer within {Seconds(budget)}");
            }
            catch (LlmHttpException e)
            {
                var remaining = budget - total.Elapsed;
                Logger.LogWarning("LLM cleanup: {Provider} {Host} model {Model}: HTTP {Status} in {Ms} ms (attempt {Attempt}{RetryAfter})",
                    Name, Host, Connection.Model, e.Status, sw.ElapsedMilliseconds, attempt,
                    e.RetryAfter is { } ra ? $", retry after {ra.TotalMilliseconds:0} ms" : "");
                TimeSpan wait;
                if (e.Status == 429)
                {
                    // Honour the server's wait, capped by what is left of the budget: a wait that would leave no time
                    // for the retry fails now, with the reason, instead of spending the budget first.
                    wait = e.RetryAfter ?? TimeSpan.FromMilliseconds(200 * (1 << (attempt - 1)));
                    if (attempt >= MaxAttempts)
                        throw new CleanupFailedException($"the LLM kept refusing with HTTP 429 (rate limit) after {attempt} tries");
                    if (wait + MinAttemptTime >= remaining)
                        throw new CleanupFailedException(e.RetryAfter is { } asked
                            ? $"the LLM is rate-limiting requests (HTTP 429) and asked to wait {Seconds(asked)}, more than is left of the {Seconds(budget)} budget"
                            : $"the LLM is rate-limiting requests (HTTP 429) and the {Seconds(budget)} budget ran out");
                }
                else if (e.Status >= 500 && !retriedServerError && remaining > budget / 2)
                {
                    retriedServerError = true;
                    wait = TimeSpan.FromMilliseconds(100);
                }
                else
                {
                    throw new CleanupFailedException(HttpReason(e.Status));
                }
                try { await Task.Delay(wait, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new CleanupFailedException($"the LLM did not answer within {Seconds(budget)}");
                }
            }
            catch (LlmAnswerTooLongException e)
            {
                Logger.LogWarning("LLM cleanup: {Provider} {Host} model {Model}: answer past {Chars} characters after {Ms} ms; stopped reading",
                    Name, Host, Connection.Model, e.Chars, sw.ElapsedMilliseconds);
                throw new CleanupFailedException($"the LLM's answer was far longer than what was said (over {e.Chars} characters for {input.Text.Length})");
            }
            catch (LlmReplyException e)
            {
                Logger.LogWarning("LLM cleanup: {Provider} {Host} model {Model}: unreadable reply in {Ms} ms ({What})",
                    Name, Host, Connection.Model, sw.ElapsedMilliseconds, e.Message);
                throw new CleanupFailedException($"the LLM's reply could not be read ({e.Message})");
            }
            catch (HttpRequestException e)
            {
                var why = e.InnerException is SocketException se ? se.SocketErrorCode.ToString() : e.HttpRequestError.ToString();
                Logger.LogWarning("LLM cleanup: {Provider} {Host} model {Model}: request failed after {Ms} ms ({Error})",
                    Name, Host, Connection.Model, sw.ElapsedMilliseconds, why);
                throw new CleanupFailedException($"could not reach the LLM at {Host} ({why})");
            }
            catch (IOException e) when (!ct.IsCancellationRequested)
            {
                Logger.LogWarning("LLM cleanup: {Provider} {Host} model {Model}: connection broke after {Ms} ms ({Error})",
                    Name, Host, Connection.Model, sw.ElapsedMilliseconds, e.GetType().Name);
                throw new CleanupFailedException($"the connection to the LLM at {Host} broke");
            }
            catch (CleanupFailedException e)
            {
                Logger.LogInformation("LLM cleanup: {Provider} {Host} model {Model}: answer rejected after {Ms} ms: {Reason}",
                    Name, Host, Connection.Model, total.ElapsedMilliseconds, e.Message);
                throw;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Anything unforeseen from the SDK or the network still falls back instead of failing the dictation; only its
                // type is logged, as its message may quote a server's reply.
                Logger.LogWarning("LLM cleanup: {Provider} {Host} model {Model}: failed after {Ms} ms ({Error})",
                    Name, Host, Connection.Model, sw.ElapsedMilliseconds, e.GetType().Name);
                throw new CleanupFailedException($"the request to the LLM at {Host} failed ({e.GetType().Name})");
            }
        }
    }

    private string HttpReason(int status) => status switch
    {
        401 or 403 => $"the LLM at {Host} refused the API key (HTTP {status})",
        404 => $"the LLM at {Host} does not know the model or address (HTTP 404): check the model name and base URL",
        >= 500 => $"the LLM at {Host} failed (HTTP {status})",
        _ => $"the LLM at {Host} rejected the request (HTTP {status})",
    };

    private static string Seconds(TimeSpan t) => t.TotalSeconds >= 1 && t.TotalMilliseconds % 1000 == 0 ? $"{t.TotalSeconds:0} s" : $"{t.TotalSeconds:0.#} s";

    /// <summary>Retry-After as seconds or an HTTP date, or OpenAI's retry-after-ms; null when absent or unreadable.</summary>
    public static TimeSpan? ParseRetryAfter(string? retryAfter, string? retryAfterMs = null)
    {
        if (double.TryParse(retryAfterMs, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);
        if (string.IsNullOrWhiteSpace(retryAfter)) return null;
        if (double.TryParse(retryAfter, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0)
            return TimeSpan.FromSeconds(s);
        if (RetryConditionHeaderValue.TryParse(retryAfter, out var value) && value.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}
