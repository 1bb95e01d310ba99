// How each sidecar error code is shown to the user: a short message (at most two lines in a notification) and the buttons
// that fix it; the sidecar's own long message goes to the log. Pure (no `vscode` import): keyed by `error.code`, never by
// message.
import { ErrorCodes } from '../sidecar/protocol';

export type Severity = 'error' | 'warning' | 'info' | 'silent';
export type ErrorAction =
    | 'retry' | 'chooseModel' | 'chooseModelFile' | 'chooseAudioFile' | 'openFolder' | 'transcribeSaved' | 'showLogs'
    | 'chooseMicrophone' | 'openAudioSetting' | 'openCleanupSettings' | 'restartSidecar' | 'openRemoteSettings' | 'setRemoteKey';

export interface UserMessage {
    severity: Severity;
    /** What the notification says: one short sentence or two, never a path list or a stack. */
    text: string;
    actions: ErrorAction[];
    /** The sidecar's full message, for the log. */
    detail?: string;
    /** A file the detail names (a kept recording, a model's place in the cache), for "Open Folder". */
    path?: string;
}

/** A notification line holds about this many characters; two lines are the most a message may take. */
export const LINE_CHARS = 90;
export const MAX_MESSAGE_CHARS = 2 * LINE_CHARS;

interface Entry {
    severity: Severity;
    text: string;
    actions: ErrorAction[];
    /** The sidecar's message says how to fix it (a package to install, a field of a file): shown instead when it fits. */
    preferDetail?: true;
}

