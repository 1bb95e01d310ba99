// "Wispr: Choose Model…": pick a model of the catalog, download it with a progress notification (percent, MB/s, Cancel),
// and make it the model of its backend; delete models, reveal the cache folder, or use a model file the user already has.
import * as vscode from 'vscode';
import { modelPathFor, modelSettingFor, readConfig, SECTION } from '../config';
import {
    ErrorCodes,
    isRpcError,
    ModelListItem,
    ModelsDeleteRequest,
    ModelsDownloadRequest,
    ModelsListRequest,
    ModelsUseFileRequest,
} from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { showProblem } from '../ui/notify';
import { buildDeleteItems, buildModelItems, describeDownload, formatBytes, ModelPickEntry } from './modelItems';

interface Item extends vscode.QuickPickItem {
    entry: ModelPickEntry;
}

function toItems(entries: ModelPickEntry[]): Item[] {
    return entries.map(entry => entry.separator
        ? { label: entry.label, kind: vscode.QuickPickItemKind.Separator, entry }
        : { label: entry.label, description: entry.description, detail: entry.detail, entry });
}

export async function chooseModel(context: vscode.ExtensionContext, sidecar: SidecarProcess, log: vscode.LogOutputChannel): Promise<void> {
    let list: ModelsListRequest.Result;
    try {
        await sidecar.start();
        // wispr.language (a code or "auto"), where that setting exists, steers the recommendation.
        const language = vscode.workspace.getConfiguration(SECTION).get<string>('language') || undefined;
        list = await sidecar.request(ModelsListRequest.type, language ? { language } : {});
    } catch (e) {
        await showProblem(e, log);
        return;
    }
    const picked = await vscode.window.showQuickPick(toItems(buildModelItems(list)), {
        title: 'Wispr: choose a speech model',
        placeHolder: 'Downloaded models are marked ✓; choosing another downloads it',
        matchOnDescription: true,
        matchOnDetail: true,
    });
    const action = picked?.entry.action;
    switch (action?.kind) {
        case 'model':
            await downloadAndUse(context, sidecar, log, action.model);
            return;
        case 'delete':
            await deleteModel(sidecar, log, list);
            return;
        case 'reveal':
            await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(list.cacheFolder));
            return;
        case 'useFile':
            await useFile(sidecar, log);
            return;
        default:
            return;
    }
}

/** Downloads (unless on disk), then selects it and remembers it in its backend's model setting. */
export async function downloadAndUse(context: vscode.ExtensionContext, sidecar: SidecarProcess, log: vscode.LogOutputChannel, model: ModelListItem): Promise<boolean> {
    try {
        if (!model.downloaded) {
            const done = await vscode.window.withProgress(
                { location: vscode.ProgressLocation.Notification, title: `Wispr: downloading ${model.label}`, cancellable: true },
                async (progress, token) => {
                    let reported = 0;
                    const subscription = sidecar.onModelsDownloadProgress(p => {
                        if (p.id !== model.id) {
                            return;
                        }
                        const percent = p.totalBytes > 0 ? (100 * p.receivedBytes) / p.totalBytes : 0;
                        progress.report({ increment: Math.max(0, percent - reported), message: describeDownload(p.receivedBytes, p.totalBytes, p.bytesPerSecond) });
                        reported = Math.max(reported, percent);
                    });
                    try {
                        await sidecar.request(ModelsDownloadRequest.type, { id: model.id }, token);
                        return true;
                    } catch (e) {
                        if (token.isCancellationRequested) {
                            log.info(`Download of ${model.id} cancelled; what arrived is kept and the next download resumes.`);
                            return false;
                        }
                        throw e;
                    } finally {
                        subscription.dispose();
                    }
                },
            );
            if (!done) {
                return false;
            }
        }
        await useModel(context, sidecar, model.backend, model.id, model.label);
        log.info(`Model is now ${model.id} (${model.backend}).`);
        return true;
    } catch (e) {
        await showDownloadProblem(e, context, sidecar, log, model);
        return false;
    }
}

/**
 * Selects the model (a catalog id or a path) for its backend and remembers it in that backend's model setting. The setting is
 * written first and marked as followed, so the settings listener does not restart the sidecar for it, and a recycling switch
 * (wispr.backend.recycleProcessOnSwitch) starts the fresh sidecar with it; a failed switch puts the old value back.
 */
