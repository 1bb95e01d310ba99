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
    // The model store (2010-2019).
    /// <summary>A downloaded file's SHA-1 (or its size) is not the published one; the file was discarded.</summary>
    public const int ModelChecksumMismatch = 2010;
    /// <summary>Not enough free disk space for a download (checked before it starts), or the disk filled up during it.</summary>
    public const int InsufficientDiskSpace = 2011;
    /// <summary>The model server answered 404 for a file: a wrong mirror, or the file moved.</summary>
    public const int ModelSourceNotFound = 2012;
    /// <summary>The model server could not be reached at all (offline, DNS, refused, proxy, connect timeout).</summary>
    public const int ModelSourceUnreachable = 2013;
    /// <summary>The id names no model of the catalog.</summary>
    public const int UnknownModel = 2014;
    /// <summary>models/delete of the resident model, or of a model a download or load is using.</summary>
    public const int ModelInUse = 2015;
    public const int InvalidState = 3001;
    public const int Busy = 3002;
    public const int Cancelled = 3003;
    public const int CleanupConfigInvalid = 4001;
    /// <summary>The transcription server could not be reached, or the connection broke before a whole answer came.</summary>
    public const int RemoteUnreachable = 5001;
    /// <summary>The transcription server refused the key (HTTP 401/403).</summary>
    public const int RemoteUnauthorized = 5002;
    /// <summary>The transcription server kept answering 429 (or asked for a wait longer than the time budget).</summary>
    public const int RemoteRateLimited = 5003;
    /// <summary>The transcription server answered with an error status (5xx, or a 4xx other than 401/403/429).</summary>
    public const int RemoteServerError = 5004;
    /// <summary>The transcription server answered 200 with a body that is not an OpenAI transcription (malformed JSON, no text).</summary>
    public const int RemoteBadResponse = 5005;
    /// <summary>The transcription server did not answer within the time budget (a stall before or after its headers).</summary>
    public const int RemoteTimeout = 5006;
    /// <summary>The remote backend has no usable server address (unset, not an absolute http(s) URL) or its settings are out of range.</summary>
    public const int RemoteNotConfigured = 5007;
}

/// <summary>An expected failure with a user-facing message and a <see cref="WisprErrorCodes"/> code.</summary>
public class WisprException(int code, string message, Exception? inner = null) : Exception(message, inner)
{
    public int Code { get; } = code;
}
