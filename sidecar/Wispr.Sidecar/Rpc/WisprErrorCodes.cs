namespace Wispr.Sidecar.Rpc;

/// <summary>Application error codes carried in JSON-RPC errors; clients branch on these, not on messages. Keep docs/protocol.md in step.</summary>
public static class WisprErrorCodes
{
    public const int InvalidRequest = -32600;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ParseError = -32700;
    public const int AudioFileNotFound = 1001;
    public const int AudioFormatUnsupported = 1002;
    public const int NoSpeech = 1003;
    public const int AudioSourceFailed = 1004;
    public const int MicrophoneUnavailable = 1005;
    public const int RecorderMissing = 1006;
    public const int PermissionDenied = 1007;
    public const int VadUnavailable = 1008;
    public const int AudioTooLong = 1009;
    public const int ModelNotFound = 2001;
    public const int ModelInvalid = 2002;
    public const int ModelDownloadFailed = 2003;
    public const int BackendLoadFailed = 2004;
    public const int BackendUnavailable = 2005;
    public const int TranscriptionFailed = 2006;
    /// <summary>The model produced no words (nothing, or punctuation only) from audio the VAD says holds speech.</summary>
    public const int NoWordsRecognized = 2007;
    public const int InvalidState = 3001;
    public const int Busy = 3002;
    public const int Cancelled = 3003;
    public const int CleanupConfigInvalid = 4001;
}

/// <summary>An expected failure with a user-facing message and a <see cref="WisprErrorCodes"/> code.</summary>
public class WisprException(int code, string message, Exception? inner = null) : Exception(message, inner)
{
    public int Code { get; } = code;
}
