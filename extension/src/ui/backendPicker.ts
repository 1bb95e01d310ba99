// The "Switch Speech Backend" quick pick: backends from `initialize` capabilities; unavailable ones say why.
import * as vscode from 'vscode';
import { modelPathFor, readConfig, readRemote } from '../config';
import { BackendInfo } from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { backendPickText, serverHost } from './backendLabel';
import { showProblem } from './notify';

interface BackendItem extends vscode.QuickPickItem {
    backend?: BackendInfo;
}

export async function pickBackend(context: vscode.ExtensionContext, sidecar: SidecarProcess, log: vscode.LogOutputChannel): Promise<void> {
    try {
        await sidecar.start();
    } catch (e) {
        await showProblem(e, log);
        return;
    }
    const backends = sidecar.initializeResult?.capabilities.backends ?? [];
    const current = sidecar.status?.backend;
    // The remote backend names the server the audio would go to, so the user sees where before picking it.
    const host = serverHost(readRemote().baseUrl);
    const toItem = (b: BackendInfo): BackendItem => ({ ...backendPickText(b, current, host), backend: b });
    const available = backends.filter(b => b.available).map(toItem);
    const unavailable = backends.filter(b => !b.available).map(toItem);
    const items: BackendItem[] = unavailable.length > 0
        ? [...available, { label: 'Unavailable', kind: vscode.QuickPickItemKind.Separator }, ...unavailable]
        : available;
    const picked = await vscode.window.showQuickPick(items, { title: 'Wispr: speech backend', placeHolder: 'Choose the speech recognition backend' });
    const backend = picked?.backend;
    if (!backend || backend.id === current) {
        return;
    }
    if (!backend.available) {
        void vscode.window.showInformationMessage(`Wispr: ${backend.label} is not available. ${backend.reason ?? ''}`.trim());
        return;
    }
    const config = readConfig(context);
    const modelPath = modelPathFor(config, backend.id);
    try {
        const status = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Wispr: switching to ${backend.label}`, cancellable: true },
            (_progress, token) => sidecar.selectBackend(backend.id, modelPath, token, config.recycleProcessOnSwitch),
        );
        log.info(`Backend is now ${status.backend}.`);
    } catch (e) {
        await showProblem(e, log);
    }
}