/** One entry per documented error code (docs/protocol.md); a unit test checks that none is missing. */
export const errorTable: Readonly<Record<number, Entry>> = {
    [ErrorCodes.ParseError]: { severity: 'error', text: 'Wispr could not read a request (a bug; please report it with the log).', actions: ['showLogs'] },
    [ErrorCodes.InvalidRequest]: { severity: 'error', text: 'Wispr could not read a request (a bug; please report it with the log).', actions: ['showLogs'] },
    [ErrorCodes.InvalidParams]: { severity: 'error', text: 'Wispr refused a request as malformed (a bug; please report it with the log).', actions: ['showLogs'] },
    [ErrorCodes.InternalError]: { severity: 'error', text: 'Wispr failed unexpectedly (a bug; please report it with the log).', actions: ['retry', 'showLogs'] },
    [ErrorCodes.RequestCanceled]: { severity: 'silent', text: 'Cancelled.', actions: [] },
    [ErrorCodes.AudioFileNotFound]: { severity: 'error', text: 'Wispr: the audio file was not found.', actions: ['chooseAudioFile', 'openAudioSetting'], preferDetail: true },
    [ErrorCodes.AudioFormatUnsupported]: { severity: 'error', text: 'Wispr: the audio file is not a readable WAV file.', actions: ['chooseAudioFile', 'showLogs'], preferDetail: true },
    [ErrorCodes.NoSpeech]: { severity: 'info', text: 'Wispr heard no speech; nothing was inserted.', actions: ['chooseMicrophone'] },
    [ErrorCodes.AudioSourceFailed]: { severity: 'error', text: 'Wispr: the microphone stopped delivering sound.', actions: ['retry', 'chooseMicrophone', 'showLogs'] },
    [ErrorCodes.MicrophoneUnavailable]: { severity: 'error', text: 'Wispr found no microphone to listen to.', actions: ['chooseMicrophone', 'retry', 'showLogs'], preferDetail: true },
    [ErrorCodes.RecorderMissing]: { severity: 'error', text: 'Wispr: the recording program is missing.', actions: ['showLogs', 'retry'], preferDetail: true },
    [ErrorCodes.PermissionDenied]: { severity: 'error', text: 'Wispr was denied access to the microphone; allow it in the system settings.', actions: ['retry', 'showLogs'], preferDetail: true },
    [ErrorCodes.VadUnavailable]: { severity: 'error', text: 'Wispr: hands-free mode is unavailable (its voice detector did not load).', actions: ['showLogs'] },
    [ErrorCodes.AudioTooLong]: { severity: 'error', text: 'Wispr: the audio file is longer than the recording limit.', actions: ['chooseAudioFile', 'openAudioSetting'] },
    [ErrorCodes.ModelNotFound]: { severity: 'error', text: 'Wispr has no speech model yet. Choose one to download, or a model file you have.', actions: ['chooseModel', 'chooseModelFile', 'retry'] },
    [ErrorCodes.ModelInvalid]: { severity: 'error', text: 'Wispr: the speech model is damaged or of the wrong kind.', actions: ['chooseModel', 'chooseModelFile', 'showLogs'] },
    [ErrorCodes.ModelDownloadFailed]: { severity: 'error', text: 'Wispr: the speech model could not be downloaded.', actions: ['retry', 'chooseModel', 'chooseModelFile'] },
    [ErrorCodes.ModelChecksumMismatch]: { severity: 'error', text: 'Wispr: the downloaded model was damaged and discarded; try the download again.', actions: ['retry', 'chooseModel', 'showLogs'] },
    [ErrorCodes.InsufficientDiskSpace]: { severity: 'error', text: 'Wispr: not enough disk space for the model; free some space or choose a smaller one.', actions: ['chooseModel', 'openFolder'] },
    [ErrorCodes.ModelSourceNotFound]: { severity: 'error', text: 'Wispr: the model server does not have that model.', actions: ['chooseModel', 'chooseModelFile', 'showLogs'] },
    [ErrorCodes.ModelSourceUnreachable]: { severity: 'error', text: 'Wispr: the model server cannot be reached (offline, or a proxy setting?).', actions: ['retry', 'chooseModelFile', 'chooseModel'] },
    [ErrorCodes.UnknownModel]: { severity: 'error', text: 'Wispr: there is no model by that name.', actions: ['chooseModel'] },
    [ErrorCodes.ModelInUse]: { severity: 'warning', text: 'Wispr: that model is in use; switch to another one first.', actions: ['chooseModel'] },
    [ErrorCodes.BackendLoadFailed]: { severity: 'error', text: 'Wispr: the speech model could not be loaded.', actions: ['chooseModel', 'showLogs'] },
    [ErrorCodes.BackendUnavailable]: { severity: 'error', text: 'Wispr: that speech engine is not available in this build.', actions: ['chooseModel'] },
    [ErrorCodes.TranscriptionFailed]: { severity: 'error', text: 'Wispr: transcription failed.', actions: ['retry', 'showLogs'] },
    [ErrorCodes.NoWordsRecognized]: { severity: 'error', text: 'Wispr heard speech but the model produced no words; try another model.', actions: ['chooseModel', 'showLogs'] },
    [ErrorCodes.RemoteUnreachable]: { severity: 'error', text: 'Wispr: the transcription server could not be reached.', actions: ['retry', 'openRemoteSettings', 'showLogs'] },
    [ErrorCodes.RemoteUnauthorized]: { severity: 'error', text: 'Wispr: the transcription server refused the key.', actions: ['setRemoteKey', 'openRemoteSettings'] },
    [ErrorCodes.RemoteRateLimited]: { severity: 'error', text: 'Wispr: the transcription server is busy (rate limit); try again shortly.', actions: ['retry', 'showLogs'] },
    [ErrorCodes.RemoteServerError]: { severity: 'error', text: 'Wispr: the transcription server failed.', actions: ['retry', 'openRemoteSettings', 'showLogs'] },
    [ErrorCodes.RemoteBadResponse]: { severity: 'error', text: 'Wispr: the transcription server gave a reply Wispr cannot read.', actions: ['openRemoteSettings', 'showLogs'] },
    [ErrorCodes.RemoteTimeout]: { severity: 'error', text: 'Wispr: the transcription server did not answer in time.', actions: ['retry', 'openRemoteSettings', 'showLogs'] },
    [ErrorCodes.RemoteNotConfigured]: { severity: 'error', text: 'Wispr: no transcription server is set.', actions: ['openRemoteSettings'] },
    [ErrorCodes.InvalidState]: { severity: 'warning', text: 'Wispr: that does not fit what the dictation is doing now.', actions: [], preferDetail: true },
    [ErrorCodes.Busy]: { severity: 'warning', text: 'Wispr is busy with a dictation; try again when it ends.', actions: ['retry'], preferDetail: true },
    [ErrorCodes.Cancelled]: { severity: 'silent', text: 'Cancelled.', actions: [] },
    [ErrorCodes.CleanupConfigInvalid]: { severity: 'error', text: 'Wispr: the cleanup settings are invalid.', actions: ['openCleanupSettings'], preferDetail: true },
};

