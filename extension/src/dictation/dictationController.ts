// Start/stop/toggle/cancel dictation and put the result where the user was typing. The sidecar owns the
// dictation state; this class mirrors it from `dictation/stateChanged` and never loses a transcript.
import * as vscode from 'vscode';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { readConfig, startParams } from '../config';
import { DictationHistory, entryFor } from '../history/dictationHistory';
import { writeCommitMessage } from '../scm/commitMessage';
import {
    DictationCancelRequest,
    DictationContext,
    DictationDeliveredRequest,
    DictationStartRequest,
    DictationSourceEndedNotification,
    DictationStateChangedNotification,
    DictationStopRequest,
    PromptMode,
    TranscribeFileRequest,
    TranscriptResult,
} from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { SidecarState } from '../sidecar/sidecarState';
import { showProblem } from '../ui/notify';
import { isEnglishOnlyModel, languageToSend } from '../language/languages';
import { CommentSyntaxProvider } from './commentSyntax';
import { CONTEXT_BUDGET_MS, ContextCollector } from '../vocabulary/contextCollector';
import { insertText } from './insertText';
import { DictationPhase, DictationStage, isBusy, nextPhase, PhaseEvent, stageOf } from './dictationPhase';

export { DictationStage } from './dictationPhase';

/** Where a transcript goes: the editor (and document) active at the start, or the Source Control commit message. */
interface Target {
    editor: vscode.TextEditor | undefined;
    document: vscode.TextDocument | undefined;
    mode: PromptMode;
}

export interface StartOptions {
    /** "commit": the text goes into the Source Control input box instead of the editor. */
    commit?: boolean;
}

const MESSAGE_PREVIEW_CHARS = 500;
/** How long past its maximum length a recording may go on before the extension's watchdog ends it. */
const LIMIT_WATCHDOG_SLACK_MS = 10_000;

export class DictationController implements vscode.Disposable {
    /** Where the dictation is (see dictationPhase.ts); the only state the controller keeps about its progress. */
    private phase: DictationPhase = 'idle';
    private dictationId: string | undefined;
    private target: Target | undefined;
    private lastResult: TranscriptResult | undefined;
    private lastSentContext: DictationContext | undefined;
    /** The running dictation's full context, being collected while the user speaks; sent with `dictation/stop`. */
    private fullContext: Promise<DictationContext | undefined> = Promise.resolve(undefined);
    /** Starts the collection's last CONTEXT_BUDGET_MS: called at the stop (or when the dictation ends otherwise). */
    private closeCollection: (() => void) | undefined;
    private lastWarning: string | undefined;
    /** Cancels the `dictation/stop` in flight (its transcription) when the user cancels. */
    private stopCancellation: CancellationTokenSource | undefined;
    /** Ends a listening that outlives the recording limit (the sidecar's own limit should have ended it). */
    private limitWatchdog: NodeJS.Timeout | undefined;
    private readonly stageEmitter = new vscode.EventEmitter<DictationStage>();
    private readonly interruptedEmitter = new vscode.EventEmitter<DictationStage>();
    private readonly disposables: vscode.Disposable[] = [];

    readonly onDidChangeStage = this.stageEmitter.event;
    /** The sidecar went away during a dictation (its stage then); its recording is on disk, for the recovery to offer. */
    readonly onDidInterruptDictation = this.interruptedEmitter.event;

