using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Wispr.Sidecar.Rpc;

/// <summary>The one place the wire format is decided, shared by the server, the CLI's client and the tests.</summary>
public static class RpcConnection
{
    /// <summary>
    /// Content-Length framing (what vscode-jsonrpc speaks) and System.Text.Json with web defaults: without them camelCase
    /// params bind silently to empty records.
    /// </summary>
    public static JsonRpc Create(Stream sending, Stream receiving) =>
        new(new HeaderDelimitedMessageHandler(sending, receiving, CreateFormatter()))
        {
            CancelLocallyInvokedMethodsWhenConnectionIsClosed = true,
        };

    /// <summary>
    /// The sidecar's end: the same wire, but malformed messages are answered (-32700/-32600) instead of closing the connection,
    /// the message size is bounded, and every failure reaches the client as a documented code with a one-line message.
    /// </summary>
    /// <param name="shutdownAnswered">Called once the answer to <c>shutdown</c> has been written to <paramref name="sending"/> (for
    /// a <c>shutdown</c> notification: once it ran), so the process stops only after the client can read that answer.</param>
    public static JsonRpc CreateServer(Stream sending, Stream receiving, ILogger logger, Action? shutdownAnswered = null,
        int maxMessageBytes = TolerantMessageHandler.DefaultMaxMessageBytes) =>
        new ServerJsonRpc(new TolerantMessageHandler(sending, receiving, CreateFormatter(), logger, acceptsResponses: false, maxMessageBytes),
            logger, shutdownAnswered)
        {
            CancelLocallyInvokedMethodsWhenConnectionIsClosed = true,
        };

    public static JsonRpcTargetOptions TargetOptions { get; } = new()
    {
        MethodNameTransform = CommonMethodNameTransforms.CamelCase,
        UseSingleObjectParameterDeserialization = true,
    };

    /// <summary>How params, results and notifications are (de)serialized; the golden protocol test writes its examples with it.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.Web);

    private static SystemTextJsonFormatter CreateFormatter() => new()
    {
        JsonSerializerOptions = SerializerOptions, // the formatter copies it
    };

    /// <summary>
    /// Turns every exception a method throws into a documented code and one line of text: StreamJsonRpc's default sends -32000 with
    /// the exception's type, stack trace and inner exceptions in <c>error.data</c>. Stack traces go to the log only.
    /// </summary>
    private sealed class ServerJsonRpc(IJsonRpcMessageHandler handler, ILogger logger, Action? shutdownAnswered) : JsonRpc(handler)
    {
        /// <summary>Ids of <c>shutdown</c> requests whose answer is not written yet.</summary>
        private readonly ConcurrentDictionary<RequestId, byte> _pendingShutdowns = new();

        protected override async ValueTask<JsonRpcMessage> DispatchRequestAsync(JsonRpcRequest request, TargetMethod targetMethod,
            CancellationToken cancellationToken)
        {
            var isShutdown = request.Method == SidecarRpcTarget.Methods.Shutdown;
            if (isShutdown && !request.IsNotification)
                _pendingShutdowns[request.RequestId] = 0;
            var result = await base.DispatchRequestAsync(request, targetMethod, cancellationToken).ConfigureAwait(false);
            if (isShutdown && request.IsNotification && result is not JsonRpcError)
                shutdownAnswered?.Invoke(); // nothing to answer: stop now
            return result;
        }

        protected override async ValueTask SendAsync(JsonRpcMessage message, CancellationToken cancellationToken)
        {
            var answersShutdown = message is IJsonRpcMessageWithId { RequestId: var id } && _pendingShutdowns.TryRemove(id, out _);
            try
            {
                // The handler writes through to the stream (TolerantMessageHandler), so when this returns the answer is out.
                await base.SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // A refused shutdown (an error answer) stops nothing; an answer that could not be written (the client is gone) still stops.
                if (answersShutdown && message is not JsonRpcError)
                    shutdownAnswered?.Invoke();
            }
        }

        protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
        {
            switch (exception)
            {
                case LocalRpcException local:
                    return Detail((JsonRpcErrorCode)local.ErrorCode, local.Message);
                case WisprException wispr:
                    return Detail((JsonRpcErrorCode)wispr.Code, wispr.Message);
                case RpcArgumentDeserializationException or JsonException:
                    var json = exception as JsonException ?? exception.InnerException as JsonException;
                    var where = json?.Path is { Length: > 1 } path ? $" at {path}" : "";
                    logger.LogWarning("{Method}: params do not match ({Message})", request.Method, exception.Message);
                    return Detail(JsonRpcErrorCode.InvalidParams, $"Invalid params for {request.Method}: the value{where} has the wrong type or shape.");
                default:
                    logger.LogError(exception, "{Method} failed unexpectedly", request.Method);
                    return Detail(JsonRpcErrorCode.InternalError,
                        $"{request.Method} failed: {exception.Message} (details in the sidecar log)");
            }
        }

        private static JsonRpcError.ErrorDetail Detail(JsonRpcErrorCode code, string message) =>
            new() { Code = code, Message = message.ReplaceLineEndings(" ") };
    }
}