/** A recording the sidecar kept for later (its message names the file). */
const keptRecording = /recording (?:was )?kept|kept at|its recording|recording is kept/i;

/** The message for an RPC error from the sidecar; `message` is the sidecar's own text (it goes to the log as `detail`). */
export function describeRpcError(code: number, message: string): UserMessage {
    const detail = message.trim();
    const entry = errorTable[code] ?? { severity: 'error' as const, text: `Wispr: unexpected error ${code}.`, actions: ['showLogs'] as ErrorAction[] };
    const path = firstPath(detail);
    const actions = [...entry.actions];
    if (detail && keptRecording.test(detail)) {
        // The words are safe on disk: the first thing to offer is getting them.
        actions.unshift('transcribeSaved');
    } else if (path && (code === ErrorCodes.ModelNotFound || code === ErrorCodes.ModelDownloadFailed)) {
        actions.push('openFolder');
    }
    // "Title: the sidecar's reason" when that fits in two lines, else the reason alone, else the title alone.
    const candidates = entry.preferDetail && detail && !detail.includes('\n')
        ? [`${entry.text.replace(/\.$/, '')}: ${detail}`, detail.startsWith('Wispr') ? detail : `Wispr: ${detail}`]
        : [];
    let text = candidates.find(c => c.length <= MAX_MESSAGE_CHARS) ?? entry.text;
    // A remote server's fault names the server (the sidecar's message says "The transcription server at HOST …").
    // The name ends at a space or comma, or at sentence punctuation that ends a word: an address's own dots and colon stay
    // ("127.0.0.1:8080", "gpu-box.lan:8000.").
    const server = /transcription server at ([^\s,]+?)(?=[\s,]|[.:;](?:\s|$)|$)/.exec(detail)?.[1];
    if (server && text.includes('the transcription server') && text.length + server.length + 4 <= MAX_MESSAGE_CHARS) {
        text = text.replace('the transcription server', `the transcription server at ${server}`);
    }
    return { severity: entry.severity, text, actions: dedupe(actions), ...(detail ? { detail } : {}), ...(path ? { path } : {}) };
}

/** An extension-side failure (not an RPC error): the first sentence, shortened to fit, with the log for the rest. */
export function describeFailure(message: string): UserMessage {
    const detail = message.trim();
    const text = shorten(detail.startsWith('Wispr') ? detail : `Wispr: ${detail}`);
    return { severity: 'error', text, actions: ['showLogs'], ...(text !== detail ? { detail } : {}) };
}

/** At most MAX_MESSAGE_CHARS on one line: the first sentence, else a cut at a word with an ellipsis. */
export function shorten(text: string): string {
    const oneLine = text.replace(/\s+/g, ' ').trim();
    if (oneLine.length <= MAX_MESSAGE_CHARS) {
        return oneLine;
    }
    const sentence = /^(.{20,}?[.!?])\s/.exec(oneLine)?.[1];
    if (sentence && sentence.length <= MAX_MESSAGE_CHARS) {
        return sentence;
    }
    const cut = oneLine.slice(0, MAX_MESSAGE_CHARS - 1);
    return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 40))}…`;
}

/** The first absolute file path in a message (never part of a URL), without trailing punctuation. */
export function firstPath(text: string): string | undefined {
    for (const token of text.split(/\s+/)) {
        const t = token.replace(/^[('"]+/, '').replace(/[)'",;:.]+$/, '');
        if (/^(\/|~\/|[A-Za-z]:\\)[^/\\]/.test(t)) {
            return t;
        }
    }
    return undefined;
}

function dedupe(actions: ErrorAction[]): ErrorAction[] {
    return actions.filter((a, i) => actions.indexOf(a) === i);
}

export const actionLabels: Readonly<Record<ErrorAction, string>> = {
    retry: 'Retry',
    chooseModel: 'Choose Model…',
    chooseModelFile: 'Choose File…',
    chooseAudioFile: 'Choose File…',
    openFolder: 'Open Folder',
    transcribeSaved: 'Transcribe Saved Recording',
    showLogs: 'Show Logs',
    chooseMicrophone: 'Choose Microphone…',
    openAudioSetting: 'Open Setting',
    openCleanupSettings: 'Open Cleanup Settings',
    restartSidecar: 'Restart Wispr',
    openRemoteSettings: 'Open Server Settings',
    setRemoteKey: 'Set Server Key',
};
