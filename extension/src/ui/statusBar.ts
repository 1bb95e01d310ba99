// Two status bar items. "Wispr: <state>" names the product and what it is doing, and a click does the obvious next
// thing: start dictation, stop and insert, cancel a transcription, restart a crashed sidecar. The second item shows the
// speech backend; a click on it switches backends. The third shows the dictation language; a click chooses it. `update()` is the only place that sets their look.
import * as vscode from 'vscode';
import { DictationController, DictationStage } from '../dictation/dictationController';
import { AudioLevelNotification, ModelProgressNotification } from '../sidecar/protocol';
import { backendDisplay, backendTooltip } from './backendLabel';
import { describeLevel } from './levelMeter';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { SidecarState } from '../sidecar/sidecarState';
import { isEnglishOnlyModel, languageBadge, languageName, needsMultilingualModel } from '../language/languages';

export class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('wispr.status', vscode.StatusBarAlignment.Right, 100);
    private readonly backendItem = vscode.window.createStatusBarItem('wispr.backend', vscode.StatusBarAlignment.Right, 99);
    private readonly languageItem = vscode.window.createStatusBarItem('wispr.language', vscode.StatusBarAlignment.Right, 98);
    private readonly disposables: vscode.Disposable[] = [];
    /** The latest model download/verify/load progress; cleared at "ready". */
    private progress: ModelProgressNotification.Params | undefined;
    /** The latest input level of the running dictation, when it arrived, and when listening began. */
    private level: AudioLevelNotification.Params | undefined;
    private levelAt = 0;
    private listeningSince = 0;
    /** While listening, re-checks for silence twice a second (a muted recorder may send nothing at all). */
    private silenceTimer: NodeJS.Timeout | undefined;

    /** @param language the `wispr.language` setting ("auto" or a code), read on every update. */
    constructor(private readonly sidecar: SidecarProcess, private readonly dictation: DictationController, private readonly language: () => string) {
        this.item.name = 'Wispr';
        this.backendItem.name = 'Wispr speech backend';
        this.backendItem.command = 'wispr.switchBackend';
        this.languageItem.name = 'Wispr dictation language';
        this.languageItem.command = 'wispr.chooseLanguage';
        this.disposables.push(
            this.item,
            this.backendItem,
            this.languageItem,
            sidecar.state.onDidChangeState(() => this.update()),
            sidecar.onDidChangeStatus(() => this.update()),
            dictation.onDidChangeStage(stage => this.onStage(stage)),
            sidecar.onAudioLevel(p => {
                this.level = p;
                this.levelAt = Date.now();
                this.update();
            }),
            { dispose: () => clearInterval(this.silenceTimer) },
            sidecar.onModelProgress(p => {
                this.progress = p.stage === 'ready' ? undefined : p;
                this.update();
            }),
        );
        this.update();
        this.item.show();
    }

    update(): void {
        const backend = this.backendLabel();
        const sidecarState = this.sidecar.state.state;
        const stage = this.dictation.stage;
        let text: string;
        let tooltip: string;
        let background: vscode.ThemeColor | undefined;
        let command: string | undefined;
        if (sidecarState === SidecarState.Crashed) {
            text = '$(error) Wispr: Crashed';
            tooltip = 'The Wispr sidecar crashed. Click to restart it; "Wispr: Show Logs" says why.';
            background = new vscode.ThemeColor('statusBarItem.errorBackground');
            command = 'wispr.restartSidecar';
        } else if (sidecarState === SidecarState.Starting) {
            text = '$(loading~spin) Wispr: Starting';
            tooltip = 'The Wispr sidecar is starting.';
        } else if (sidecarState !== SidecarState.Ready) {
            text = '$(debug-disconnect) Wispr: Off';
            tooltip = 'The Wispr sidecar is not running; it starts with the next dictation. Click to start dictation.';
            command = 'wispr.startDictation';
        } else if (stage === DictationStage.Listening) {
            const now = Date.now();
            const level = describeLevel(this.level, now - (this.level ? this.levelAt : this.listeningSince));
            text = level.silent ? '$(warning) Wispr: Listening, no sound' : `$(mic-filled) Wispr: Listening ${level.meter}`.trimEnd();
            tooltip = level.silent
                ? `${level.tooltip}\nClick to choose the microphone; "Wispr: Stop Dictation and Insert" or "Wispr: Cancel Dictation" ends the dictation.`
                : 'Wispr is listening. Click (or run "Wispr: Toggle Dictation", or release the held key) to stop and insert; '
                    + `"Wispr: Cancel Dictation" discards it.\n${level.tooltip}`;
            background = new vscode.ThemeColor(level.silent ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
            // Silence is a fault to fix (a muted or wrong microphone), like a crash: the click goes to the fix.
            command = level.silent ? 'wispr.chooseMicrophone' : 'wispr.stopDictation';
        } else if (stage === DictationStage.Transcribing) {
            text = '$(sync~spin) Wispr: Transcribing';
            tooltip = 'Wispr is transcribing. Click to cancel (nothing is inserted).';
            command = 'wispr.cancelDictation';
        } else if (this.progress) {
            text = `$(cloud-download) Wispr: ${describeProgress(this.progress)}`;
            tooltip = `Wispr is preparing the model ${this.progress.file}.`;
        } else {
            text = '$(mic) Wispr: Ready';
            tooltip = 'Wispr is ready. Click to start dictation; click again to stop and insert. '
                + 'Or hold Ctrl+Alt+Space (Cmd+Alt+Space on macOS) while you speak.';
            command = 'wispr.startDictation';
        }
        this.item.text = text;
        this.item.tooltip = tooltip;
        this.item.backgroundColor = background;
        this.item.command = command;

        if (backend) {
            this.backendItem.text = `$(server-process) ${backend}`;
            this.backendItem.tooltip = backendTooltip(this.sidecar.status?.backend ?? null, backend);
            this.backendItem.show();
        } else {
            this.backendItem.hide();
        }
        this.updateLanguage();
    }

    private updateLanguage(): void {
        const code = this.language();
        const unheard = needsMultilingualModel(code, isEnglishOnlyModel(this.sidecar.status));
        this.languageItem.text = `${unheard ? '$(warning)' : '$(globe)'} ${languageBadge(code)}`;
        this.languageItem.tooltip = unheard
            ? `Dictation language: ${languageName(code)}, but the current model hears only English. Click to choose the language; "Wispr: Choose Model…" for a multilingual model.`
            : `Dictation language: ${languageName(code)}. Click to choose it.`;
        this.languageItem.show();
    }

    private onStage(stage: DictationStage): void {
        clearInterval(this.silenceTimer);
        this.silenceTimer = undefined;
        this.level = undefined;
        if (stage === DictationStage.Listening) {
            this.listeningSince = Date.now();
            this.silenceTimer = setInterval(() => this.update(), 500);
        }
        this.update();
    }

    dispose(): void {
        for (const d of this.disposables) {
            d.dispose();
        }
    }

    /** The backend's label (e.g. "Whisper", "remote: gpu-box:8000"); undefined before the sidecar reported one. */
    private backendLabel(): string | undefined {
        const id = this.sidecar.status?.backend;
        if (!id) {
            return undefined;
        }
        return backendDisplay(id, this.sidecar.status, this.sidecar.initializeResult);
    }
}

export function describeProgress(p: ModelProgressNotification.Params): string {
    if (p.stage === 'download') {
        const percent = p.totalBytes && p.receivedBytes !== undefined ? ` ${Math.floor((100 * p.receivedBytes) / p.totalBytes)}%` : '';
        return `downloading model${percent}`;
    }
    return p.stage === 'verify' ? 'verifying model' : 'loading model';
}
