using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Wispr.Sidecar.Rpc;

/// <summary>
/// Content-Length framing like <see cref="HeaderDelimitedMessageHandler"/> (whose writer it keeps), with a reader that survives
/// bad messages: StreamJsonRpc closes the connection on any message it cannot parse, so this reader answers -32700 (not JSON)
/// or -32600 (JSON, but not a JSON-RPC 2.0 message) itself and reads on. Only framing it cannot resync from (a broken header,
/// no or an oversized Content-Length, the stream ending inside a message) ends the connection, with a
/// <see cref="JsonRpcFramingException"/> that says why. The size limit is checked before the body is read, so a huge
/// Content-Length costs no memory.
/// </summary>
public sealed class TolerantMessageHandler : HeaderDelimitedMessageHandler
{
    /// <summary>Far above anything the extension sends (a dictionary of thousands of entries is a few hundred KB).</summary>
    public const int DefaultMaxMessageBytes = 4 * 1024 * 1024;

    private const int MaxHeaderBytes = 8 * 1024;

    private readonly ILogger _logger;
    private readonly bool _acceptsResponses;

    /// <param name="acceptsResponses">False on the sidecar, which never sends requests: a stray response is then dropped with a
    /// warning instead of closing the connection (StreamJsonRpc treats a response to no request as a protocol violation).</param>
    public TolerantMessageHandler(Stream sending, Stream receiving, IJsonRpcMessageFormatter formatter, ILogger? logger = null,
        bool acceptsResponses = true, int maxMessageBytes = DefaultMaxMessageBytes)
        : base(PipeWriter.Create(sending), PipeReader.Create(receiving), formatter)
    {
        // Written through: the base class's stream constructor copies a pipe to the stream in the background, so a sent message
        // could still be in memory when the process exits (the answer to `shutdown` was lost that way on busy machines). Here a
        // send completes only once its bytes are written to the stream. Completing the writer closes the stream.
        // As the stream constructor does: disposing the handler disposes the input, which unblocks a read that ignores its token.
        DisposalToken.Register(static state => ((Stream)state!).Dispose(), receiving);
        _logger = logger ?? NullLogger.Instance;
        _acceptsResponses = acceptsResponses;
        MaxMessageBytes = maxMessageBytes;
    }

    public int MaxMessageBytes { get; }

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var length = await ReadHeadersAsync(cancellationToken).ConfigureAwait(false);
            if (length is null)
                return null; // the stream ended between messages: an orderly close
            var body = await ReadBodyAsync(length.Value, cancellationToken).ConfigureAwait(false);
            var (message, error) = Classify(body);
            if (message is not null)
                return message;
            if (error is not null)
                await WriteAsync(error, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every error leaves with one line of text and no <c>data</c>: whichever path made it (a method's exception, StreamJsonRpc's own
    /// argument matching), exception types and stack traces stay in the log.
    /// </summary>
    protected override void Write(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        if (content is JsonRpcError { Error: { } detail })
        {
            detail.Data = null;
            detail.Message = detail.Message?.ReplaceLineEndings(" ");
        }
        base.Write(content, cancellationToken);
    }

    /// <summary>Reads one header block; returns its Content-Length, or null at a clean end of stream.</summary>
    private async ValueTask<int?> ReadHeadersAsync(CancellationToken cancellationToken)
    {
        var reader = Reader!;
        int? contentLength = null;
        long headerBytes = 0;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            if (buffer.Length == 0 && read.IsCompleted)
            {
                if (headerBytes == 0)
                    return null;
                throw new JsonRpcFramingException("The input ended inside a message header.");
            }
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (headerBytes + buffer.Length > MaxHeaderBytes)
                    throw new JsonRpcFramingException($"A message header line is longer than {MaxHeaderBytes} bytes: not Content-Length framing.");
                if (read.IsCompleted)
                    throw new JsonRpcFramingException("The input ended inside a message header.");
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            var lineWithCr = buffer.Slice(0, lf.Value);
            headerBytes += lineWithCr.Length + 1;
            var line = Encoding.ASCII.GetString(lineWithCr.ToArray());
            reader.AdvanceTo(buffer.GetPosition(1, lf.Value));
            if (headerBytes > MaxHeaderBytes)
                throw new JsonRpcFramingException($"The message header is longer than {MaxHeaderBytes} bytes.");
            if (!line.EndsWith('\r'))
                throw new JsonRpcFramingException($"A header line does not end with CR LF: \"{Shorten(line)}\" (Content-Length framing expected).");
            line = line[..^1];
            if (line.Length == 0)
            {
                if (contentLength is null)
                    throw new JsonRpcFramingException("A message header has no Content-Length.");
                return contentLength;
            }
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                throw new JsonRpcFramingException($"A header line has no name: \"{Shorten(line)}\".");
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                    throw new JsonRpcFramingException($"Content-Length \"{Shorten(value)}\" is not a byte count.");
                if (n > MaxMessageBytes)
                    throw new JsonRpcFramingException(
                        $"Content-Length {n.ToString(CultureInfo.InvariantCulture)} exceeds the message size limit of {MaxMessageBytes.ToString(CultureInfo.InvariantCulture)} bytes.");
                contentLength = (int)n;
            }
            // Content-Type is informational: vscode-jsonrpc and StreamJsonRpc both send UTF-8, and a body that is not is answered -32700.
        }
    }

