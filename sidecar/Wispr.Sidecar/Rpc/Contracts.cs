using System.Text.Json.Serialization;

namespace Wispr.Sidecar.Rpc;

// Wire shapes of docs/protocol.md. Property names go camelCase through JsonSerializerDefaults.Web.
// The null rule (docs/protocol.md, "Conventions"): a property typed `T | null` is always sent, null meaning none; a property
// marked optional (`?`) is omitted when it has no value and is never sent as null. Optional ones carry WhenWritingNull below;
// tests/fixtures/protocol-golden holds one example of every result and notification, checked against protocol.ts.

public sealed record InitializeParams(string? ClientName = null, string? ClientVersion = null, string? ModelPath = null, string? ParakeetModelPath = null);

public sealed record BackendInfo(string Id, string Label, bool Available,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);

public sealed record Capabilities(IReadOnlyList<BackendInfo> Backends, IReadOnlyList<string> AudioSources, bool TranscribeFile);

public sealed record InitializeResult(string SidecarVersion, int ProtocolVersion, string Runtime, int Pid, Capabilities Capabilities, StatusResult Status);

public sealed record ModelStatus(string Path, bool Loaded, long? SizeBytes);

/// <param name="Backend">The selected backend (used by the next transcription).</param>
/// <param name="ResidentBackend">The backend whose model is loaded now, or null.</param>
/// <param name="Switching">True while backend/select unloads the old backend or loads the new one.</param>
public sealed record StatusResult(string State, string? DictationId, string Backend, ModelStatus? Model,
    long WorkingSetBytes, long PeakWorkingSetBytes, long ManagedHeapBytes, string? ResidentBackend, bool Switching);

public sealed record StartResult(string DictationId, string State);

public sealed record DictationRef(string? DictationId = null);

/// <summary><c>dictation/stop</c>: <see cref="Context"/>, when given, replaces the context sent with the start (collected while the user spoke).</summary>
public sealed record StopDictationParams(string? DictationId = null, Cleanup.DictationContext? Context = null);

public sealed record CancelResult(bool Cancelled);

/// <summary><c>dictation/delivered</c>: <see cref="Deleted"/> is false when no recording was held for that dictation.</summary>
public sealed record DeliveredResult(bool Deleted);

public sealed record TranscribeFileParams(string? Path = null, string? Language = null, string? Prompt = null, Cleanup.DictationContext? Context = null);

/// <summary><c>cleanup/apply</c>: clean a text as if it had been dictated (the bench and "re-clean" use it).</summary>
public sealed record CleanupApplyParams(string? Text = null, Cleanup.DictationContext? Context = null);

public sealed record CleanupApplyResult(string Text, string RawText, Cleanup.CleanupInfo Cleanup, long CleanupMs);

public sealed record SelectBackendParams(string? Backend = null, string? ModelPath = null);

/// <summary><c>remote/configure</c>: the remote backend's server. The key is memory-only and never echoed.</summary>
public sealed record RemoteConfigureParams(string? BaseUrl = null, string? Model = null, string? ApiKey = null, int? TimeoutMs = null, int? ConnectTimeoutMs = null)
{
    public override string ToString() =>
        $"RemoteConfigureParams {{ BaseUrl = {(BaseUrl is null ? null : Cleanup.CleanupPipeline.MaskUrl(BaseUrl))}, Model = {Model}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(none)" : "(set)")}, TimeoutMs = {TimeoutMs}, ConnectTimeoutMs = {ConnectTimeoutMs} }}";
}

/// <param name="BaseUrl">Masked like cleanup's (user info and query values hidden); null when no server is set.</param>
/// <param name="Host">host[:port] of the server, or null.</param>
public sealed record RemoteConfigureResult(string? BaseUrl, string? Host, string Model, bool HasApiKey, int TimeoutMs, int ConnectTimeoutMs)
{
    /// <summary>What the sidecar now uses (the key only as whether one is set).</summary>
    public static RemoteConfigureResult From(Recognition.Remote.RemoteSettings? s) =>
        new(s is null ? null : Cleanup.CleanupPipeline.MaskUrl(s.BaseAddress.ToString()), s?.Host,
            s?.Model ?? Recognition.Remote.RemoteSettings.DefaultModel, s?.ApiKey is not null,
            (int)(s?.Timeout.TotalMilliseconds ?? Recognition.Remote.RemoteSettings.DefaultTimeoutMs),
            (int)(s?.ConnectTimeout.TotalMilliseconds ?? Recognition.Remote.RemoteSettings.DefaultConnectTimeoutMs));
}

