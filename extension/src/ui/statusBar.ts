// One status bar item: backend + sidecar/dictation state. `update()` is the only place that sets its look.
import * as vscode from 'vscode';
import { DictationController, DictationStage } from '../dictation/dictationController';
import { ModelProgressNotification } from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { SidecarState } from '../sidecar/sidecarState';

export class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('wispr.status', vscode.StatusBarAlignment.Right, 100);
    private readonly disposables: vscode.Disposable[] = [];
    /** The latest model download/verify/load progress; cleared at "ready". */
    private progress: ModelProgressNotification.Params | undefined;

    constructor(private readonly sidecar: SidecarProcess, private readonly dictation: DictationController) {
        this.item.name = 'Wispr';
        this.item.command = 'wispr.switchBackend';
        this.disposables.push(
            this.item,
            sidecar.state.onDidChangeState(() => this.update()),
            sidecar.onDidChangeStatus(() => this.update()),
            dictation.onDidChangeStage(() => this.update()),
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
            text = `$(mic-filled) ${backend}: listening`;
            tooltip = 'Wispr is listening. Run "Wispr: Toggle Dictation" again to stop and insert.';
            background = new vscode.ThemeColor('statusBarItem.warningBackground');
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
