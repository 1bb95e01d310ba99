// The remote speech backend's side in the extension: the server key in SecretStorage (never in settings, files or
// logs; it reaches the sidecar only inside `remote/configure`, which keeps it in memory), keeping the sidecar's server
// settings in step with wispr.remote.* and the key (after every sidecar start and on each change), and what a server
// fault offers: Retry, or transcribing the kept recording with the local model.
import * as vscode from 'vscode';
import { ErrorCodes as JsonRpcErrorCodes, MessageConnection } from 'vscode-jsonrpc';
import { modelPathFor, readConfig, readRemote, remoteSettings, SECTION } from '../config';
import { ErrorCodes, isRpcError, RecordingInfo, RecordingsDeleteRequest, RecordingsListRequest, RemoteConfigureRequest } from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { SidecarState } from '../sidecar/sidecarState';
import { registerProblemHandler, showProblem } from '../ui/notify';
import { describeRpcError } from '../dictation/errorMessages';

const SECRET = 'wispr.remote.apiKey';

export const RETRY = 'Retry';
export const TRANSCRIBE_LOCALLY = 'Transcribe with local model';

/** The server faults after which the recording is kept and worth sending again (or transcribing locally). */
export const remoteFaults = [ErrorCodes.RemoteUnreachable, ErrorCodes.RemoteUnauthorized, ErrorCodes.RemoteRateLimited,
    ErrorCodes.RemoteServerError, ErrorCodes.RemoteBadResponse, ErrorCodes.RemoteTimeout] as const;

/** What the fallback needs of the dictation controller. */
export interface RemoteFallbackDictation {
    /** Transcribes a WAV file into the editor through the normal path; true once the text is out. */
    transcribeFile(uri: vscode.Uri): Promise<boolean>;
}

export class RemoteServer implements vscode.Disposable {
    private readonly disposables: vscode.Disposable[] = [];
    private pending = false;

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly sidecar: SidecarProcess,
        private readonly dictation: RemoteFallbackDictation,
        private readonly log: vscode.LogOutputChannel,
    ) {
        this.disposables.push(
            sidecar.addInitializer((connection: MessageConnection) =>
                this.configure(params => connection.sendRequest(RemoteConfigureRequest.type, params))),
            vscode.workspace.onDidChangeConfiguration(e => {
                if (remoteSettings.some(k => e.affectsConfiguration(`${SECTION}.${k}`))) {
                    void this.reconfigure();
                }
            }),
            context.secrets.onDidChange(e => {
                if (e.key === SECRET) {
                    void this.reconfigure();
                }
            }),
            sidecar.state.onDidChangeState(state => {
                if (state === SidecarState.Ready && this.pending) {
                    void this.reconfigure();
                }
            }),
            registerProblemHandler(remoteFaults, (e, log) => this.offerFallback(e, log)),
        );
    }

    /** Wispr: Set Remote Server Key — a password box; an empty answer deletes the key, Escape changes nothing. */
    async askKey(): Promise<void> {
        const key = await vscode.window.showInputBox({
            title: 'Wispr: remote transcription server key',
            prompt: 'The API key of the server in wispr.remote.baseUrl (sent as a Bearer token). Stored in VS Code\'s secret storage; empty removes it.',
            password: true,
            ignoreFocusOut: true,
        });
        if (key === undefined) {
            return;
        }
        if (key.trim()) {
            await this.context.secrets.store(SECRET, key.trim());
            void vscode.window.showInformationMessage('Wispr: the transcription server key is stored.');
        } else {
            await this.context.secrets.delete(SECRET);
            void vscode.window.showInformationMessage('Wispr: the transcription server key is removed.');
        }
    }

    /** Sends the current settings to a running sidecar; one that is not running gets them when it starts. */
    async reconfigure(): Promise<void> {
        if (this.sidecar.state.state !== SidecarState.Ready) {
            this.pending = this.sidecar.state.state === SidecarState.Starting;
            return;
        }
        this.pending = false;
        await this.configure(params => this.sidecar.request(RemoteConfigureRequest.type, params));
    }

    /** Never throws: bad remote settings must not stop local dictation. */
    private async configure(send: (p: RemoteConfigureRequest.Params) => Promise<RemoteConfigureRequest.Result>): Promise<void> {
        const remote = readRemote();
        const apiKey = remote.baseUrl ? (await this.context.secrets.get(SECRET)) || null : null;
        try {
            const result = await send({ baseUrl: remote.baseUrl, model: remote.model, apiKey });
            if (result.host) {
                this.log.info(`Remote transcription server: ${result.host}, model ${result.model}, ${result.hasApiKey ? 'key set' : 'no key'}.`);
            }
        } catch (e) {
            if (isRpcError(e) && e.code === JsonRpcErrorCodes.MethodNotFound) {
                this.log.warn('This sidecar has no remote/configure; wispr.remote.* settings are not applied.');
                return;
            }
            if (isRpcError(e) && e.code === ErrorCodes.RemoteNotConfigured) {
                void showProblem(e, this.log);
                return;
            }
            this.log.warn(`remote/configure failed: ${e instanceof Error ? e.message : String(e)}`);
        }
    }

    /**
     * A server fault: the sidecar kept the recording and named it in the message. Offer to send it again or to transcribe it
     * with the local model (switching to it: one backend resident at a time); the recording is deleted once its text is out.
     * False (the usual message) when no kept recording is named, e.g. a file transcription.
     */
    async offerFallback(e: { code: number; message: string }, log: vscode.LogOutputChannel): Promise<boolean> {
        const recording = await this.keptRecording(e.message);
        if (!recording) {
            return false;
        }
        const text = describeRpcError(e.code, e.message).text;
        log.error(`${text} (code ${e.code})`);
        const choice = await vscode.window.showErrorMessage(text, RETRY, TRANSCRIBE_LOCALLY);
        if (choice === RETRY) {
            await this.transcribe(recording);
        } else if (choice === TRANSCRIBE_LOCALLY) {
            const config = readConfig(this.context);
            try {
                await vscode.window.withProgress(
                    { location: vscode.ProgressLocation.Notification, title: 'Wispr: switching to the local Whisper model', cancellable: true },
                    (_progress, token) => this.sidecar.selectBackend('whisper', modelPathFor(config, 'whisper'), token, config.recycleProcessOnSwitch),
                );
                log.info('Switched to the local Whisper model to transcribe a recording the server could not.');
            } catch (switchError) {
                await showProblem(switchError, log);
                return true;
            }
            await this.transcribe(recording);
        }
        return true;
    }

    private async transcribe(recording: RecordingInfo): Promise<void> {
        if (await this.dictation.transcribeFile(vscode.Uri.file(recording.path))) {
            try {
                await this.sidecar.request(RecordingsDeleteRequest.type, { id: recording.id });
            } catch (e) {
                this.log.warn(`The recording ${recording.path} could not be deleted: ${e instanceof Error ? e.message : String(e)}`);
            }
        }
    }

    /** The kept recording the error message names (the sidecar names it by its path), if it is still there. */
    private async keptRecording(message: string): Promise<RecordingInfo | undefined> {
        try {
            const { recordings } = await this.sidecar.request(RecordingsListRequest.type, {});
            return recordings.find(r => message.includes(r.path));
        } catch {
            return undefined;
        }
    }

    dispose(): void {
        for (const d of this.disposables) {
            d.dispose();
        }
    }
}
