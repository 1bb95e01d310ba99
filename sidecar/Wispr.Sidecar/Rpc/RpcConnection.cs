using System.Text.Json;
using StreamJsonRpc;

namespace Wispr.Sidecar.Rpc;

/// <summary>The one place the wire format is decided, shared by the server, the CLI's client and the tests.</summary>
public static class RpcConnection
{
    /// <summary>
    /// Content-Length framing (what vscode-jsonrpc speaks) and System.Text.Json with web defaults: without them camelCase
    /// params bind silently to empty records.
    /// </summary>
    public static JsonRpc Create(Stream sending, Stream receiving)
    {
        var formatter = new SystemTextJsonFormatter
        {
            JsonSerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web),
        };
        return new JsonRpc(new HeaderDelimitedMessageHandler(sending, receiving, formatter))
        {
            CancelLocallyInvokedMethodsWhenConnectionIsClosed = true,
        };
    }

    public static JsonRpcTargetOptions TargetOptions { get; } = new()
    {
        MethodNameTransform = CommonMethodNameTransforms.CamelCase,
        UseSingleObjectParameterDeserialization = true,
    };
}
