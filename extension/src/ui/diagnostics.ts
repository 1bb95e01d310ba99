// "Wispr: Show Diagnostics": what the sidecar holds in memory, from a fresh `status`.
import * as vscode from 'vscode';
import { InitializeRequest, Status, StatusRequest } from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
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
    const label = (id: string | null) => (id === null ? 'none' : init?.capabilities.backends.find(b => b.id === id)?.label ?? id);
    return [
        `Selected backend: ${label(status.backend)}${status.switching ? ' (switching…)' : ''}`,
        `Resident backend: ${label(status.residentBackend)}`,
        `Model: ${status.model ? `${status.model.path} (${status.model.loaded ? 'loaded' : 'not loaded'})` : 'default, not loaded'}`,
        `Model size on disk: ${size(status.model?.sizeBytes)}`,
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
