using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nerdbank.Streams;
using Wispr.Sidecar.Hosting;
using Wispr.Sidecar.Recognition;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>
/// The real sidecar host over an in-memory duplex pipe, with no JSON-RPC library on the client side: the test writes bytes
/// (framed or not) and reads the framed answers, so malformed input reaches the server exactly as written.
/// </summary>
public sealed class RawWireSidecar : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Stream _client;
    private byte[] _pending = [];

    private RawWireSidecar(IHost host, Stream client)
    {
        _host = host;
        _client = client;
    }

    public IServiceProvider Services => _host.Services;

    public static async Task<RawWireSidecar> StartAsync(SidecarOptions options, ISpeechBackendProvider? provider = null)
    {
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();
        var builder = SidecarProgram.CreateBuilder(options);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (provider is not null)
            builder.Services.Replace(ServiceDescriptor.Singleton(provider));
        builder.Services.AddSingleton(new RpcStreams(serverStream, serverStream));
        builder.Services.AddHostedService<RpcHostedService>();
        var host = builder.Build();
        await host.StartAsync();
        return new RawWireSidecar(host, clientStream);
    }

    /// <summary>Sends <paramref name="body"/> with a correct Content-Length header.</summary>
    public Task SendAsync(string body) => SendRawAsync(Frame(body));

    public static byte[] Frame(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return [.. Encoding.ASCII.GetBytes($"Content-Length: {bytes.Length.ToString(CultureInfo.InvariantCulture)}\r\n\r\n"), .. bytes];
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _client.WriteAsync(bytes);
        await _client.FlushAsync();
    }

    /// <summary>Sends a request and returns its answer (the whole message: result or error).</summary>
    public async Task<JsonElement> RequestAsync(int id, string method, string? paramsJson = null, TimeSpan? timeout = null)
    {
        var p = paramsJson is null ? "" : $",\"params\":{paramsJson}";
        await SendAsync($"{{\"jsonrpc\":\"2.0\",\"id\":{id.ToString(CultureInfo.InvariantCulture)},\"method\":\"{method}\"{p}}}");
        return await ReadAnswerAsync(id, timeout);
    }

    /// <summary>
    /// Reads messages until the answer with <paramref name="id"/> (a number, or null for a parse error) arrives; answers to other
    /// ids that arrive first are kept for their own call.
    /// </summary>
    public async Task<JsonElement> ReadAnswerAsync(int? id, TimeSpan? timeout = null)
    {
        string key = id?.ToString(CultureInfo.InvariantCulture) ?? "null";
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_answers.Remove(key, out var kept))
                return kept;
            var message = await ReadMessageAsync(cts.Token)
                ?? throw new EndOfStreamException($"The sidecar closed the connection before answering {key}.");
            if (message.TryGetProperty("id", out var got)) // else a notification
                _answers[got.ValueKind == JsonValueKind.Null ? "null" : got.GetRawText()] = message;
        }
    }

    private readonly Dictionary<string, JsonElement> _answers = [];

    /// <summary>One framed message, or null once the sidecar has closed its end.</summary>
    public async Task<JsonElement?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int headerEnd = IndexOf(_pending, "\r\n\r\n"u8);
            if (headerEnd >= 0)
            {
                var header = Encoding.ASCII.GetString(_pending, 0, headerEnd);
                int length = int.Parse(header.Split(':', 2)[1].Trim(), CultureInfo.InvariantCulture);
                int start = headerEnd + 4;
                if (_pending.Length - start >= length)
                {
                    var body = _pending.AsSpan(start, length).ToArray();
                    _pending = _pending[(start + length)..];
                    using var doc = JsonDocument.Parse(body);
                    return doc.RootElement.Clone();
                }
            }
            var buffer = new byte[4096];
            int n = await _client.ReadAsync(buffer, cancellationToken);
            if (n == 0)
                return null;
            _pending = [.. _pending, .. buffer.AsSpan(0, n)];
        }
    }

    /// <summary>Reads until the sidecar closes its end; true if it did within the timeout.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await ReadMessageAsync(cts.Token) is not null)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _host.StopAsync();
        _host.Dispose();
    }
}
