// The wire contract with the sidecar, one namespace per message, exactly as docs/protocol.md.
// No `vscode` import: the integration test and unit tests load this under plain node.
import { NotificationType, RequestType } from 'vscode-jsonrpc';

export enum MessageDirection {
    clientToServer = 'clientToServer',
    serverToClient = 'serverToClient',
}

/** Error codes carried in JSON-RPC errors; branch on these, never on messages. */
export const ErrorCodes = {
    ParseError: -32700,
    InvalidRequest: -32600,
    InvalidParams: -32602,
    InternalError: -32603,
    RequestCanceled: -32800,
    AudioFileNotFound: 1001,
    AudioFormatUnsupported: 1002,
    NoSpeech: 1003,
    AudioSourceFailed: 1004,
    MicrophoneUnavailable: 1005,
    RecorderMissing: 1006,
    PermissionDenied: 1007,
    VadUnavailable: 1008,
    AudioTooLong: 1009,
    ModelNotFound: 2001,
    ModelInvalid: 2002,
    ModelDownloadFailed: 2003,
    BackendLoadFailed: 2004,
    BackendUnavailable: 2005,
    TranscriptionFailed: 2006,
    NoWordsRecognized: 2007,
    ModelChecksumMismatch: 2010,
    InsufficientDiskSpace: 2011,
    ModelSourceNotFound: 2012,
    ModelSourceUnreachable: 2013,
    UnknownModel: 2014,
    ModelInUse: 2015,
    InvalidState: 3001,
    Busy: 3002,
    Cancelled: 3003,
    CleanupConfigInvalid: 4001,
    RemoteUnreachable: 5001,
    RemoteUnauthorized: 5002,
    RemoteRateLimited: 5003,
    RemoteServerError: 5004,
    RemoteBadResponse: 5005,
    RemoteTimeout: 5006,
    RemoteNotConfigured: 5007,
} as const;
export type ErrorCodeName = keyof typeof ErrorCodes;

export type DictationState = 'idle' | 'listening' | 'transcribing';
export type BackendId = 'whisper' | 'parakeet' | 'remote';

export interface BackendInfo {
    id: BackendId | string;
    label: string;
    available: boolean;
    reason?: string;
}

export interface ModelStatus {
    path: string;
    loaded: boolean;
    sizeBytes: number | null;
}

export interface Status {
    state: DictationState;
    dictationId: string | null;
    backend: string;
    model: ModelStatus | null;
    workingSetBytes: number;
    peakWorkingSetBytes: number;
    managedHeapBytes: number;
    /** The backend whose model is loaded now (null: none). `backend` is the selected one, loaded on first use. */
    residentBackend: string | null;
    /** True while `backend/select` unloads the old backend or loads the new one. */
    switching: boolean;
}

export interface WavFileSourceSpec {
    kind: 'wavFile';
    path: string;
    /** Default true: the file is played at its own pace, like a microphone. */
    realtime?: boolean;
}
export interface MicrophoneSourceSpec {
    kind: 'microphone';
    /** An id from `audio/listDevices`; absent or empty: the system default. */
    device?: string;
}
/** The sidecar captures from the default microphone when `source` is omitted. */
export type AudioSourceSpec = MicrophoneSourceSpec | WavFileSourceSpec;

/** Hands-free: the sidecar ends the dictation after `silenceMs` of silence following speech and trims silence before ASR. */
export interface VadOptions {
    enabled: boolean;
    silenceMs?: number;
}

export interface AudioDevice {
    id: string;
    name: string;
    isDefault: boolean;
}

export type SourceEndReason = 'end' | 'error' | 'limit' | 'silence';

export interface TranscriptSegment {
    startMs: number;
    endMs: number;
    text: string;
}

export interface TranscriptTimings {
    stopToTextMs: number;
    asrMs: number;
    loadMs: number;
    /** Rules and LLM cleanup, inside stopToTextMs. */
    cleanupMs: number;
}

export type CleanupMode = 'off' | 'rules' | 'llm';
export type PromptMode = 'prose' | 'comment' | 'commit';
export type CleanupPath = 'raw' | 'rules' | 'llm';
export type LlmProvider = 'openai' | 'gemini';

export interface DictionaryEntry {
    /** The exact spelling to produce. */
    written: string;
    /** How it is said, when that differs from the word ("package dot json"). */
    spoken?: string;
}

export interface DictationContext {
    mode?: PromptMode;
    /** VS Code language id of the target file. */
    languageId?: string;
    vocabulary?: {
        identifiers?: string[];
        dictionary?: DictionaryEntry[];
    };
}