public sealed record PrepareResult(string ModelPath, bool Downloaded, long LoadMs);

public sealed record EmptyParams;

public sealed record EmptyResult;

// Notifications.
// Notifications: each names its method (ISidecarNotification), so SidecarEvents.Raise is all a service needs.
public sealed record StateChangedNotification(string? DictationId, string State, string PreviousState,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason) : ISidecarNotification
{
    public static string Method => SidecarRpcTarget.Methods.DictationStateChanged;
}

/// <summary>The audio source stopped on its own (file ended, device failed, limit, hands-free silence) while the dictation was still listening.</summary>
public sealed record SourceEndedNotification(string DictationId, long CapturedMs, string? Error, string Reason, int? ErrorCode) : ISidecarNotification
{
    public static string Method => SidecarRpcTarget.Methods.DictationSourceEnded;
}

/// <summary>Input level of the running dictation (at most 20 a second).</summary>
public sealed record AudioLevelNotification(string DictationId, float Rms, float Peak, long SilentMs) : ISidecarNotification
{
    public static string Method => SidecarRpcTarget.Methods.AudioLevel;
}

/// <summary>The recording will be cut at its maximum length in <see cref="RemainingMs"/>.</summary>
public sealed record LimitApproachingNotification(string DictationId, long CapturedMs, long MaxMs, long RemainingMs) : ISidecarNotification
{
    public static string Method => SidecarRpcTarget.Methods.DictationLimitApproaching;
}

/// <summary>
/// One finished segment of a segmented dictation, recognised while the user still speaks: raw (uncleaned), provisional text;
/// <see cref="StartMs"/>–<see cref="EndMs"/> is its range of the recording. Raised once per segment, in order.
/// </summary>
public sealed record SegmentNotification(string DictationId, int Index, long StartMs, long EndMs, string Text, long AsrMs) : ISidecarNotification
{
    public static string Method => SidecarRpcTarget.Methods.DictationSegment;
}

public sealed record ListDevicesResult(IReadOnlyList<Audio.AudioDevice> Devices, string Recorder);

/// <summary>The running dictation's audio cannot be kept on disk (full disk, read-only folder): it lives in memory only, and a crash would lose it.</summary>
public sealed record RecordingUnsavedNotification(string DictationId, string Error) : ISidecarNotification
{
    public static string Method => SidecarRpcTarget.Methods.DictationRecordingUnsaved;
}

public sealed record RecordingsListResult(string Folder, IReadOnlyList<Audio.RecordingInfo> Recordings);

public sealed record RecordingRef(string? Id = null);

public sealed record RecordingDeleteResult(bool Deleted);

public sealed record ModelProgressNotification(string Stage, string File,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ReceivedBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TotalBytes) : ISidecarNotification
{
    public static string Method => SidecarRpcTarget.Methods.ModelProgress;
}

public sealed record ModelDownloadProgressNotification(string Id, string File, long ReceivedBytes, long TotalBytes, long BytesPerSecond)
    : ISidecarNotification
{
    public static string Method => SidecarRpcTarget.Methods.ModelsDownloadProgress;
}

/// <summary><c>models/list</c>: <see cref="Language"/> (a code, or "auto") steers the recommendation.</summary>
public sealed record ModelsListParams(string? Language = null);

/// <summary><c>models/download</c>, <c>models/delete</c>: a catalog id.</summary>
public sealed record ModelRef(string? Id = null);

public sealed record ModelDownloadResult(string Id, string Path, bool Downloaded);

public sealed record ModelDeleteResult(string Id, long FreedBytes);

/// <summary><c>models/useFile</c>: a Whisper ggml file or a Parakeet folder the user already has; <see cref="Select"/> (default true) makes it its backend's model.</summary>
public sealed record UseFileParams(string? Path = null, bool? Select = null);

public sealed record UseFileResult(string Backend, string Path, StatusResult Status);
