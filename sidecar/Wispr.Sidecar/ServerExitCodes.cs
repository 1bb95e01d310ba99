namespace Wispr.Sidecar;

/// <summary>Documented exit codes, so the extension can tell a crash from an orderly end.</summary>
public static class ServerExitCodes
{
    public const int Ok = 0;
    public const int ClientProcessExited = 1;
    public const int BadArguments = 2;
    public const int Failed = 3;
    /// <summary>The input is not Content-Length-framed JSON-RPC any more (a broken header, an oversized message, the stream
    /// ending inside one); the reason is logged. Malformed messages inside intact framing are answered and do not end the sidecar.</summary>
    public const int ProtocolError = 4;
}
