using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Wispr.FakeLlm;

/// <summary>
/// One LLM request the server received, as it arrived (every header, the key included: tests assert on it). <see cref="Prompt"/>
/// is the text of every message, decoded from the JSON and joined by newlines; <see cref="Transcript"/> what the fake found in it.
/// </summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, string Prompt, string Transcript)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 that speaks the OpenAI chat-completions wire format (<c>POST …/chat/completions</c>,
/// JSON or <c>stream: true</c> SSE ending in <c>data: [DONE]</c>) and Gemini's (<c>POST …/models/M:generateContent</c> and
/// <c>:streamGenerateContent?alt=sse</c>), answering by <see cref="Scenario"/>. A raw <see cref="TcpListener"/>, not
/// ASP.NET Core or HttpListener: it needs no extra runtime, binds port 0, and can misbehave on purpose (hang, send bad JSON).
/// Control: <c>POST /_scenario</c> (body: a scenario name), <c>GET /_requests</c>, <c>POST /_reset</c>.
/// </summary>
public sealed partial class FakeLlmServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Task _acceptLoop;
    private volatile string _scenario;
    private int _llmRequestsInScenario;

    private FakeLlmServer(string scenario, int port)
    {
        _scenario = scenario;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = AcceptLoopAsync();
    }

    public static FakeLlmServer Start(string scenario = FakeLlmScenarios.Clean, int port = 0) => new(scenario, port);

    /// <summary><c>http://127.0.0.1:PORT/</c>: the Gemini base address.</summary>
    public Uri BaseAddress { get; }

    /// <summary><c>http://127.0.0.1:PORT/v1</c>: the OpenAI-compatible base address.</summary>
    public string OpenAiBaseUrl => BaseAddress + "v1";

    public string GeminiBaseUrl => BaseAddress.ToString().TrimEnd('/');

    /// <summary>The current scenario (<see cref="FakeLlmScenarios"/>); setting it restarts the 429 count.</summary>
    public string Scenario
    {
        get => _scenario;
        set { _scenario = value; Interlocked.Exchange(ref _llmRequestsInScenario, 0); }
    }

    /// <summary>How many requests <c>429-then-ok</c> refuses before it answers.</summary>
    public int FailCount { get; set; } = 1;

    /// <summary>The wait a 429 asks for, in seconds (OpenAI: <c>Retry-After</c> header; Gemini: <c>retryDelay</c> in the body). 0 or 1 keep tests fast.</summary>
    public int RetryAfterSeconds { get; set; }

    /// <summary>How long <c>timeout</c> hangs at most before closing the connection unanswered.</summary>
    public TimeSpan HangFor { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>The LLM requests received so far (control requests excluded), oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests { get { lock (_requests) return [.. _requests]; } }

    public void Reset()
    {
        lock (_requests) _requests.Clear();
        Interlocked.Exchange(ref _llmRequestsInScenario, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _acceptLoop; } catch { /* stopping */ }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch { return; }
            client.NoDelay = true;
            _ = ServeConnectionAsync(client);
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var reader = new RequestReader(stream);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var request = await reader.ReadAsync(_stop.Token);
                if (request is null) return;
                if (!await HandleAsync(request, stream)) return;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the client went away or the server stops
        }
    }

    /// <returns>Whether the connection may serve another request.</returns>
    private async Task<bool> HandleAsync(RawRequest request, NetworkStream stream)
    {
        var ct = _stop.Token;
        var path = request.Target;
        if (path == "/_scenario" && request.Method == "POST")
        {
            var name = request.Body.Trim();
            if (!FakeLlmScenarios.All.Contains(name))
                return await Respond(stream, 400, "text/plain", $"unknown scenario {name}", ct);
            Scenario = name;
            return await Respond(stream, 200, "text/plain", "ok", ct);
        }
        if (path == "/_reset" && request.Method == "POST")
        {
            Reset();
            return await Respond(stream, 200, "text/plain", "ok", ct);
        }
        if (path == "/_requests" && request.Method == "GET")
            return await Respond(stream, 200, "application/json", JsonSerializer.Serialize(Requests), ct);

        var route = path.Split('?')[0];
        bool openAi = request.Method == "POST" && route.EndsWith("/chat/completions", StringComparison.Ordinal);
        var gemini = request.Method == "POST" ? GeminiRoute().Match(route) : Match.Empty;
        if (!openAi && !gemini.Success)
            return await Respond(stream, 404, "application/json", """{"error":{"message":"no such route"}}""", ct);

        List<(string Role, string Text)> messages;
        bool streamed;
        string model;
        try
        {
            (messages, streamed, model) = openAi ? ParseOpenAi(request.Body) : ParseGemini(request.Body, gemini);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return await Respond(stream, 400, "application/json", """{"error":{"message":"the request body is not what this API takes"}}""", ct);
        }
        var transcript = FakeLlmBrain.FindTranscript(messages);
        lock (_requests)
            _requests.Add(new RecordedRequest(request.Method, path, request.Headers, request.Body, string.Join("\n", messages.Select(m => m.Text)), transcript));
        var n = Interlocked.Increment(ref _llmRequestsInScenario);

        var scenario = Scenario;
        var clean = FakeLlmBrain.Clean(transcript, FakeLlmBrain.FindVocabulary(messages));
        string answer;
        switch (scenario)
        {
            case FakeLlmScenarios.Timeout:
                // Hang until the client hangs up (a read returns 0), the server stops, or HangFor passes; never answer.
                var buffer = new byte[256];
                try { await Task.WhenAny(stream.ReadAsync(buffer, ct).AsTask(), Task.Delay(HangFor, ct)); } catch { }
                return false;
            case FakeLlmScenarios.ServerError:
                return await Respond(stream, 500, "application/json", ErrorBody(openAi, 500, "The server had an error while processing your request."), ct);
            case FakeLlmScenarios.Unauthorized:
                var key = request.Headers.GetValueOrDefault("x-goog-api-key") ?? request.Headers.GetValueOrDefault("authorization") ?? "";
                return await Respond(stream, 401, "application/json", ErrorBody(openAi, 401, $"Incorrect API key provided: {key.Replace("Bearer ", "")}."), ct);
            case FakeLlmScenarios.TooManyThenOk when n <= FailCount:
                // As the real services do: OpenAI sends a Retry-After header, Gemini a RetryInfo detail in the body.
                if (openAi)
                    return await Respond(stream, 429, "application/json", ErrorBody(true, 429, "Rate limit reached; retry later."), ct,
                        [("Retry-After", RetryAfterSeconds.ToString())]);
                return await Respond(stream, 429, "application/json", JsonSerializer.Serialize(new
                {
                    error = new
                    {
                        code = 429,
                        message = "Resource has been exhausted (e.g. check quota).",
                        status = "RESOURCE_EXHAUSTED",
                        details = new object[] { new Dictionary<string, string> { ["@type"] = "type.googleapis.com/google.rpc.RetryInfo", ["retryDelay"] = $"{RetryAfterSeconds}s" } },
                    },
                }), ct);
            case FakeLlmScenarios.Malformed:
                if (streamed)
                    return await RespondSse(stream, ["{\"choices\": [ {\"delta\": {\"content\": \"unterminated"], openAi, ct);
                return await Respond(stream, 200, "application/json", "{\"id\": \"chatcmpl-fake\", \"choices\": [ {\"message\": {\"content\": \"unterminated", ct);
            case FakeLlmScenarios.Drop:
                if (streamed)
                {
                    var first = openAi ? OpenAiChunk(model, "Half ", first: true, finish: null) : GeminiCompletion(model, "Half ", last: false);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"), ct);
                    await WriteChunk(stream, Encoding.UTF8.GetBytes($"data: {first}\n\n"), ct);
                }
                else
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\": \"chatcmpl-"), ct);
                    await stream.FlushAsync(ct);
                }
                return false; // closing the connection mid-body
            case FakeLlmScenarios.Far: answer = FakeLlmBrain.FarAnswer; break;
            case FakeLlmScenarios.Obey: answer = FakeLlmBrain.Obey(transcript); break;
            case FakeLlmScenarios.EchoWrapper: answer = FakeLlmBrain.Wrapper + clean; break;
            default: answer = clean; break;
        }

        if (!streamed)
            return await Respond(stream, 200, "application/json", openAi ? OpenAiCompletion(model, answer) : GeminiCompletion(model, answer, true), ct);
        var pieces = Pieces(answer);
        var events = new List<string>();
        for (var i = 0; i < pieces.Count; i++)
            events.Add(openAi ? OpenAiChunk(model, pieces[i], first: i == 0, finish: null) : GeminiCompletion(model, pieces[i], last: i == pieces.Count - 1));
        if (openAi) events.Add(OpenAiChunk(model, null, first: false, finish: "stop"));
        return await RespondSse(stream, events, openAi, ct);
    }

    private static (List<(string, string)>, bool, string) ParseOpenAi(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var messages = new List<(string, string)>();
        foreach (var m in root.GetProperty("messages").EnumerateArray())
        {
            var content = m.GetProperty("content");
            var text = content.ValueKind == JsonValueKind.String
                ? content.GetString()!
                : string.Concat(content.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : ""));
            messages.Add((m.GetProperty("role").GetString()!, text));
        }
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var model = root.TryGetProperty("model", out var md) ? md.GetString() ?? "" : "";
        return (messages, stream, model);
    }

    private static (List<(string, string)>, bool, string) ParseGemini(string body, Match route)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var messages = new List<(string, string)>();
        static string Parts(JsonElement content) =>
            string.Concat(content.GetProperty("parts").EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : ""));
        if (root.TryGetProperty("systemInstruction", out var sys))
            messages.Add(("system", Parts(sys)));
        foreach (var c in root.GetProperty("contents").EnumerateArray())
            messages.Add((c.TryGetProperty("role", out var r) ? r.GetString() ?? "user" : "user", Parts(c)));
        return (messages, route.Groups["verb"].Value == "streamGenerateContent", Uri.UnescapeDataString(route.Groups["model"].Value));
    }

    private static List<string> Pieces(string answer)
    {
        // A word (with the space after it) per event, as real servers send a token or a few at a time.
        var pieces = Regex.Split(answer, "(?<=\\s)").Where(p => p.Length > 0).ToList();
        return pieces.Count == 0 ? [""] : pieces;
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static string OpenAiCompletion(string model, string answer) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-fake",
        @object = "chat.completion",
        created = Now,
        model,
        choices = new[] { new { index = 0, message = new { role = "assistant", content = answer, refusal = (string?)null }, logprobs = (object?)null, finish_reason = "stop" } },
        usage = new { prompt_tokens = 10, completion_tokens = 10, total_tokens = 20 },
    });

    private static string OpenAiChunk(string model, string? piece, bool first, string? finish) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-fake",
        @object = "chat.completion.chunk",
        created = Now,
        model,
        choices = new[]
        {
            new
            {
                index = 0,
                delta = piece is null ? (object)new { } : first ? new { role = "assistant", content = piece } : new { content = piece },
                logprobs = (object?)null,
                finish_reason = finish,
            },
        },
    });

    private static string GeminiCompletion(string model, string text, bool last) => JsonSerializer.Serialize(new
    {
        candidates = new[]
        {
            new { content = new { parts = new[] { new { text } }, role = "model" }, finishReason = last ? "STOP" : null, index = 0 },
        },
        usageMetadata = new { promptTokenCount = 10, candidatesTokenCount = 10, totalTokenCount = 20 },
        modelVersion = model,
    });

    private static string ErrorBody(bool openAi, int status, string message) => openAi
        ? JsonSerializer.Serialize(new { error = new { message, type = status == 429 ? "rate_limit_exceeded" : "server_error", code = (string?)null } })
        : JsonSerializer.Serialize(new { error = new { code = status, message, status = status switch { 429 => "RESOURCE_EXHAUSTED", 401 => "UNAUTHENTICATED", _ => "INTERNAL" } } });

    private static string Reason(int status) => status switch
    {
        200 => "OK", 400 => "Bad Request", 401 => "Unauthorized", 404 => "Not Found", 429 => "Too Many Requests", 500 => "Internal Server Error", _ => "Status",
    };

    private static async Task<bool> Respond(NetworkStream stream, int status, string contentType, string body, CancellationToken ct,
        IEnumerable<(string, string)>? headers = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = new StringBuilder($"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: {contentType}; charset=utf-8\r\nContent-Length: {bytes.Length}\r\n");
        foreach (var (name, value) in headers ?? []) head.Append($"{name}: {value}\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct);
        await stream.WriteAsync(bytes, ct);
        await stream.FlushAsync(ct);
        return true;
    }

    /// <summary>Server-sent events in chunked transfer encoding, one chunk per event, flushed as they go.</summary>
    private static async Task<bool> RespondSse(NetworkStream stream, IEnumerable<string> events, bool openAi, CancellationToken ct)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"), ct);
        // Gemini separates events with CRLF CRLF, OpenAI with LF LF; clients must take both.
        var sep = openAi ? "\n\n" : "\r\n\r\n";
        foreach (var e in openAi ? events.Append("[DONE]") : events)
            await WriteChunk(stream, Encoding.UTF8.GetBytes($"data: {e}{sep}"), ct);
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
        await stream.FlushAsync(ct);
        return true;
    }

    private static async Task WriteChunk(NetworkStream stream, byte[] data, CancellationToken ct)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), ct);
        await stream.WriteAsync(data, ct);
        await stream.WriteAsync("\r\n"u8.ToArray(), ct);
        await stream.FlushAsync(ct);
    }

    [GeneratedRegex("/models/(?<model>[^/:]+):(?<verb>generateContent|streamGenerateContent)$")]
    private static partial Regex GeminiRoute();

    private sealed record RawRequest(string Method, string Target, Dictionary<string, string> Headers, string Body);

    /// <summary>Reads HTTP/1.1 requests off a connection: request line, headers, a Content-Length or chunked body.</summary>
    private sealed class RequestReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start, _end;

        public async Task<RawRequest?> ReadAsync(CancellationToken ct)
        {
            var requestLine = await ReadLineAsync(ct);
            if (string.IsNullOrEmpty(requestLine)) return null;
            var parts = requestLine.Split(' ');
            if (parts.Length < 3) return null;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                var line = await ReadLineAsync(ct) ?? throw new IOException("connection closed in the headers");
                if (line.Length == 0) break;
                var colon = line.IndexOf(':');
                if (colon <= 0) continue;
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var prior) ? prior + ", " + value : value;
            }
            byte[] body;
            if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                using var ms = new MemoryStream();
                while (true)
                {
                    var sizeLine = await ReadLineAsync(ct) ?? throw new IOException("connection closed in a chunk");
                    var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                    if (size == 0) { await ReadLineAsync(ct); break; }
                    ms.Write(await ReadBytesAsync(size, ct));
                    await ReadLineAsync(ct);
                }
                body = ms.ToArray();
            }
            else
            {
                body = headers.TryGetValue("Content-Length", out var cl) ? await ReadBytesAsync(int.Parse(cl), ct) : [];
            }
            return new RawRequest(parts[0], parts[1], headers, Encoding.UTF8.GetString(body));
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) throw new IOException("request line or header too long");
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            _end += n;
            return n > 0;
        }

        private async Task<string?> ReadLineAsync(CancellationToken ct)
        {
            while (true)
            {
                var i = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (i >= 0)
                {
                    var line = Encoding.ASCII.GetString(_buffer, _start, i - _start).TrimEnd('\r');
                    _start = i + 1;
                    return line;
                }
                if (!await FillAsync(ct)) return null;
            }
        }

        private async Task<byte[]> ReadBytesAsync(int count, CancellationToken ct)
        {
            var result = new byte[count];
            var got = 0;
            while (got < count)
            {
                if (_start == _end && !await FillAsync(ct)) throw new IOException("connection closed in the body");
                var n = Math.Min(count - got, _end - _start);
                Buffer.BlockCopy(_buffer, _start, result, got, n);
                _start += n;
                got += n;
            }
            return result;
        }
    }
}