export interface CleanupInfo {
    requested: CleanupMode;
    path: CleanupPath;
    provider: string | null;
    /** Why the LLM's text was not used, for the user; null when it was (or none was asked for). */
    fallbackReason: string | null;
    rulesMs: number;
    llmMs: number | null;
}

export interface TranscriptResult {
    dictationId: string | null;
    /** The cleaned text to insert. */
    text: string;
    /** What the recogniser heard. */
    rawText: string;
    cleanup: CleanupInfo;
    segments: TranscriptSegment[];
    audioDurationMs: number;
    backend: string;
    modelPath: string;
    timings: TranscriptTimings;
}

export type EmptyParams = Record<string, never>;

export namespace InitializeRequest {
    export const method = 'initialize' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        clientName?: string;
        clientVersion?: string;
        /** The wispr.whisper.modelPath setting. */
        modelPath?: string | null;
        /** The wispr.parakeet.modelPath setting (a folder). */
        parakeetModelPath?: string | null;
    }
    export interface Result {
        sidecarVersion: string;
        protocolVersion: 1;
        runtime: string;
        pid: number;
        capabilities: {
            backends: BackendInfo[];
            audioSources: string[];
            transcribeFile: true;
        };
        status: Status;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace StatusRequest {
    export const method = 'status' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export type Params = EmptyParams;
    export type Result = Status;
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace DictationStartRequest {
    export const method = 'dictation/start' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        source?: AudioSourceSpec;
        language?: string;
        prompt?: string;
        vad?: VadOptions;
        /** Lowers the recording bound for this dictation (never above the sidecar's own). */
        maxDurationMs?: number;
        context?: DictationContext;
        /** Recognise while the user speaks, segment by segment (`dictation/segment`); default true. False: the whole recording at stop. */
        segmented?: boolean;
        /** Keep the recording after the stop's answer until `dictation/delivered` says the client has the text; default false. */
        confirmDelivery?: boolean;
    }
    export interface Result {
        dictationId: string;
        state: 'listening';
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace DictationStopRequest {
    export const method = 'dictation/stop' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        dictationId?: string;
        /** Replaces the start's context: collected while the user spoke, so that capture did not wait for it. */
        context?: DictationContext;
    }
    export type Result = TranscriptResult;
    export const type = new RequestType<Params, Result, void>(method);
}

/** The client has the text of a stopped dictation (inserted, or in its history): its recording can go. */
export namespace DictationDeliveredRequest {
    export const method = 'dictation/delivered' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        dictationId: string;
    }
    export interface Result {
        /** False: no recording was held for that dictation (not started with `confirmDelivery`, already confirmed, unknown). */
        deleted: boolean;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace DictationCancelRequest {
    export const method = 'dictation/cancel' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        dictationId?: string;
    }
    export interface Result {
        cancelled: boolean;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace TranscribeFileRequest {
    export const method = 'transcribeFile' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        path: string;
        language?: string;
        prompt?: string;
        context?: DictationContext;
    }
    export type Result = TranscriptResult;
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace BackendSelectRequest {
    export const method = 'backend/select' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        backend: string;
        modelPath?: string | null;
    }
    export type Result = Status;
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace ModelPrepareRequest {
    export const method = 'model/prepare' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export type Params = EmptyParams;
    export interface Result {
        modelPath: string;
        downloaded: boolean;
        loadMs: number;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace AudioListDevicesRequest {
    export const method = 'audio/listDevices' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export type Params = EmptyParams;
    export interface Result {
        devices: AudioDevice[];
        /** The capture tool, e.g. "parec (PulseAudio/PipeWire)". */
        recorder: string;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace ModelUnloadRequest {
    export const method = 'model/unload' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export type Params = EmptyParams;
    export type Result = Status;
    export const type = new RequestType<Params, Result, void>(method);
}

/** A recording kept on disk whose words were not delivered (the sidecar stopped mid-dictation, or recognition failed). */
export interface RecordingInfo {
    /** The file name; what `recordings/delete` takes. */
    id: string;
    path: string;
    durationMs: number;
    sizeBytes: number;
    /** Last written, Unix milliseconds. */
    createdMs: number;
}

export namespace RecordingsListRequest {
    export const method = 'recordings/list' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export type Params = EmptyParams;
    export interface Result {
        folder: string;
        recordings: RecordingInfo[];
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace RecordingsDeleteRequest {
    export const method = 'recordings/delete' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        id: string;
    }
    export interface Result {
        deleted: boolean;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace CleanupConfigureRequest {
    export const method = 'cleanup/configure' as const;
    export const messageDirection = MessageDirection.clientToServer;
    /** Absent properties reset to their defaults; the key stays in the sidecar's memory only. */
    export interface Params {
        mode?: CleanupMode;
        provider?: LlmProvider;
        baseUrl?: string | null;
        model?: string | null;
        apiKey?: string | null;
        timeoutMs?: number;
    }
    export interface Result {
        mode: CleanupMode;
        provider: string | null;
        baseUrl: string | null;
        model: string | null;
        hasApiKey: boolean;
        timeoutMs: number;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace RemoteConfigureRequest {
    export const method = 'remote/configure' as const;
    export const messageDirection = MessageDirection.clientToServer;
    /** The remote backend's OpenAI-compatible server; absent properties reset to defaults; the key stays in the sidecar's memory only. */
    export interface Params {
        baseUrl?: string | null;
        model?: string | null;
        apiKey?: string | null;
        timeoutMs?: number;
        connectTimeoutMs?: number;
    }
    export interface Result {
        /** Masked (user info and query values hidden); null when no server is set. */
        baseUrl: string | null;
        /** host[:port]; null when no server is set. */
        host: string | null;
        model: string;
        hasApiKey: boolean;
        timeoutMs: number;
        connectTimeoutMs: number;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace CleanupApplyRequest {
    export const method = 'cleanup/apply' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        text: string;
        context?: DictationContext;
    }
    export interface Result {
        text: string;
        rawText: string;
        cleanup: CleanupInfo;
        cleanupMs: number;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace ShutdownRequest {
    export const method = 'shutdown' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export type Params = EmptyParams;
    export type Result = EmptyParams;
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace DictationStateChangedNotification {
    export const method = 'dictation/stateChanged' as const;
    export const messageDirection = MessageDirection.serverToClient;
    export interface Params {
        dictationId: string | null;
        state: DictationState;
        previousState: DictationState;
        /** "cancelled" when the dictation was cancelled; otherwise absent. */
        reason?: string;
    }
    export const type = new NotificationType<Params>(method);
}

export namespace DictationSourceEndedNotification {
    export const method = 'dictation/sourceEnded' as const;
    export const messageDirection = MessageDirection.serverToClient;
    /**
     * The audio source stopped by itself (a WAV file ended, the device failed, the length limit, hands-free silence);
     * the dictation is still listening and keeps what was captured.
     */
    export interface Params {
        dictationId: string;
        capturedMs: number;
        reason: SourceEndReason;
        /** Why the source failed (reason "error"), for the user; null otherwise. */
        error: string | null;
        /** The numeric code of that failure (e.g. 1005, MicrophoneUnavailable); null when reason is not "error". */
        errorCode: number | null;
    }
    export const type = new NotificationType<Params>(method);
}

export namespace DictationSegmentNotification {
    export const method = 'dictation/segment' as const;
    export const messageDirection = MessageDirection.serverToClient;
    /**
     * A finished segment of a segmented dictation, recognised while the user speaks: provisional, raw text (the stop's
     * cleaned text is what counts). Once per segment, in order; `startMs`–`endMs` is its range of the recording.
     */
    export interface Params {
        dictationId: string;
        index: number;
        startMs: number;
        endMs: number;
        text: string;
        /** This segment's recognition time in ms (0 when it held no speech and was not recognised). */
        asrMs: number;
    }
    export const type = new NotificationType<Params>(method);
}

export namespace DictationLimitApproachingNotification {
    export const method = 'dictation/limitApproaching' as const;
    export const messageDirection = MessageDirection.serverToClient;
    /** Sent once, 30 s before the recording bound; at the bound `dictation/sourceEnded` comes with reason "limit". */
    export interface Params {
        dictationId: string;
        capturedMs: number;
        maxMs: number;
        remainingMs: number;
    }
    export const type = new NotificationType<Params>(method);
}

export namespace DictationRecordingUnsavedNotification {
    export const method = 'dictation/recordingUnsaved' as const;
    export const messageDirection = MessageDirection.serverToClient;
    /** The running dictation cannot be kept on disk (full disk, read-only folder): a crash now would lose its words. */
    export interface Params {
        dictationId: string;
        error: string;
    }
    export const type = new NotificationType<Params>(method);
}

export namespace AudioLevelNotification {
    export const method = 'audio/level' as const;
    export const messageDirection = MessageDirection.serverToClient;
    /** Input level while listening, at most 20 a second; `silentMs`: how long the input has stayed below -60 dBFS. */
    export interface Params {
        dictationId: string;
        rms: number;
        peak: number;
        silentMs: number;
    }
    export const type = new NotificationType<Params>(method);
}

export namespace ModelProgressNotification {
    export const method = 'model/progress' as const;
    export const messageDirection = MessageDirection.serverToClient;
    export interface Params {
        stage: 'download' | 'verify' | 'load' | 'ready';
        file: string;
        receivedBytes?: number;
        totalBytes?: number;
    }
    export const type = new NotificationType<Params>(method);
}

/** One model of the catalog as `models/list` shows it. `languages`: ISO 639-1 codes, or `*` for every Whisper language. */
export interface ModelListItem {
    id: string;
    backend: BackendId | string;
    label: string;
    variant: string;
    languages: string[];
    note: string;
    ramMb: number;
    /** The download, all files. */
    sizeBytes: number;
    downloaded: boolean;
    sizeOnDisk: number;
    /** Bytes of an unfinished download kept for a resume. */
    partialBytes: number;
    resident: boolean;
    /** The model its backend uses next. */
    selected: boolean;
    downloading: boolean;
    /** Where it lives (or will) in the cache: the Whisper file or the Parakeet folder. */
    path: string;
    urls: string[];
    /** True when every file is checked against a published SHA-1; false: by size and by loading it. */
    checksum: boolean;
}

export namespace ModelsListRequest {
    export const method = 'models/list' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        /** A language code (or `auto`): steers `recommended`. */
        language?: string;
    }
    export interface Result {
        models: ModelListItem[];
        cacheFolder: string;
        cacheBytes: number;
        recommended: string;
        machine: { cores: number; memoryBytes: number };
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace ModelsDownloadRequest {
    export const method = 'models/download' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        id: string;
    }
    export interface Result {
        id: string;
        path: string;
        /** False when it was on disk already. */
        downloaded: boolean;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace ModelsDeleteRequest {
    export const method = 'models/delete' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        id: string;
    }
    export interface Result {
        id: string;
        freedBytes: number;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace ModelsUseFileRequest {
    export const method = 'models/useFile' as const;
    export const messageDirection = MessageDirection.clientToServer;
    export interface Params {
        /** A Whisper ggml file or a Parakeet model folder. */
        path: string;
        /** Make it its backend's model (default true). */
        select?: boolean;
    }
    export interface Result {
        backend: string;
        path: string;
        status: Status;
    }
    export const type = new RequestType<Params, Result, void>(method);
}

export namespace ModelsDownloadProgressNotification {
    export const method = 'models/downloadProgress' as const;
    export const messageDirection = MessageDirection.serverToClient;
    /** A `models/download` on its way: bytes over all the model's files, at most 5 a second per file. */
    export interface Params {
        id: string;
        file: string;
        receivedBytes: number;
        totalBytes: number;
        bytesPerSecond: number;
    }
    export const type = new NotificationType<Params>(method);
}

/** Every message in this file; the unit test checks it against docs/protocol.md. */
export const allMessages = [
    InitializeRequest,
    StatusRequest,
    DictationStartRequest,
    DictationStopRequest,
    DictationDeliveredRequest,
    DictationCancelRequest,
    TranscribeFileRequest,
    BackendSelectRequest,
    ModelPrepareRequest,
    AudioListDevicesRequest,
    ModelUnloadRequest,
    CleanupConfigureRequest,
    CleanupApplyRequest,
    RemoteConfigureRequest,
    ShutdownRequest,
    RecordingsListRequest,
    RecordingsDeleteRequest,
    ModelsListRequest,
    ModelsDownloadRequest,
    ModelsDeleteRequest,
    ModelsUseFileRequest,
    DictationStateChangedNotification,
    DictationSourceEndedNotification,
    DictationSegmentNotification,
    DictationLimitApproachingNotification,
    DictationRecordingUnsavedNotification,
    AudioLevelNotification,
    ModelProgressNotification,
    ModelsDownloadProgressNotification,
] as const;

/** A JSON-RPC error as vscode-jsonrpc surfaces it (ResponseError), narrowed without importing its class. */
export interface RpcErrorLike {
    code: number;
    message: string;
}

export function isRpcError(e: unknown): e is RpcErrorLike {
    return typeof e === 'object' && e !== null
        && typeof (e as { code?: unknown }).code === 'number'
        && typeof (e as { message?: unknown }).message === 'string';
}
