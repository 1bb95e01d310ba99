// "Wispr: Show Diagnostics": what the sidecar holds in memory, from a fresh `status`.
import * as vscode from 'vscode';
import { InitializeRequest, Status, StatusRequest } from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { backendDisplay } from './backendLabel';
import { showProblem } from './notify';

const MiB = 1024 * 1024;

function size(bytes: number | null | undefined): string {
    if (bytes === null || bytes === undefined) {
        return 'unknown';
    }
    return bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(2)} GiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

/** The diagnostics as lines of text; pure, so the unit tests check it without VS Code. */
export function formatDiagnostics(status: Status, init: InitializeRequest.Result | undefined): string[] {
    const label = (id: string | null) => backendDisplay(id, status, init);
    const remote = status.residentBackend === 'remote';
    return [
        `Selected backend: ${label(status.backend)}${status.switching ? ' (switching…)' : ''}`,
        `Resident backend: ${label(status.residentBackend)}`,
        `Model: ${status.model ? `${status.model.path} (${status.model.loaded ? 'loaded' : 'not loaded'})` : 'default, not loaded'}`,
        remote ? 'Model size on disk: none (the remote backend holds one HTTP client; the audio goes to that server)' : `Model size on disk: ${size(status.model?.sizeBytes)}`,
        `Sidecar memory (working set): ${size(status.workingSetBytes)}, peak ${size(status.peakWorkingSetBytes)}`,
        `Managed heap: ${size(status.managedHeapBytes)}`,
        `Dictation: ${status.state}`,
        ...(init ? [`Sidecar ${init.sidecarVersion}, pid ${init.pid}, ${init.runtime}`] : []),
    ];
}

export async function showDiagnostics(sidecar: SidecarProcess, log: vscode.LogOutputChannel): Promise<void> {
    try {
        const status = await sidecar.request(StatusRequest.type, {});
        sidecar.updateStatus(status);
        const lines = formatDiagnostics(status, sidecar.initializeResult);
        for (const line of lines) {
            log.info(`[diagnostics] ${line}`);
        }
        void vscode.window.showInformationMessage('Wispr diagnostics', { modal: true, detail: lines.join('\n') });
    } catch (e) {
        await showProblem(e, log);
    }
}