async function useModel(context: vscode.ExtensionContext, sidecar: SidecarProcess, backend: string, value: string, label: string): Promise<void> {
    const setting = modelSettingFor(backend);
    const config = readConfig(context);
    const previous = modelPathFor(config, backend);
    const settings = vscode.workspace.getConfiguration(SECTION);
    if (setting && previous !== value) {
        sidecar.noteModelApplied(backend, value);
        await settings.update(setting, value, vscode.ConfigurationTarget.Global);
    }
    try {
        await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Wispr: loading ${label}` },
            () => sidecar.selectBackend(backend, value, undefined, config.recycleProcessOnSwitch),
        );
    } catch (e) {
        if (setting && previous !== value) {
            sidecar.noteModelApplied(backend, previous);
            await settings.update(setting, previous ?? undefined, vscode.ConfigurationTarget.Global);
        }
        throw e;
    }
}

/** Offline, 404, full disk or a bad checksum: a short message with Retry, Choose File…, Copy Download Link, Open Folder. */
async function showDownloadProblem(e: unknown, context: vscode.ExtensionContext, sidecar: SidecarProcess, log: vscode.LogOutputChannel, model: ModelListItem): Promise<void> {
    if (!isRpcError(e) || ![ErrorCodes.ModelDownloadFailed, ErrorCodes.ModelSourceUnreachable, ErrorCodes.ModelSourceNotFound,
        ErrorCodes.ModelChecksumMismatch, ErrorCodes.InsufficientDiskSpace].includes(e.code as never)) {
        await showProblem(e, log);
        return;
    }
    log.error(`Download of ${model.id} failed (code ${e.code}): ${e.message}`);
    const short = e.code === ErrorCodes.ModelSourceUnreachable
        ? `Wispr could not reach the model server for ${model.label}. Check the network or proxy.`
        : e.code === ErrorCodes.InsufficientDiskSpace
            ? `Not enough disk space for ${model.label} (${formatBytes(model.sizeBytes)}).`
            : e.code === ErrorCodes.ModelChecksumMismatch
                ? `The download of ${model.label} was damaged and was discarded.`
                : `The download of ${model.label} failed. What arrived is kept; Retry resumes.`;
    const retry = 'Retry';
    const chooseFile = 'Choose File…';
    const copy = 'Copy Download Link';
    const open = 'Open Folder';
    const choice = await vscode.window.showErrorMessage(short, retry, chooseFile, copy, open);
    if (choice === retry) {
        await downloadAndUse(context, sidecar, log, { ...model, downloaded: false });
    } else if (choice === chooseFile) {
        await useFile(sidecar, log);
    } else if (choice === copy) {
        await vscode.env.clipboard.writeText(model.urls.join('\n'));
        void vscode.window.showInformationMessage(`Wispr: the download link is on the clipboard. Put the file at ${model.path}.`);
    } else if (choice === open) {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(model.path));
    }
}

async function deleteModel(sidecar: SidecarProcess, log: vscode.LogOutputChannel, list: ModelsListRequest.Result): Promise<void> {
    const picked = await vscode.window.showQuickPick(toItems(buildDeleteItems(list)), { title: 'Wispr: delete a downloaded model' });
    const action = picked?.entry.action;
    if (action?.kind !== 'model') {
        return;
    }
    try {
        const result = await sidecar.request(ModelsDeleteRequest.type, { id: action.model.id });
        void vscode.window.showInformationMessage(`Wispr: deleted ${action.model.label} (${formatBytes(result.freedBytes)} freed).`);
    } catch (e) {
        await showProblem(e, log);
    }
}

/** "Use a model file I already have": validated by the sidecar before use, used where it is (not copied). */
export async function useFile(sidecar: SidecarProcess, log: vscode.LogOutputChannel): Promise<void> {
    const chosen = await vscode.window.showOpenDialog({
        title: 'Wispr: a Whisper model file (.bin) or a Parakeet model folder',
        canSelectFiles: true,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Use This Model',
    });
    const path = chosen?.[0]?.fsPath;
    if (!path) {
        return;
    }
    try {
        await sidecar.start();
        const result = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: 'Wispr: checking and loading the model' },
            () => sidecar.request(ModelsUseFileRequest.type, { path }),
        );
        sidecar.updateStatus(result.status);
        sidecar.rememberBackend(result.backend);
        // The sidecar already uses it: write the setting as followed, so no restart.
        const setting = modelSettingFor(result.backend);
        if (setting) {
            sidecar.noteModelApplied(result.backend, result.path);
            await vscode.workspace.getConfiguration(SECTION).update(setting, result.path, vscode.ConfigurationTarget.Global);
        }
        void vscode.window.showInformationMessage(`Wispr: now using ${result.path} (${result.backend}).`);
    } catch (e) {
        await showProblem(e, log);
    }
}
