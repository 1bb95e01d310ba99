using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Wispr.Sidecar.Tests.Remote;

/// <summary>One transcription request as the fake received it (headers lower-cased; the body raw, multipart and all).</summary>
public sealed record TranscriptionRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, TimeSpan ArrivedAt)
{
    public string BodyText => Encoding.Latin1.GetString(Body);
}

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 (port 0) speaking OpenAI's <c>POST /v1/audio/transcriptions</c>, answering by
/// <see cref="Scenario"/>, and misbehaving on purpose: a raw <see cref="TcpListener"/>, so it can stall after its headers or
/// drop the connection. Every request is recorded with its arrival time (for the Retry-After check).
/// </summary>
public sealed class FakeTranscriptionServer : IAsyncDisposable
{
    public const string Text = "hello from the team server";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TranscriptionRequest> _requests = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;
    private int _count;

    public FakeTranscriptionServer(string scenario)
    {
        Scenario = scenario;
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1";
        Host = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _loop = AcceptAsync();
    }

    /// <summary>ok, 401, 429-then-ok, 500, stall, malformed, drop.</summary>
    public string Scenario { get; set; }

    /// <summary>The Retry-After (seconds) the 429 asks for.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    public string BaseUrl { get; }

    public string Host { get; }

    public IReadOnlyList<TranscriptionRequest> Requests { get { lock (_requests) return [.. _requests]; } }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            while (!_stop.IsCancellationRequested)
            {
                var request = await ReadRequestAsync(stream);
                if (request is null)
                    return;
                lock (_requests) _requests.Add(request);
                var n = Interlocked.Increment(ref _count);
                switch (Scenario)
                {
                    case "ok": await AnswerAsync(stream, 200, $"{{\"text\":\" {Text}\"}}"); break;
                    case "401": await AnswerAsync(stream, 401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\"}}"); break;
                    case "429-then-ok" when n == 1:
                        await AnswerAsync(stream, 429, "{\"error\":{\"message\":\"slow down\"}}", $"Retry-After: {RetryAfterSeconds}\r\n"); break;
                    case "429-then-ok": await AnswerAsync(stream, 200, $"{{\"text\":\"{Text}\"}}"); break;
                    case "429": await AnswerAsync(stream, 429, "{\"error\":{\"message\":\"slow down\"}}", $"Retry-After: {RetryAfterSeconds}\r\n"); break;
                    case "500": await AnswerAsync(stream, 500, "{\"error\":{\"message\":\"boom\"}}"); break;
                    case "malformed": await AnswerAsync(stream, 200, "{\"text\": \"half an ans"); break;
                    case "stall":
                        // Headers promise a body that never comes; the connection stays open until the test ends.
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{\"te"));
                        await stream.FlushAsync();
                        try { await Task.Delay(Timeout.Infinite, _stop.Token); } catch (OperationCanceledException) { }
                        return;
                    case "drop":
                        client.Client.LingerState = new LingerOption(true, 0); // a reset, not a polite close
                        return;
                    default: throw new InvalidOperationException($"Unknown scenario {Scenario}");
                }
            }
        }
        catch (IOException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    private static async Task AnswerAsync(NetworkStream stream, int status, string json, string extraHeaders = "")
    {
        var body = Encoding.UTF8.GetBytes(json);
        var head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n{extraHeaders}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        await stream.FlushAsync();
    }

    private async Task<TranscriptionRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
                return null;
            head.Add(one[0]);
        }
        var arrived = _clock.Elapsed;
        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var first = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        byte[] body;
        if (headers.TryGetValue("content-length", out var length))
        {
            body = new byte[int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body);
        }
        else if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var all = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(stream);
                var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    await ReadLineAsync(stream);
                    break;
                }
                var chunk = new byte[size];
                await stream.ReadExactlyAsync(chunk);
                all.Write(chunk);
                await ReadLineAsync(stream);
            }
            body = all.ToArray();
        }
        else
        {
            body = [];
        }
        return new TranscriptionRequest(first[0], first[1], headers, body, arrived);
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one) > 0)
        {
            if (one[0] == '\n')
                break;
            if (one[0] != '\r')
                line.Append((char)one[0]);
        }
        return line.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _loop; } catch (Exception) { }
        _stop.Dispose();
    }
}
