// One status bar item: backend + sidecar/dictation state. `update()` is the only place that sets its look.
import * as vscode from 'vscode';
import { DictationController, DictationStage } from '../dictation/dictationController';
import { AudioLevelNotification, ModelProgressNotification } from '../sidecar/protocol';
import { describeLevel } from './levelMeter';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { SidecarState } from '../sidecar/sidecarState';

export class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('wispr.status', vscode.StatusBarAlignment.Right, 100);
    private readonly disposables: vscode.Disposable[] = [];
    /** The latest model download/verify/load progress; cleared at "ready". */
    private progress: ModelProgressNotification.Params | undefined;
    /** The latest input level of the running dictation, when it arrived, and when listening began. */
    private level: AudioLevelNotification.Params | undefined;
    private levelAt = 0;
    private listeningSince = 0;
    /** While listening, re-checks for silence twice a second (a muted recorder may send nothing at all). */
    private silenceTimer: NodeJS.Timeout | undefined;

    constructor(private readonly sidecar: SidecarProcess, private readonly dictation: DictationController) {
        this.item.name = 'Wispr';
        this.item.command = 'wispr.switchBackend';
        this.disposables.push(
            this.item,
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
        let text: string;
        let tooltip: string;
        let background: vscode.ThemeColor | undefined;
        let command = 'wispr.switchBackend';
        if (sidecarState === SidecarState.Crashed) {
            text = '$(error) Wispr';
            tooltip = 'The Wispr sidecar crashed. Run "Wispr: Restart Sidecar" or see "Wispr: Show Logs".';
            background = new vscode.ThemeColor('statusBarItem.errorBackground');
        } else if (sidecarState === SidecarState.Starting) {
            text = '$(loading~spin) Wispr';
            tooltip = 'The Wispr sidecar is starting.';
        } else if (sidecarState !== SidecarState.Ready) {
            text = '$(debug-disconnect) Wispr';
            tooltip = 'Wispr: the sidecar is not running; it starts on the next dictation.';
        } else if (this.dictation.stage === DictationStage.Listening) {
            const now = Date.now();
            const level = describeLevel(this.level, now - (this.level ? this.levelAt : this.listeningSince));
            text = level.silent ? `$(warning) ${backend}: listening, no sound` : `$(mic-filled) ${backend}: listening ${level.meter}`.trimEnd();
            tooltip = `Wispr is listening. Run "Wispr: Toggle Dictation" again (or release the key) to stop and insert.\n${level.tooltip}`;
            background = new vscode.ThemeColor(level.silent ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
            command = level.silent ? 'wispr.chooseMicrophone' : command;
        } else if (this.progress) {
            text = `$(cloud-download) ${backend}: ${describeProgress(this.progress)}`;
            tooltip = `Wispr is preparing the model ${this.progress.file}.`;
        } else if (this.dictation.stage === DictationStage.Transcribing) {
            text = `$(sync~spin) ${backend}: transcribing`;
            tooltip = 'Wispr is transcribing.';
        } else {
            text = `$(mic) ${backend}`;
            tooltip = 'Wispr is idle.';
        }
        this.item.text = text;
        this.item.tooltip = `${tooltip}\nBackend: ${backend}. Click to switch backends.`;
        this.item.backgroundColor = background;
        this.item.command = command;
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

    private backendLabel(): string {
        const id = this.sidecar.status?.backend;
        if (!id) {
            return 'Wispr';
        }
        const info = this.sidecar.initializeResult?.capabilities.backends.find(b => b.id === id);
        return info?.label ?? id;
    }
}

export function describeProgress(p: ModelProgressNotification.Params): string {
    if (p.stage === 'download') {
        const percent = p.totalBytes && p.receivedBytes !== undefined ? ` ${Math.floor((100 * p.receivedBytes) / p.totalBytes)}%` : '';
        return `downloading model${percent}`;
    }
    return p.stage === 'verify' ? 'verifying model' : 'loading model';
}