    /**
     * True while the push-to-talk key is held: a "heard no speech" then goes to the log only, since a notification
     * while the user is still holding the key and speaking reads as a misfire.
     */
    keyHeld: () => boolean = () => false;

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly sidecar: SidecarProcess,
        private readonly comments: CommentSyntaxProvider,
        private readonly log: vscode.LogOutputChannel,
        private readonly contexts: ContextCollector,
        private readonly history: DictationHistory,
    ) {
        this.disposables.push(
            this.stageEmitter,
            this.interruptedEmitter,
            sidecar.onDictationStateChanged(p => this.onSidecarStateChanged(p)),
            sidecar.onDictationSourceEnded(p => this.onSourceEnded(p)),
            sidecar.onLimitApproaching(p => {
                // It may overtake the start reply (a very short bound), so an unknown id counts while a start is in flight.
                const ours = this.dictationId === undefined ? isBusy(this.phase) : p.dictationId === this.dictationId;
                if (ours && this.stage !== DictationStage.Transcribing) {
                    const seconds = Math.round(p.remainingMs / 1000);
                    const minutes = Math.round(p.maxMs / 60000);
                    this.log.warn(`The recording reaches its maximum length (${p.maxMs} ms) in ${p.remainingMs} ms.`);
                    void vscode.window.showWarningMessage(
                        `Wispr: the recording stops in ${seconds} s (maximum length ${minutes >= 1 ? `${minutes} min` : `${p.maxMs / 1000} s`}); then everything said is transcribed.`);
                }
            }),
            sidecar.state.onDidChangeState(state => {
                if (state !== SidecarState.Ready && this.stage !== DictationStage.Idle && !isBusy(this.phase)) {
                    // The process that held the dictation is gone; its audio is in its recording file.
                    this.log.warn(`The sidecar left the ready state (${state}) during a dictation.`);
                    const stage = this.stage;
                    this.reset();
                    this.interruptedEmitter.fire(stage);
                }
            }),
        );
    }

    get stage(): DictationStage {
        return stageOf(this.phase);
    }

    /** No dictation runs and no request (start, stop, delivery) is in flight: a start would be taken. */
    get idle(): boolean {
        return this.phase === 'idle';
    }

    /** The start request is in flight; the stage becomes Listening when it returns. */
    get starting(): boolean {
        return this.phase === 'starting' || this.phase === 'startingThenStop';
    }

    /** The running dictation's id (once its start has returned); undefined when none runs. */
    get currentDictationId(): string | undefined {
        return this.stage === DictationStage.Idle ? undefined : this.dictationId;
    }

    /** The editor the running dictation inserts into (where the cursor indicator goes); undefined for commit messages. */
    get targetEditor(): vscode.TextEditor | undefined {
        return this.stage === DictationStage.Idle || this.target?.mode === 'commit' ? undefined : this.target?.editor;
    }

    /**
     * The context of the most recent dictation (the start's, then the full one once collected, which goes with its stop) or
     * transcribeFile (for the API and the end-to-end tests).
     */
    get lastContext(): DictationContext | undefined {
        return this.lastSentContext;
    }

    /** The LLM-fallback warning shown for the latest transcript, as shown; undefined when it had none (API, end-to-end tests). */
    get lastCleanupWarning(): string | undefined {
        return this.lastWarning;
    }

    /** The most recent transcript, kept so it can be inserted again later. */
    get lastTranscript(): TranscriptResult | undefined {
        return this.lastResult;
    }

    async toggle(): Promise<void> {
        if (isBusy(this.phase)) {
            this.log.debug('Toggle ignored: a start or stop is in flight.');
            return;
        }
        if (this.phase === 'idle') {
            await this.start();
        } else if (this.phase === 'listening') {
            await this.stop();
        } else {
            this.log.debug('Toggle ignored while transcribing.');
        }
    }

    async start(options: StartOptions = {}): Promise<void> {
        if (!this.go('start')) {
            return;
        }
        let stopAtOnce = false;
        try {
            const config = readConfig(this.context);
            this.target = this.targetFor(options.commit ? 'commit' : undefined);
            const languageId = options.commit ? 'git-commit' : this.target.editor?.document.languageId;
            // Capture starts at once with the mode and language only: the first words must not wait for a symbol provider.
            // The full context (symbols, dictionary, nearby identifiers) is collected while the user speaks and goes with stop.
            const context: DictationContext = { mode: this.target.mode, ...(languageId ? { languageId } : {}) };
            // confirmDelivery: the sidecar keeps the recording until deliver() says the text is safe (dictation/delivered).
            const params = { ...startParams(config, isEnglishOnlyModel(this.sidecar.status)), context, confirmDelivery: true };
            this.lastSentContext = context;
            // The symbol provider and the dictionary have the whole recording to answer, then CONTEXT_BUDGET_MS after the stop.
            const stopped = new Promise<void>(resolve => { this.closeCollection = resolve; });
            const deadline = stopped.then(() => new Promise<void>(resolve => setTimeout(resolve, CONTEXT_BUDGET_MS)));
            this.fullContext = this.contexts.collect(this.target.mode, this.target.editor, languageId, deadline)
                .then(full => (this.lastSentContext = full), () => undefined);
            const result = await this.sidecar.request(DictationStartRequest.type, params);
            this.dictationId = result.dictationId;
            const device = config.audioSource === 'microphone' ? ` ${config.device || 'default device'}` : '';
            this.log.info(`Dictation ${result.dictationId} started (source ${config.audioSource}${device}${params.vad ? ', hands-free' : ''}, ${context.mode}).`);
            stopAtOnce = this.phase === 'startingThenStop';
            this.go('started');
            this.armLimitWatchdog(result.dictationId, config.maxRecordingSeconds);
        } catch (e) {
            this.reset();
            void showProblem(e, this.log, { retry: () => this.start(options) }); // not awaited: the notification waits for the user, the phase must not
        }
        if (stopAtOnce && this.phase === 'listening') {
            await this.stop();
        }
    }

    /** Wispr: Dictate Commit Message — starts a commit-message dictation, or stops the one that is listening. */
    async dictateCommitMessage(): Promise<void> {
        if (this.phase === 'listening') {
            await this.stop();
        } else {
            await this.start({ commit: true });
        }
    }

    async stop(): Promise<void> {
        const target = this.target ?? { editor: undefined, document: undefined, mode: 'prose' as const };
        if (!this.go('stop')) {
            return;
        }
        const cancellation = new CancellationTokenSource();
        this.stopCancellation = cancellation;
        try {
            // Mostly settled long before a spoken stop; what is still missing gets CONTEXT_BUDGET_MS. A failed collection keeps
            // the start's context.
            this.closeCollection?.();
            const context = await this.fullContext;
            const result = await this.sidecar.request(DictationStopRequest.type,
                { dictationId: this.dictationId, ...(context ? { context } : {}) }, cancellation.token);
            this.logResult(result);
            this.clear();
            if (this.go('textArrived')) {
                await this.deliver(result, target);
            } else {
                this.confirmDelivery(result); // cancelled while the text was on its way: discarded, as the cancel asked
            }
        } catch (e) {
            this.reset();
            void showProblem(e, this.log); // not awaited: the notification waits for the user, the phase must not
        } finally {
            this.stopCancellation = undefined;
            cancellation.dispose();
            this.go('delivered');
        }
    }

    async cancel(): Promise<void> {
        if (this.phase === 'idle') {
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

    /** Transcribes a WAV file (picked when not given) and inserts the text into the active editor; true once the text is out. */
    async transcribeFile(uri?: vscode.Uri): Promise<boolean> {
        const file = uri ?? (await vscode.window.showOpenDialog({
            canSelectMany: false,
            openLabel: 'Transcribe',
            filters: { 'WAV audio': ['wav', 'wave'] },
        }))?.[0];
        if (!file) {
            return false;
        }
        const target = this.targetFor(undefined);
        try {
            const context = await this.contexts.collect(target.mode, target.editor);
            this.lastSentContext = context;
            const result = await vscode.window.withProgress(
                { location: vscode.ProgressLocation.Notification, title: `Wispr: transcribing ${vscode.workspace.asRelativePath(file)}`, cancellable: true },
                (_progress, token) => this.sidecar.request(TranscribeFileRequest.type,
                    { path: file.fsPath, language: languageToSend(readConfig(this.context).language, isEnglishOnlyModel(this.sidecar.status)), context }, token),
            );
            this.logResult(result);
            await this.deliver(result, target);
            return true;
        } catch (e) {
            await showProblem(e, this.log, { retry: () => this.transcribeFile(file) });
            return false;
        }
    }

    dispose(): void {
        clearTimeout(this.limitWatchdog);
        for (const d of this.disposables) {
            d.dispose();
        }
    }

    /**
     * The sidecar stops a recording at its maximum length (`maxDurationMs`) by itself; should that ever fail, this ends a
     * toggle-mode listening that has outlived it, and says so. Cleared whenever the stage changes.
     */
    private armLimitWatchdog(dictationId: string, maxRecordingSeconds: number): void {
        clearTimeout(this.limitWatchdog);
        const ms = maxRecordingSeconds * 1000 + LIMIT_WATCHDOG_SLACK_MS;
        this.limitWatchdog = setTimeout(() => {
            this.limitWatchdog = undefined;
            if (this.phase === 'listening' && this.dictationId === dictationId) {
                this.log.warn(`Dictation ${dictationId} was still listening ${ms} ms after it started, past its maximum length; stopping it.`);
                void vscode.window.showWarningMessage(
                    `Wispr stopped listening: the recording passed its maximum length (${maxRecordingSeconds} s, wispr.audio.maxRecordingSeconds). What was captured is transcribed.`);
                void this.stop();
            }
        }, ms);
    }

    private onSourceEnded(p: DictationSourceEndedNotification.Params): void {
        if (this.dictationId && p.dictationId !== this.dictationId) {
            return; // an older dictation's late notification
        }
        if (p.error) {
            this.log.warn(`The audio source failed after ${p.capturedMs} ms: ${p.error}; transcribing what was captured.`);
            if (this.phase !== 'stopping' && this.phase !== 'delivering') {
                void vscode.window.showWarningMessage(`Wispr: ${p.error} Transcribing the ${(p.capturedMs / 1000).toFixed(1)} s captured so far.`, 'Choose Microphone…')
                    .then(c => c && vscode.commands.executeCommand('wispr.chooseMicrophone'));
            }
        } else if (p.reason === 'limit') {
            this.log.warn(`The recording reached its maximum length (${p.capturedMs} ms); transcribing it.`);
            void vscode.window.showInformationMessage(`Wispr: the recording reached its maximum length (${Math.round(p.capturedMs / 1000)} s) and was stopped; transcribing all of it.`);
        } else {
            this.log.info(`The audio source ended (${p.reason ?? 'end'}) after ${p.capturedMs} ms.`);
        }
        if (this.go('sourceEnded')) {
            return; // it overtook the start reply: stop as soon as start has finished
        }
        if (this.phase === 'listening') {
            // The source has played to its end (or failed): transcribe and insert now, as the user would by stopping.
            void this.stop();
        }
    }

    private onSidecarStateChanged(p: DictationStateChangedNotification.Params): void {
        this.log.debug(`dictation/stateChanged ${p.previousState} → ${p.state}${p.reason ? ` (${p.reason})` : ''}`);
        if (p.dictationId && this.dictationId && p.dictationId !== this.dictationId) {
            return; // an older dictation's late notification
        }
        if (isBusy(this.phase)) {
            // The start or stop in flight sets the phase from its result; a notification may overtake it.
            return;
        }
        if (p.state === DictationStage.Idle) {
            if (p.reason && p.reason !== 'cancelled' && this.stage !== DictationStage.Idle) {
                void vscode.window.showWarningMessage(`Wispr: the dictation ended (${p.reason}).`, 'Show Logs').then(c => c && this.log.show());
            }
            this.reset();
            return;
        }
        this.go(p.state === 'listening' ? 'sidecarListening' : 'sidecarTranscribing');
    }

    /**
     * Inserts `text` at every cursor of `editor` as one edit, as a comment in comment mode; false when the editor refused.
     * Also what "Insert Last Dictation" and the history use.
     */
    async insertInto(editor: vscode.TextEditor, text: string): Promise<boolean> {
        const config = readConfig(this.context);
        const syntax = config.insertionMode === 'comment' ? this.comments.get(editor.document.languageId) : undefined;
        return insertText(editor, { text, mode: config.insertionMode, syntax });
    }

    /**
     * Puts the text where the dictation was meant to go; if that is gone, on the clipboard. Every transcript is recorded
     * in the history first, so "Insert Last Dictation" can bring it back whatever happens next.
     */
    private async deliver(result: TranscriptResult, target: Target): Promise<void> {
        this.lastResult = result;
        this.lastWarning = undefined;
        const text = result.text.trim();
        if (!text) {
            if (this.keyHeld()) {
                this.log.info('Wispr heard no speech; nothing was inserted (no notification while the key is held).');
            } else {
                void vscode.window.showInformationMessage('Wispr heard no speech; nothing was inserted.');
            }
            this.confirmDelivery(result); // no words to keep: a recording to recover would only repeat the silence
            return;
        }
        const document = target.document;
        // Not awaited here: the memento takes the entry at once and persists it in the background; the text should not wait.
        const stored = this.history.add(entryFor({ ...result, text }, {
            file: document && target.mode !== 'commit' ? (document.uri.scheme === 'file' ? document.uri.fsPath : document.uri.toString()) : null,
            languageId: target.mode === 'commit' ? 'git-commit' : document?.languageId ?? null,
            mode: target.mode,
        })).then(() => true, e => {
            this.log.warn(`The dictation history could not be saved: ${e instanceof Error ? e.message : String(e)}`);
            return false;
        });
        const fallback = result.cleanup?.fallbackReason;
        if (fallback) {
            // Not awaited: the text is inserted whatever the user does with the warning.
            this.log.warn(`LLM cleanup unavailable (${fallback}); the rule-cleaned text is used.`);
            this.lastWarning = `Wispr: LLM cleanup unavailable (${fallback}); inserted the rule-cleaned text.`;
            void vscode.window.showWarningMessage(this.lastWarning);
        }
        let why: string;
        if (target.mode === 'commit') {
            const written = await writeCommitMessage(text, document?.uri, this.log);
            if (written.ok) {
                this.confirmDelivery(result);
                return;
            }
            why = written.why;
        } else {
            let editor: vscode.TextEditor | undefined;
            if (document) {
                editor = document.isClosed ? undefined : visibleEditorFor(target);
                why = 'the editor the dictation started in was closed';
            } else {
                editor = vscode.window.activeTextEditor;
                why = 'no editor is active';
            }
            if (editor) {
                try {
                    if (await this.insertInto(editor, text)) {
                        this.confirmDelivery(result);
                        return;
                    }
                    why = 'the editor refused the edit';
                } catch (e) {
                    why = `the edit failed (${e instanceof Error ? e.message : String(e)})`;
                }
            }
        }
        await vscode.env.clipboard.writeText(text);
        const preview = text.length > MESSAGE_PREVIEW_CHARS ? `${text.slice(0, MESSAGE_PREVIEW_CHARS)}…` : text;
        this.log.info(`Transcript copied to the clipboard: ${why}.`);
        void vscode.window.showInformationMessage(
            `Wispr: ${why}, so the transcript is on the clipboard ("Wispr: Insert Last Dictation" inserts it too): "${preview}"`);
        // The clipboard is no keeper: only once the history holds the text may the recording go. If the history failed,
        // the recording stays with the sidecar, and the recovery offers it after the next start.
        void stored.then(ok => ok && this.confirmDelivery(result));
    }

    /**
     * Tells the sidecar this dictation's text is safe (inserted, or in the history), so it deletes the recording it kept for
     * the case that the text never arrived here. Not awaited: the next dictation must not wait for it; a failed confirmation
     * only leaves the recording for recovery.
     */
    private confirmDelivery(result: TranscriptResult): void {
        const dictationId = result.dictationId;
        if (!dictationId) {
            return; // transcribeFile: the file is the caller's
        }
        this.sidecar.request(DictationDeliveredRequest.type, { dictationId }).then(
            r => this.log.debug(`Dictation ${dictationId} confirmed as delivered${r.deleted ? '; its recording was deleted' : ''}.`),
            e => this.log.warn(`Could not confirm dictation ${dictationId} as delivered (its recording stays for recovery): ${e instanceof Error ? e.message : String(e)}`));
    }

    private targetFor(destination: 'commit' | undefined): Target {
        const editor = vscode.window.activeTextEditor;
        const mode: PromptMode = destination === 'commit' ? 'commit' : readConfig(this.context).insertionMode === 'comment' ? 'comment' : 'prose';
        return { editor, document: editor?.document, mode };
    }

    private logResult(result: TranscriptResult): void {
        // Timings only: transcript text is not logged above trace (it may be private).
        this.log.info(
            `Transcribed ${result.audioDurationMs} ms of audio with ${result.backend}: stop→text ${result.timings.stopToTextMs} ms, ASR ${result.timings.asrMs} ms, load ${result.timings.loadMs} ms.`,
        );
        this.log.trace(`Transcript: ${result.text}`);
    }

    /** Forgets the dictation (its id, target and context collection) and goes idle. */
    private reset(): void {
        this.clear();
        this.go('reset');
    }

    private clear(): void {
        this.dictationId = undefined;
        this.target = undefined;
        this.closeCollection?.(); // a collection still waiting settles, instead of waiting for a stop that never comes
        this.closeCollection = undefined;
        this.fullContext = Promise.resolve(undefined);
    }

    /** Moves the phase by `event`; false (and nothing changes) when the event does not apply now. Fires the stage when it changes. */
    private go(event: PhaseEvent): boolean {
        const next = nextPhase(this.phase, event);
        if (next === undefined) {
            return false;
        }
        const before = this.stage;
        this.phase = next;
        const stage = this.stage;
        if (stage !== before) {
            if (stage !== DictationStage.Listening) {
                clearTimeout(this.limitWatchdog);
                this.limitWatchdog = undefined;
            }
            this.stageEmitter.fire(stage);
        }
        return true;
    }
}

function visibleEditorFor(target: Target): vscode.TextEditor | undefined {
    if (!target.editor) {
        return undefined;
    }
    const visible = vscode.window.visibleTextEditors;
    return visible.includes(target.editor) ? target.editor : visible.find(e => e.document === target.document);
}
