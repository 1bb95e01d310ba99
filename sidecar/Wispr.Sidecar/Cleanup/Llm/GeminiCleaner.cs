using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Wispr.Sidecar.Cleanup.Llm;

/// <summary>
/// Google Gemini over its REST API: <c>POST {base}/v1beta/models/{model}:generateContent</c>, or
/// <c>:streamGenerateContent?alt=sse</c> when streaming, with the key in the <c>x-goog-api-key</c> header (never in the URL,
/// where it could land in a log line or a proxy's access log). The prompt goes as <c>systemInstruction</c> + one user turn
/// in <c>contents</c>; the answer is <c>candidates[0].content.parts[].text</c>. Uses the factory's shared <see cref="HttpClient"/>.
/// </summary>
public sealed class GeminiCleaner(LlmConnection connection, HttpClient http, ILogger logger) : LlmCleaner(connection, logger)
{
    public const string DefaultBaseUrl = "https://generativelanguage.googleapis.com";
    public const string DefaultModel = "gemini-2.0-flash";

    public override string Name => LlmProviders.Gemini;

    public static bool IsGoogleHost(Uri address) => address.Host.EndsWith("googleapis.com", StringComparison.OrdinalIgnoreCase);

    /// <summary>The method's address: the base, then <c>v1beta</c> unless the base already names an API version, then the model.</summary>
    public Uri MethodUri(bool stream)
    {
        var basePath = Connection.BaseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var versioned = basePath.EndsWith("/v1beta", StringComparison.Ordinal) || basePath.EndsWith("/v1", StringComparison.Ordinal)
            || basePath.EndsWith("/v1alpha", StringComparison.Ordinal);
        var model = Connection.Model.StartsWith("models/", StringComparison.Ordinal) ? Connection.Model["models/".Length..] : Connection.Model;
        var verb = stream ? "streamGenerateContent?alt=sse" : "generateContent";
        return new Uri($"{basePath}{(versioned ? "" : "/v1beta")}/models/{Uri.EscapeDataString(model)}:{verb}");
    }

    protected override async Task<string> CompleteAsync(LlmPrompt prompt, int maxAnswerChars, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = prompt.System }) },
            ["contents"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["parts"] = new JsonArray(new JsonObject { ["text"] = prompt.User }),
            }),
            ["generationConfig"] = new JsonObject { ["temperature"] = 0 },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, MethodUri(Connection.Stream))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (!string.IsNullOrEmpty(Connection.ApiKey))
            request.Headers.TryAddWithoutValidation("x-goog-api-key", Connection.ApiKey);
        if (Connection.Stream)
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var retryAfter = ParseRetryAfter(response.Headers.RetryAfter?.ToString());
            if (retryAfter is null && (int)response.StatusCode == 429)
                retryAfter = await RetryDelayFromBodyAsync(response, cancellationToken).ConfigureAwait(false);
            throw new LlmHttpException((int)response.StatusCode, retryAfter);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        if (!Connection.Stream)
        {
            JsonNode? reply;
            try { reply = await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false); }
            catch (JsonException) { throw new LlmReplyException("malformed JSON"); }
            return TextOf(reply, out var finish) is { } text ? text : throw new LlmReplyException(NoTextReason(finish));
        }

        var answer = new StringBuilder();
        string? lastFinish = null;
        var any = false;
        await foreach (var data in ServerSentEvents.ReadDataAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            JsonNode? chunk;
            try { chunk = JsonNode.Parse(data); }
            catch (JsonException) { throw new LlmReplyException("malformed JSON"); }
            if (chunk?["error"] is JsonObject)
                throw new LlmHttpException(chunk["error"]?["code"]?.GetValueKind() == JsonValueKind.Number ? (int)chunk["error"]!["code"]! : 500, null);
            if (TextOf(chunk, out var finish) is { } piece) { answer.Append(piece); any = true; }
            lastFinish = finish ?? lastFinish;
            if (answer.Length > maxAnswerChars && AnswerValidator.PastLimit(answer.ToString(), maxAnswerChars)) throw new LlmAnswerTooLongException(maxAnswerChars);
        }
        return any ? answer.ToString() : throw new LlmReplyException(NoTextReason(lastFinish));
    }

    /// <summary>The text parts of the first candidate (thoughts skipped), or null when it has none.</summary>
    private static string? TextOf(JsonNode? reply, out string? finishReason)
    {
        finishReason = null;
        try
        {
            var candidate = reply?["candidates"]?[0];
            finishReason = candidate?["finishReason"]?.GetValue<string>() ?? reply?["promptFeedback"]?["blockReason"]?.GetValue<string>();
            if (candidate?["content"]?["parts"] is not JsonArray parts) return null;
            var text = new StringBuilder();
            foreach (var part in parts)
                if (part?["thought"]?.GetValueKind() != JsonValueKind.True && part?["text"] is JsonValue t)
                    text.Append(t.GetValue<string>());
            return text.ToString();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw new LlmReplyException("unexpected JSON shape");
        }
    }

    private static string NoTextReason(string? finish) => finish is null ? "no text in the reply" : $"no text in the reply, finish reason {finish}";

    /// <summary>Gemini's 429 says how long to wait in the body (<c>error.details[].retryDelay</c>, e.g. "13s").</summary>
    private static async Task<TimeSpan?> RetryDelayFromBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var node = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (node?["error"]?["details"] is not JsonArray details) return null;
            foreach (var d in details)
                if (d?["retryDelay"]?.GetValue<string>() is { } delay && delay.EndsWith('s')
                    && double.TryParse(delay[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s))
                    return TimeSpan.FromSeconds(s);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { }
        return null;
    }
}

/// <summary>Reads the <c>data:</c> payloads of a server-sent-event stream (LF or CRLF line ends; multi-line data joined).</summary>
internal static class ServerSentEvents
{
    public static async IAsyncEnumerable<string> ReadDataAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0) { yield return data.ToString(); data.Clear(); }
                continue;
            }
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue; // event:, id:, retry:, comments
            if (data.Length > 0) data.Append('\n');
            data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
        }
        if (data.Length > 0) yield return data.ToString();
    }
}