    private async ValueTask<byte[]> ReadBodyAsync(int length, CancellationToken cancellationToken)
    {
        var reader = Reader!;
        var body = new byte[length];
        int filled = 0;
        while (filled < length)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var take = buffer.Slice(0, Math.Min(buffer.Length, length - filled));
            take.CopyTo(body.AsSpan(filled));
            filled += (int)take.Length;
            reader.AdvanceTo(take.End);
            if (filled < length && read.IsCompleted)
                throw new JsonRpcFramingException(
                    $"The input ended inside a message: {filled.ToString(CultureInfo.InvariantCulture)} of {length.ToString(CultureInfo.InvariantCulture)} bytes arrived.");
        }
        // The body is copied out of the pipe, so the parsed message may keep referring to it after the pipe moves on.
        return body;
    }

    /// <summary>A message to hand to JsonRpc, or an error to answer with (or neither: a stray response, dropped).</summary>
    private (JsonRpcMessage? Message, JsonRpcError? Error) Classify(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return Reject(RequestId.Null, JsonRpcErrorCode.ParseError, $"Parse error: the message is not valid JSON ({OneLine(ex.Message)}).");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
                return Reject(RequestId.Null, JsonRpcErrorCode.InvalidRequest, "Invalid request: batches (JSON arrays) are not supported; send one message at a time.");
            if (root.ValueKind != JsonValueKind.Object)
                return Reject(RequestId.Null, JsonRpcErrorCode.InvalidRequest, $"Invalid request: a message must be a JSON object, not {Kind(root.ValueKind)}.");
            var id = RequestId.Null;
            if (root.TryGetProperty("id", out var idElement))
            {
                if (idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt64(out long number))
                    id = new RequestId(number);
                else if (idElement.ValueKind == JsonValueKind.String)
                    id = new RequestId(idElement.GetString());
                else if (idElement.ValueKind != JsonValueKind.Null)
                    return Reject(RequestId.Null, JsonRpcErrorCode.InvalidRequest, "Invalid request: \"id\" must be a string, an integer or null.");
            }
            if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
                return Reject(id, JsonRpcErrorCode.InvalidRequest, "Invalid request: \"jsonrpc\" must be \"2.0\".");
            bool isRequest = root.TryGetProperty("method", out var method);
            if (isRequest)
            {
                if (method.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(method.GetString()))
                    return Reject(id, JsonRpcErrorCode.InvalidRequest, "Invalid request: \"method\" must be a non-empty string.");
                if (root.TryGetProperty("params", out var p) && p.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
                    return Reject(id, JsonRpcErrorCode.InvalidRequest, $"Invalid request: \"params\" must be an object or an array, not {Kind(p.ValueKind)}.");
            }
            else if (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _))
            {
                if (!_acceptsResponses)
                {
                    _logger.LogWarning("Ignored a JSON-RPC response (id {Id}): this side sends no requests", id);
                    return (null, null);
                }
            }
            else
            {
                return Reject(id, JsonRpcErrorCode.InvalidRequest, "Invalid request: the object has no \"method\" (nor \"result\" or \"error\").");
            }
        }
        try
        {
            return (Formatter.Deserialize(new ReadOnlySequence<byte>(body)), null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            _logger.LogDebug(ex, "StreamJsonRpc's formatter refused a message");
            return Reject(RequestId.Null, JsonRpcErrorCode.InvalidRequest, $"Invalid request: {OneLine(ex.Message)}");
        }
    }

    private (JsonRpcMessage?, JsonRpcError?) Reject(RequestId id, JsonRpcErrorCode code, string message)
    {
        _logger.LogWarning("Answered a malformed JSON-RPC message with {Code}: {Message}", (int)code, message);
        var error = (Formatter as IJsonRpcMessageFactory)?.CreateErrorMessage() ?? new JsonRpcError();
        error.RequestId = id;
        error.Error = new JsonRpcError.ErrorDetail { Code = code, Message = message };
        return (null, error);
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static string Shorten(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 60), "…");
}

/// <summary>The byte stream is not Content-Length-framed JSON-RPC any more and cannot be resynchronised: the connection ends.</summary>
public sealed class JsonRpcFramingException(string message) : IOException(message);
