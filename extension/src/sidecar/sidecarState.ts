// The sidecar's lifecycle state, kept apart from the process wrapper so UI code can subscribe without holding it.
import * as vscode from 'vscode';

export enum SidecarState {
    Stopped = 'stopped',
    Starting = 'starting',
    Ready = 'ready',
    Crashed = 'crashed',
}

export class SidecarStateEvents implements vscode.Disposable {
    private readonly emitter = new vscode.EventEmitter<SidecarState>();
    private current = SidecarState.Stopped;

    readonly onDidChangeState: vscode.Event<SidecarState> = this.emitter.event;

    get state(): SidecarState {
        return this.current;
    }

    set(state: SidecarState): void {
        if (state !== this.current) {
            this.current = state;
            this.emitter.fire(state);
        }
    }

    dispose(): void {
        this.emitter.dispose();
    }
}
