// Shows errors from the sidecar (keyed by error.code) and from the extension itself: a short message with the buttons that
// fix it; the full text goes to the log.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { actionLabels, describeFailure, describeRpcError, ErrorAction, UserMessage } from '../dictation/errorMessages';
import { isRpcError } from '../sidecar/protocol';
import { SECTION, Settings } from '../config';

export interface ProblemOptions {
    /** Runs the failed operation again; without it no Retry button is offered. */
    retry?: () => unknown;
}

export function messageFor(e: unknown): UserMessage {
    if (isRpcError(e)) {
        return describeRpcError(e.code, e.message);
    }
    return describeFailure(e instanceof Error ? e.message : String(e));
}

/** The selected backend (for "Choose File…": a Whisper file or a Parakeet folder); set at activation. */
let currentBackend: () => string | undefined = () => undefined;
export function setBackendLookup(lookup: () => string | undefined): void {
    currentBackend = lookup;
}

/** The latest problem shown (or, if silent, logged): its error code, if an RPC error, and its text. For the API. */
export interface ShownProblem {
    code: number | undefined;
    text: string;
}
let latest: ShownProblem | undefined;
export function latestProblem(): ShownProblem | undefined {
    return latest;
}


/** Takes over the report of some error codes (e.g. a remote server's fault, which offers Retry and the local model); true when handled. */
export type ProblemHandler = (e: { code: number; message: string }, log: vscode.LogOutputChannel) => Promise<boolean>;
const handlers = new Map<number, ProblemHandler>();

export function registerProblemHandler(codes: readonly number[], handler: ProblemHandler): vscode.Disposable {
    for (const code of codes) {
        handlers.set(code, handler);
    }
    return { dispose: () => codes.forEach(code => handlers.get(code) === handler && handlers.delete(code)) };
}

export async function showProblem(e: unknown, log: vscode.LogOutputChannel, options: ProblemOptions = {}): Promise<void> {
    const handler = isRpcError(e) ? handlers.get(e.code) : undefined;
    if (handler && isRpcError(e) && await handler(e, log)) {
        return;
    }
    const message = messageFor(e);
    latest = { code: isRpcError(e) ? e.code : undefined, text: message.text };
    const code = isRpcError(e) ? ` (code ${e.code})` : '';
    const line = `${message.text}${code}${message.detail && message.detail !== message.text ? ` — ${message.detail}` : ''}`;
    if (message.severity === 'silent') {
        log.debug(line);
        return;
    }
    if (message.severity === 'error') {
        log.error(line);
    } else if (message.severity === 'warning') {
        log.warn(line);
    } else {
        log.info(line);
    }
    const actions = message.actions.filter(a => available(a, options, message));
    // Two actions may share a label ("Choose File…"); the first one of a label wins.
    const labels = [...new Set(actions.map(a => actionLabels[a]))];
    const show = message.severity === 'error'
        ? vscode.window.showErrorMessage
        : message.severity === 'warning'
            ? vscode.window.showWarningMessage
            : vscode.window.showInformationMessage;
    const choice = await show(message.text, ...labels);
    const action = actions.find(a => actionLabels[a] === choice);
    if (action) {
        await runAction(action, log, options, message);
    }
}

function available(action: ErrorAction, options: ProblemOptions, message: UserMessage): boolean {
    switch (action) {
        case 'retry':
            return options.retry !== undefined;
        case 'openFolder':
            // The OS file manager is on this machine only; in a remote window the folder is on the other side.
            return message.path !== undefined && vscode.env.remoteName === undefined;
        default:
            return true;
    }
}

async function runAction(action: ErrorAction, log: vscode.LogOutputChannel, options: ProblemOptions, message: UserMessage): Promise<void> {
    switch (action) {
        case 'retry':
            await options.retry?.();
            return;
        case 'showLogs':
            log.show();
            return;
        case 'chooseModel':
            await vscode.commands.executeCommand('wispr.chooseModel');
            return;
        case 'chooseModelFile':
            await chooseModelFile(log);
            return;
        case 'chooseAudioFile':
            await vscode.commands.executeCommand('wispr.transcribeFile');
            return;
        case 'openFolder':
            if (message.path) {
                await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(message.path));
            }
            return;
        case 'transcribeSaved':
            await vscode.commands.executeCommand('wispr.recoverRecordings');
            return;
        case 'openAudioSetting':
            await openSetting(`${SECTION}.${Settings.wavFile}`, true);
            return;
        case 'restartSidecar':
            await vscode.commands.executeCommand('wispr.restartSidecar');
            return;
        case 'chooseMicrophone':
            await vscode.commands.executeCommand('wispr.chooseMicrophone');
            return;
        case 'openCleanupSettings':
            await openSetting(`${SECTION}.cleanup`, false);
            return;
        case 'openRemoteSettings':
            await openSetting(`${SECTION}.remote`, true); // machine-scoped: the Remote tab in a remote window
            return;
        case 'setRemoteKey':
            await vscode.commands.executeCommand('wispr.setRemoteKey');
            return;
    }
}

/**
 * Opens the Settings editor at a setting. Machine-scoped settings show only on the Remote tab of a remote window, so
 * there they open through `openRemoteSettings` (which takes the same query); elsewhere the User tab has them.
 */
export async function openSetting(id: string, machineScoped: boolean): Promise<void> {
    // A whole key opens exactly that setting; a group ("wispr.cleanup") is a search.
    const query = id.split('.').length > 2 ? `@id:${id}` : id;
    if (machineScoped && vscode.env.remoteName !== undefined) {
        await vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query });
    } else {
        await vscode.commands.executeCommand('workbench.action.openSettings', query);
    }
}

/** "Choose File…" for a model: a ggml file for Whisper, a folder for Parakeet; it goes into that backend's model setting. */
async function chooseModelFile(log: vscode.LogOutputChannel): Promise<void> {
    const parakeet = currentBackend() === 'parakeet';
    const picked = await vscode.window.showOpenDialog({
        canSelectFiles: !parakeet,
        canSelectFolders: parakeet,
        canSelectMany: false,
        openLabel: 'Use This Model',
        title: parakeet ? 'Wispr: the Parakeet model folder' : 'Wispr: a Whisper model file (ggml-*.bin)',
        ...(parakeet ? {} : { filters: { 'Whisper ggml model': ['bin'] } }),
    });
    const file = picked?.[0];
    if (!file) {
        return;
    }
    const key = parakeet ? Settings.parakeetModelPath : Settings.modelPath;
    // Machine-overridable: Global writes the user settings here and the remote machine's in a remote window.
    await vscode.workspace.getConfiguration(SECTION).update(key, file.fsPath, vscode.ConfigurationTarget.Global);
    log.info(`Model set to ${file.fsPath} (${SECTION}.${key}); it is checked before it is loaded.`);
    void vscode.window.showInformationMessage(`Wispr: using the model ${path.basename(file.fsPath)}.`);
}
