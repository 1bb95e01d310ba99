// How each sidecar error code is shown to the user. Pure (no `vscode` import): keyed by `error.code`, never by message.
import { ErrorCodes } from '../sidecar/protocol';

export type Severity = 'error' | 'warning' | 'info' | 'silent';
export type ErrorAction = 'showLogs' | 'openModelSetting' | 'openAudioSetting' | 'restartSidecar' | 'chooseMicrophone' | 'openCleanupSettings'
    | 'openRemoteSettings' | 'setRemoteKey';

export interface UserMessage {
    severity: Severity;
    text: string;
    actions: ErrorAction[];
}

/** The message for an RPC error from the sidecar; `message` is the sidecar's own user-facing text. */
export function describeRpcError(code: number, message: string): UserMessage {
    const detail = message.trim();
    const withDetail = (title: string) => (detail ? `${title}: ${detail}` : title);
    switch (code) {
        case ErrorCodes.RequestCanceled:
        case ErrorCodes.Cancelled:
            return { severity: 'silent', text: 'Cancelled.', actions: [] };
        case ErrorCodes.NoSpeech:
            return { severity: 'info', text: 'Wispr heard no speech; nothing was inserted.', actions: [] };
        case ErrorCodes.InvalidState:
            return { severity: 'warning', text: withDetail('Wispr: that does not fit the current dictation state'), actions: [] };
        case ErrorCodes.Busy:
            return { severity: 'warning', text: withDetail('Wispr is busy'), actions: [] };
        case ErrorCodes.AudioFileNotFound:
            return { severity: 'error', text: withDetail('Wispr: audio file not found'), actions: ['openAudioSetting'] };
        case ErrorCodes.AudioFormatUnsupported:
            return { severity: 'error', text: withDetail('Wispr: the audio file is not a readable WAV file'), actions: ['openAudioSetting'] };
        case ErrorCodes.AudioSourceFailed:
            return { severity: 'error', text: withDetail('Wispr: the audio source failed'), actions: ['showLogs'] };
        case ErrorCodes.MicrophoneUnavailable:
            return { severity: 'error', text: withDetail('Wispr: no microphone to listen to'), actions: ['chooseMicrophone', 'showLogs'] };
        case ErrorCodes.RecorderMissing:
            return { severity: 'error', text: withDetail('Wispr: the recording program is missing'), actions: ['showLogs'] };
        case ErrorCodes.PermissionDenied:
            return { severity: 'error', text: withDetail('Wispr: microphone access was denied'), actions: ['chooseMicrophone'] };
        case ErrorCodes.VadUnavailable:
            return { severity: 'error', text: withDetail('Wispr: hands-free mode is unavailable'), actions: ['showLogs'] };
        case ErrorCodes.ModelNotFound:
            return { severity: 'error', text: withDetail('Wispr: speech model not found'), actions: ['openModelSetting', 'showLogs'] };
        case ErrorCodes.ModelInvalid:
            return { severity: 'error', text: withDetail('Wispr: the speech model file is invalid'), actions: ['openModelSetting', 'showLogs'] };
        case ErrorCodes.ModelDownloadFailed:
            return { severity: 'error', text: withDetail('Wispr: the speech model could not be downloaded'), actions: ['openModelSetting', 'showLogs'] };
        case ErrorCodes.BackendLoadFailed:
            return { severity: 'error', text: withDetail('Wispr: the speech backend could not load the model'), actions: ['openModelSetting', 'showLogs'] };
        case ErrorCodes.BackendUnavailable:
            return { severity: 'error', text: withDetail('Wispr: that speech backend is not available'), actions: [] };
        case ErrorCodes.TranscriptionFailed:
            return { severity: 'error', text: withDetail('Wispr: transcription failed'), actions: ['showLogs'] };
        case ErrorCodes.NoWordsRecognized:
            return { severity: 'error', text: withDetail('Wispr: the speech model heard speech but produced no words'), actions: ['openModelSetting', 'showLogs'] };
        case ErrorCodes.CleanupConfigInvalid:
            return { severity: 'error', text: withDetail('Wispr: the cleanup settings are invalid'), actions: ['openCleanupSettings'] };
        case ErrorCodes.AudioTooLong:
            return { severity: 'error', text: withDetail('Wispr: the audio file is longer than the recording limit'), actions: ['openAudioSetting'] };
        case ErrorCodes.RemoteUnreachable:
        case ErrorCodes.RemoteTimeout:
            return { severity: 'error', text: withDetail('Wispr: the transcription server did not answer'), actions: ['openRemoteSettings', 'showLogs'] };
        case ErrorCodes.RemoteUnauthorized:
            return { severity: 'error', text: withDetail('Wispr: the transcription server refused the key'), actions: ['setRemoteKey'] };
        case ErrorCodes.RemoteRateLimited:
            return { severity: 'error', text: withDetail('Wispr: the transcription server is rate-limiting'), actions: ['showLogs'] };
        case ErrorCodes.RemoteServerError:
        case ErrorCodes.RemoteBadResponse:
            return { severity: 'error', text: withDetail('Wispr: the transcription server failed'), actions: ['openRemoteSettings', 'showLogs'] };
        case ErrorCodes.RemoteNotConfigured:
            return { severity: 'error', text: withDetail('Wispr: no transcription server is set'), actions: ['openRemoteSettings'] };
        case ErrorCodes.InvalidParams:
        case ErrorCodes.InvalidRequest:
        case ErrorCodes.ParseError:
            return { severity: 'error', text: withDetail('Wispr: the sidecar rejected the request (a bug; please report it)'), actions: ['showLogs'] };
        case ErrorCodes.InternalError:
            return { severity: 'error', text: withDetail('Wispr: the sidecar failed unexpectedly (a bug; please report it)'), actions: ['showLogs'] };
        default:
            return { severity: 'error', text: withDetail(`Wispr: sidecar error ${code}`), actions: ['showLogs'] };
    }
}

export const actionLabels: Readonly<Record<ErrorAction, string>> = {
    showLogs: 'Show logs',
    openModelSetting: 'Open model setting',
    openAudioSetting: 'Open audio setting',
    restartSidecar: 'Restart sidecar',
    chooseMicrophone: 'Choose microphone',
    openCleanupSettings: 'Open cleanup settings',
    openRemoteSettings: 'Open server settings',
    setRemoteKey: 'Set server key',
};
