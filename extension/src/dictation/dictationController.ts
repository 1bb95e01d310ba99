// Start/stop/toggle/cancel dictation and put the result where the user was typing. The sidecar owns the
// dictation state; this class mirrors it from `dictation/stateChanged` and never loses a transcript.
import * as vscode from 'vscode';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { readConfig } from '../config';
import {
    DictationCancelRequest,
    DictationStartRequest,
    DictationSourceEndedNotification,
    DictationStateChangedNotification,
    DictationStopRequest,
    TranscribeFileRequest,
    TranscriptResult,
} from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { SidecarState } from '../sidecar/sidecarState';
import { showProblem } from '../ui/notify';
import { CommentSyntaxProvider } from './commentSyntax';
import { insertText } from './insertText';

export enum DictationStage {
    Idle = 'idle',
    Listening = 'listening',
    Transcribing = 'transcribing',
}

interface Target {
    editor: vscode.TextEditor;
    document: vscode.TextDocument;
}

const MESSAGE_PREVIEW_CHARS = 500;

export class DictationController implements vscode.Disposable {
    private current = DictationStage.Idle;
    private dictationId: string | undefined;
    private target: Target | undefined;
    /** A start or stop request in flight; further toggles wait their turn instead of racing it. */
    private busy = false;
    private stopRequested = false;
    /** The source ended before the start request returned (a very short file): stop as soon as it has. */
    private sourceEndedDuringStart = false;
    private lastResult: TranscriptResult | undefined;
    /** Cancels the `dictation/stop` in flight (its transcription) when the user cancels. */
    private stopCancellation: CancellationTokenSource | undefined;
    private readonly stageEmitter = new vscode.EventEmitter<DictationStage>();
    private readonly disposables: vscode.Disposable[] = [];

