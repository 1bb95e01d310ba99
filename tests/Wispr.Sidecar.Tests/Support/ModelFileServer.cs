using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Wispr.Sidecar.Models;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>
/// A model server on loopback for the model-store tests, written on raw sockets so each fault is exact: HTTP Range answered with
/// 206 (or ignored), a body cut off after N bytes with a clean close, a stall after the headers, a slow trickle, a 404. It counts
/// requests and body bytes per file, so a test can prove a resume fetched only what was missing. (Its own helper, separate from
/// the loopback servers of StalledDownloadTests/ParakeetDownloadTests.)
/// </summary>
public sealed class ModelFileServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly ConcurrentDictionary<string, ServedFile> _files = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    /// <summary>One served file, its faults and what was fetched of it.</summary>
    public sealed class ServedFile(byte[] content)
    {
        public byte[] Content { get; set; } = content;
        public bool IgnoreRange { get; set; }
        public bool NotFound { get; set; }
        /// <summary>The next answer stops after this many body bytes (Content-Length still the whole), then the fault clears.</summary>
        public long? CutNextAfter { get; set; }
        /// <summary>Answers send their headers and then nothing until released (or the server stops).</summary>
        public bool StallAfterHeaders { get; set; }
        /// <summary>Delay between 16 KiB chunks (a slow server; pacing on the server side, not a test's wait).</summary>
        public TimeSpan? ChunkDelay { get; set; }
        /// <summary>When set, the body is held after the first chunk until this completes.</summary>
        public TaskCompletionSource? Gate { get; set; }
        private long _bytesSent;
        private int _requests;
        public long BytesSent => Interlocked.Read(ref _bytesSent);
        public int Requests => Volatile.Read(ref _requests);
        public ConcurrentQueue<long?> RangeStarts { get; } = new();
        /// <summary>Completes when an answer to this file ended (cut, finished, or failed because the client went away).</summary>
        public ConcurrentQueue<TaskCompletionSource> Ended { get; } = new();
        internal void Sent(long n) => Interlocked.Add(ref _bytesSent, n);
        internal void Requested() => Interlocked.Increment(ref _requests);
#pragma warning disable CA5350 // whisper.cpp publishes SHA-1 digests: the stand-ins carry the same kind of integrity check
        public string Sha1 => Convert.ToHexStringLower(SHA1.HashData(Content));
#pragma warning restore CA5350
    }

    public string Prefix { get; }
    public Uri BaseUrl => new(Prefix);
    public ConcurrentQueue<string> RequestLines { get; } = new();

    private ModelFileServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Prefix = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
        _accepting = AcceptAsync();
    }

    public static ModelFileServer Start() => new();

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/> (relative, as a catalog names it).</summary>
    public ServedFile Serve(string path, byte[] content) => _files[path.TrimStart('/')] = new ServedFile(content);

    public ServedFile this[string path] => _files[path.TrimStart('/')];

    /// <summary>Random bytes of a given size: a stand-in model file with its own checksum.</summary>
    public static byte[] StandIn(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A one-file Whisper catalog entry for a served file (its SHA-1 unless <paramref name="sha1"/> says otherwise).</summary>
    public CatalogEntry WhisperEntry(string id, string path, string? sha1 = null)
    {
        var file = this[path];
        return new CatalogEntry(id, "whisper", $"Stand-in {id}", "test", ["en"], "A generated stand-in.", 100,
            [new CatalogFile(Path.GetFileName(path), path, file.Content.Length, sha1 ?? file.Sha1)]);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using var owned = client;
        var stream = client.GetStream();
        TaskCompletionSource? ended = null;
        try
        {
            var (requestLine, headers) = await ReadHeadAsync(stream);
            if (requestLine is null)
                return;
            RequestLines.Enqueue(requestLine);
            var target = requestLine.Split(' ')[1];
            // A proxy forwards the absolute form (GET http://host/path).
            var path = Uri.TryCreate(target, UriKind.Absolute, out var absolute) ? absolute.AbsolutePath : target;
            if (!_files.TryGetValue(Uri.UnescapeDataString(path.TrimStart('/')), out var file) || file.NotFound)
            {
                file?.Requested();
                await WriteAsync(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            file.Requested();
            ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            file.Ended.Enqueue(ended);
            long from = 0;
            if (headers.TryGetValue("range", out var range) && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
                from = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            file.RangeStarts.Enqueue(headers.ContainsKey("range") ? from : null);
            var content = file.Content;
            var partial = from > 0 && !file.IgnoreRange && from < content.Length;
            if (!partial)
                from = 0;
            var head = partial
                ? $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {from}-{content.Length - 1}/{content.Length}\r\n"
                : "HTTP/1.1 200 OK\r\n";
            await WriteAsync(stream, head + $"Content-Length: {content.Length - from}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
            if (file.StallAfterHeaders)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }
            var cut = file.CutNextAfter;
            file.CutNextAfter = null;
            var sent = 0L;
            var first = true;
            for (var offset = from; offset < content.Length; offset += 16384)
            {
                var n = (int)Math.Min(16384, content.Length - offset);
                if (cut is { } limit)
                    n = (int)Math.Min(n, limit - sent);
                if (n <= 0)
                    break;
                await stream.WriteAsync(content.AsMemory((int)offset, n), _stop.Token);
                sent += n;
                file.Sent(n);
                if (first && file.Gate is { } gate)
                    await gate.Task.WaitAsync(_stop.Token);
                first = false;
                if (file.ChunkDelay is { } delay)
                    await Task.Delay(delay, _stop.Token);
            }
            await stream.FlushAsync(_stop.Token);
            client.Client.Shutdown(SocketShutdown.Send); // a clean end: the client gets every byte written, then EOF
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away (a cancelled download) or the server stops.
        }
        finally
        {
            ended?.TrySetResult();
        }
    }

    private static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    internal static async Task<(string? RequestLine, Dictionary<string, string> Headers)> ReadHeadAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 65536)
        {
            if (await stream.ReadAsync(one) == 0)
                return (null, []);
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r')
                break;
        }
        var lines = Encoding.ASCII.GetString([.. bytes]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return (lines.FirstOrDefault(), headers);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}

/// <summary>
/// A tiny HTTP proxy: CONNECT host:port tunnels, and absolute-form requests (GET http://host/path, which is how HTTP clients send
/// plain-http requests through a proxy) are forwarded as they are. It records every request line it handled.
/// </summary>
public sealed class TinyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public string Address { get; }
    public ConcurrentQueue<string> RequestLines { get; } = new();

    private TinyProxy()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    public static TinyProxy Start() => new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var owned = client;
        try
        {
            var inbound = client.GetStream();
            var (line, headers) = await ModelFileServer.ReadHeadAsync(inbound);
            if (line is null)
                return;
            RequestLines.Enqueue(line);
            var parts = line.Split(' ');
            string host;
            int port;
            byte[]? forward = null;
            if (parts[0] == "CONNECT")
            {
                var hostPort = parts[1].Split(':');
                (host, port) = (hostPort[0], int.Parse(hostPort[1], CultureInfo.InvariantCulture));
            }
            else
            {
                var uri = new Uri(parts[1]);
                (host, port) = (uri.Host, uri.Port);
                forward = Encoding.ASCII.GetBytes(line + "\r\n" + string.Concat(headers.Select(h => $"{h.Key}: {h.Value}\r\n")) + "\r\n");
            }
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(host, port, _stop.Token);
            var outbound = upstream.GetStream();
            if (forward is null)
                await inbound.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection established\r\n\r\n"), _stop.Token);
            else
                await outbound.WriteAsync(forward, _stop.Token);
            _ = inbound.CopyToAsync(outbound, _stop.Token);
            await outbound.CopyToAsync(inbound, _stop.Token);
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
