// Shows errors from the sidecar (keyed by error.code) and from the extension itself, with their actions.
import * as vscode from 'vscode';
import { actionLabels, describeRpcError, ErrorAction, UserMessage } from '../dictation/errorMessages';
import { isRpcError } from '../sidecar/protocol';
import { SECTION, Settings } from '../config';

export function messageFor(e: unknown): UserMessage {
    if (isRpcError(e)) {
        return describeRpcError(e.code, e.message);
    }
    const text = e instanceof Error ? e.message : String(e);
    return { severity: 'error', text: text.startsWith('Wispr') ? text : `Wispr: ${text}`, actions: ['showLogs'] };
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

export async function showProblem(e: unknown, log: vscode.LogOutputChannel): Promise<void> {
    const handler = isRpcError(e) ? handlers.get(e.code) : undefined;
    if (handler && isRpcError(e) && await handler(e, log)) {
        return;
    }
    const message = messageFor(e);
    const code = isRpcError(e) ? ` (code ${e.code})` : '';
    if (message.severity === 'silent') {
        log.debug(`${message.text}${code}`);
        return;
    }
    const line = `${message.text}${code}`;
    if (message.severity === 'error') {
        log.error(line);
    } else if (message.severity === 'warning') {
        log.warn(line);
    } else {
        log.info(line);
    }
    const labels = message.actions.map(a => actionLabels[a]);
    const show = message.severity === 'error'
        ? vscode.window.showErrorMessage
        : message.severity === 'warning'
            ? vscode.window.showWarningMessage
            : vscode.window.showInformationMessage;
    const choice = await show(message.text, ...labels);
    const action = message.actions.find(a => actionLabels[a] === choice);
    if (action) {
        await runAction(action, log);
    }
}

async function runAction(action: ErrorAction, log: vscode.LogOutputChannel): Promise<void> {
    switch (action) {
        case 'showLogs':
            log.show();
            return;
        case 'openModelSetting':
            // Both model settings (wispr.whisper.modelPath, wispr.parakeet.modelPath): the error may come from either backend.
            await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION} modelPath`);
            return;
        case 'openAudioSetting':
            await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.${Settings.wavFile}`);
            return;
        case 'restartSidecar':
            await vscode.commands.executeCommand('wispr.restartSidecar');
            return;
        case 'chooseMicrophone':
            await vscode.commands.executeCommand('wispr.chooseMicrophone');
            return;
        case 'openCleanupSettings':
            await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.cleanup`);
            return;
        case 'openRemoteSettings':
            await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.remote`);
            return;
        case 'setRemoteKey':
            await vscode.commands.executeCommand('wispr.setRemoteKey');
            return;
    }
}