    readonly onDidChangeStage = this.stageEmitter.event;

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly sidecar: SidecarProcess,
        private readonly comments: CommentSyntaxProvider,
        private readonly log: vscode.LogOutputChannel,
    ) {
        this.disposables.push(
            this.stageEmitter,
            sidecar.onDictationStateChanged(p => this.onSidecarStateChanged(p)),
            sidecar.onDictationSourceEnded(p => this.onSourceEnded(p)),
            sidecar.state.onDidChangeState(state => {
                if (state !== SidecarState.Ready && this.current !== DictationStage.Idle && !this.busy) {
                    // The process that held the dictation is gone; its audio went with it.
                    this.log.warn(`The sidecar left the ready state (${state}) during a dictation.`);
                    this.reset();
                }
            }),
        );
    }

    get stage(): DictationStage {
        return this.current;
    }

    /** The most recent transcript, kept so it can be inserted again later. */
    get lastTranscript(): TranscriptResult | undefined {
        return this.lastResult;
    }

    async toggle(): Promise<void> {
        if (this.busy) {
            this.log.debug('Toggle ignored: a start or stop is in flight.');
            return;
        }
        if (this.current === DictationStage.Idle) {
            await this.start();
        } else if (this.current === DictationStage.Listening) {
            await this.stop();
        } else {
            this.log.debug('Toggle ignored while transcribing.');
        }
    }

    async start(): Promise<void> {
        if (this.busy || this.current !== DictationStage.Idle) {
            return;
        }
        this.busy = true;
        try {
            const editor = vscode.window.activeTextEditor;
            this.target = editor ? { editor, document: editor.document } : undefined;
            this.stopRequested = false;
            this.sourceEndedDuringStart = false;
            const config = readConfig(this.context);
            const result = await this.sidecar.request(DictationStartRequest.type, {
                source: { kind: config.audioSource, path: config.wavFile },
            });
            this.dictationId = result.dictationId;
            this.log.info(`Dictation ${result.dictationId} started (source ${config.audioSource}).`);
            this.setStage(DictationStage.Listening);
        } catch (e) {
            this.reset();
            void showProblem(e, this.log); // not awaited: the notification waits for the user, `busy` must not
        } finally {
            this.busy = false;
        }
        if (this.sourceEndedDuringStart && this.stage === DictationStage.Listening) {
            await this.stop();
        }
    }

    async stop(): Promise<void> {
        if (this.busy || this.current !== DictationStage.Listening) {
            return;
        }
        this.busy = true;
        this.stopRequested = true;
        const target = this.target;
        this.setStage(DictationStage.Transcribing);
        const cancellation = new CancellationTokenSource();
        this.stopCancellation = cancellation;
        try {
            const result = await this.sidecar.request(DictationStopRequest.type, { dictationId: this.dictationId }, cancellation.token);
            this.logResult(result);
            this.reset();
            await this.deliver(result, target);
        } catch (e) {
            this.reset();
            void showProblem(e, this.log); // not awaited: the notification waits for the user, `busy` must not
        } finally {
            this.stopCancellation = undefined;
            cancellation.dispose();
            this.busy = false;
        }
    }

    async cancel(): Promise<void> {
        if (this.current === DictationStage.Idle && !this.busy) {
            return;
        }
        // While transcribing, cancelling the stop request ($/cancelRequest) is what stops the work.
        this.stopCancellation?.cancel();
        try {
            const result = await this.sidecar.request(DictationCancelRequest.type, { dictationId: this.dictationId });
            this.log.info(result.cancelled ? 'Dictation cancelled.' : 'No dictation was running.');
            this.reset();
        } catch (e) {
            await showProblem(e, this.log);
        }
    }

    /** Transcribes a WAV file (picked when not given) and inserts the text into the active editor. */
    async transcribeFile(uri?: vscode.Uri): Promise<void> {
        const file = uri ?? (await vscode.window.showOpenDialog({
            canSelectMany: false,
            openLabel: 'Transcribe',
            filters: { 'WAV audio': ['wav', 'wave'] },
        }))?.[0];
        if (!file) {
            return;
        }
        const editor = vscode.window.activeTextEditor;
        const target = editor ? { editor, document: editor.document } : undefined;
        try {
            const result = await vscode.window.withProgress(
                { location: vscode.ProgressLocation.Notification, title: `Wispr: transcribing ${vscode.workspace.asRelativePath(file)}`, cancellable: true },
                (_progress, token) => this.sidecar.request(TranscribeFileRequest.type, { path: file.fsPath }, token),
            );
            this.logResult(result);
            await this.deliver(result, target);
        } catch (e) {
            await showProblem(e, this.log);
        }
    }

    dispose(): void {
        for (const d of this.disposables) {
            d.dispose();
        }
    }

    private onSourceEnded(p: DictationSourceEndedNotification.Params): void {
        if (this.dictationId && p.dictationId !== this.dictationId) {
            return; // an older dictation's late notification
        }
        if (p.error) {
            this.log.warn(`The audio source failed after ${p.capturedMs} ms: ${p.error}; transcribing what was captured.`);
        }
        if (this.stopRequested) {
            return;
        }
        if (this.busy) {
            // It overtook the start reply; stop as soon as start has finished.
            this.sourceEndedDuringStart = true;
            return;
        }
        if (this.current === DictationStage.Listening) {
            // The source has played to its end (or failed): transcribe and insert now, as the user would by stopping.
            void this.stop();
        }
    }

    private onSidecarStateChanged(p: DictationStateChangedNotification.Params): void {
        this.log.debug(`dictation/stateChanged ${p.previousState} → ${p.state}${p.reason ? ` (${p.reason})` : ''}`);
        if (p.dictationId && this.dictationId && p.dictationId !== this.dictationId) {
            return; // an older dictation's late notification
        }
        if (this.busy) {
            // The start or stop in flight sets the stage from its result; a notification may overtake it.
            return;
        }
        if (p.state === DictationStage.Idle) {
            if (p.reason && p.reason !== 'cancelled' && this.current !== DictationStage.Idle) {
                void vscode.window.showWarningMessage(`Wispr: the dictation ended (${p.reason}).`, 'Show logs').then(c => c && this.log.show());
            }
            this.reset();
            return;
        }
        this.setStage(p.state === 'listening' ? DictationStage.Listening : DictationStage.Transcribing);
    }

    /** Inserts into the editor the dictation started in; if that is gone, the clipboard keeps the words. */
    private async deliver(result: TranscriptResult, target: Target | undefined): Promise<void> {
        this.lastResult = result;
        const text = result.text.trim();
        if (!text) {
            void vscode.window.showInformationMessage('Wispr heard no speech; nothing was inserted.');
            return;
        }
        let editor: vscode.TextEditor | undefined;
        let why: string;
        if (target) {
            editor = target.document.isClosed ? undefined : visibleEditorFor(target);
            why = 'the editor the dictation started in was closed';
        } else {
            editor = vscode.window.activeTextEditor;
            why = 'no editor is active';
        }
        if (editor) {
            const config = readConfig(this.context);
            const syntax = config.insertionMode === 'comment' ? this.comments.get(editor.document.languageId) : undefined;
            try {
                if (await insertText(editor, { text, mode: config.insertionMode, syntax })) {
                    return;
                }
                why = 'the editor refused the edit';
            } catch (e) {
                why = `the edit failed (${e instanceof Error ? e.message : String(e)})`;
            }
        }
        await vscode.env.clipboard.writeText(text);
        const preview = text.length > MESSAGE_PREVIEW_CHARS ? `${text.slice(0, MESSAGE_PREVIEW_CHARS)}…` : text;
        this.log.info(`Transcript copied to the clipboard: ${why}.`);
        void vscode.window.showInformationMessage(`Wispr: ${why}, so the transcript is on the clipboard: "${preview}"`);
    }

    private logResult(result: TranscriptResult): void {
        // Timings only: transcript text is not logged above trace (it may be private).
        this.log.info(
            `Transcribed ${result.audioDurationMs} ms of audio with ${result.backend}: stop→text ${result.timings.stopToTextMs} ms, ASR ${result.timings.asrMs} ms, load ${result.timings.loadMs} ms.`,
        );
        this.log.trace(`Transcript: ${result.text}`);
    }

    private reset(): void {
        this.dictationId = undefined;
        this.target = undefined;
        this.stopRequested = false;
        this.sourceEndedDuringStart = false;
        this.setStage(DictationStage.Idle);
    }

    private setStage(stage: DictationStage): void {
        if (stage !== this.current) {
            this.current = stage;
            this.stageEmitter.fire(stage);
        }
    }
}

function visibleEditorFor(target: Target): vscode.TextEditor | undefined {
    const visible = vscode.window.visibleTextEditors;
    return visible.includes(target.editor) ? target.editor : visible.find(e => e.document === target.document);
}
