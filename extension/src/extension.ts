// Activation only wires objects together; every disposable goes into context.subscriptions.
import * as vscode from 'vscode';
import { ApiKeys } from './cleanup/apiKeys';
import { CleanupConfigurator } from './cleanup/cleanupConfigurator';
import { affects, SECTION, Settings, readConfig } from './config';
import { CommentSyntaxProvider } from './dictation/commentSyntax';
import { DictationController, DictationStage } from './dictation/dictationController';
import { PushToTalk, releaseBoundMs } from './dictation/pushToTalk';
import { RecordingRecovery } from './dictation/recovery';
import { RemoteServer } from './remote/remoteServer';
import { DictationHistory } from './history/dictationHistory';
import { insertLastDictation, showHistory } from './history/historyCommands';
import { createLog } from './log';
import { SidecarProcess } from './sidecar/sidecarProcess';
import { SidecarStateEvents } from './sidecar/sidecarState';
import { chooseModel } from './models/modelPicker';
import { pickBackend } from './ui/backendPicker';
import { pickMicrophone } from './ui/microphonePicker';
import { showDiagnostics } from './ui/diagnostics';
import { setBackendLookup, showProblem } from './ui/notify';
import { pickLanguage, suggestModelForLanguage } from './ui/languagePicker';
import { StatusBar } from './ui/statusBar';
import { CursorIndicator } from './ui/cursorIndicator';
import { LivePreview } from './dictation/livePreview';
import { DictationSegmentNotification } from './sidecar/protocol';
import { SoundCues } from './ui/sound';
import { createApi, WisprApi } from './api';
import { registerTestHooks } from './testHooks';
import { ContextCollector } from './vocabulary/contextCollector';

let sidecar: SidecarProcess | undefined;

/** The id of the walkthrough in package.json's contributes.walkthroughs. */
export const WALKTHROUGH_ID = 'wispr.gettingStarted';

export function activate(context: vscode.ExtensionContext): WisprApi {
    const log = createLog();
    const state = new SidecarStateEvents();
    const sidecarProcess = new SidecarProcess(context, log, state);
    sidecar = sidecarProcess;
    const comments = new CommentSyntaxProvider(log);
    const history = new DictationHistory(context.globalState);
    const dictation = new DictationController(context, sidecarProcess, comments, log, new ContextCollector(context, log), history);
    const statusBar = new StatusBar(sidecarProcess, dictation, () => readConfig(context).language);
    setBackendLookup(() => sidecarProcess.status?.backend);
    const indicator = new CursorIndicator();
    const preview = new LivePreview(() => readConfig(context).livePreview);
    context.subscriptions.push(sidecarProcess.event(DictationSegmentNotification.type)(p => preview.accept(p)));
    const sounds = new SoundCues(context, log, () => readConfig(context).sound);
    const keys = new ApiKeys(context.secrets);
    // Registered before the first start below, so every sidecar process gets the cleanup settings before it is ready.
    const cleanup = new CleanupConfigurator(context, sidecarProcess, keys, log,
        stage => dictation.onDidChangeStage(s => s !== DictationStage.Idle && stage(s)));
    // Offers recordings a crash, kill or reload left behind each time a sidecar becomes ready.
    const recovery = new RecordingRecovery(sidecarProcess, dictation, log);
    // The remote backend's server settings and key, sent to every sidecar before it is ready; its faults offer Retry or the local model.
    const remote = new RemoteServer(context, sidecarProcess, dictation, log);
    context.subscriptions.push(log, state, sidecarProcess, comments, dictation, statusBar, indicator, keys, cleanup, recovery, remote);

    const command = (id: string, run: (...args: unknown[]) => Promise<unknown> | unknown) =>
        context.subscriptions.push(vscode.commands.registerCommand(id, run));
    const testHooks = registerTestHooks(context, log);
    // The shortcut's auto-repeat arrives as repeated calls: PushToTalk turns them into tap-to-toggle / hold-to-talk.
    const makePushToTalk = () => {
        const timing = readConfig(context).pressTiming;
        log.debug(`Push-to-talk: release threshold ≥ ${timing.releaseMs} ms (adaptive), grace ${timing.graceMs} ms; listening ends at most ${releaseBoundMs(timing)} ms after the last key repeat.`);
        return new PushToTalk(
            {
                isIdle: () => dictation.idle,
                isStarting: () => dictation.starting,
                isListening: () => dictation.stage === DictationStage.Listening,
                start: () => dictation.start(),
                stop: () => dictation.stop(),
            },
            () => readConfig(context).pushToTalkMode,
            timing,
            undefined,
            {
                watchdog: message => {
                    log.warn(message);
                    void vscode.window.showWarningMessage(message);
                },
                info: message => log.info(message),
                phase: phase => testHooks?.pressPhase(phase),
            },
        );
    };
    let pushToTalk = makePushToTalk();
    dictation.keyHeld = () => pushToTalk.keyHeld;
    context.subscriptions.push({ dispose: () => pushToTalk.dispose() });
    command('wispr.toggleDictation', () => pushToTalk.invoke());
    command('wispr.startDictation', () => dictation.start());
    command('wispr.stopDictation', () => dictation.stop());
    command('wispr.cancelDictation', () => dictation.cancel());
    command('wispr.dictateCommitMessage', () => dictation.dictateCommitMessage());
    command('wispr.insertLastDictation', () => insertLastDictation(history, dictation));
    command('wispr.showHistory', () => showHistory(history, dictation));
    command('wispr.recoverRecordings', () => recovery.pick());
    command('wispr.setOpenAiApiKey', () => keys.ask('openai'));
    command('wispr.setGeminiApiKey', () => keys.ask('gemini'));
    command('wispr.clearApiKeys', () => keys.clear());
    command('wispr.setRemoteKey', () => remote.askKey());
    command('wispr.transcribeFile', (uri?: unknown) => dictation.transcribeFile(uri instanceof vscode.Uri ? uri : undefined));
    command('wispr.switchBackend', () => pickBackend(context, sidecarProcess, log));
    command('wispr.chooseModel', () => chooseModel(context, sidecarProcess, log));
    command('wispr.chooseMicrophone', () => pickMicrophone(context, sidecarProcess, log));
    command('wispr.showDiagnostics', () => showDiagnostics(sidecarProcess, log));
    command('wispr.chooseLanguage', () => pickLanguage(context));
    // VS Code opens the walkthrough itself when the extension is installed (workbench.welcomePage.walkthroughs.openOnInstall).
    command('wispr.openWalkthrough', () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false));
    command('wispr.showLogs', () => log.show());
    const restart = (): Promise<void> => sidecarProcess.restart().catch(e => showProblem(e, log, { retry: restart }));
    command('wispr.restartSidecar', restart);
    command('wispr.insertAsComment', async () => {
        const config = vscode.workspace.getConfiguration(SECTION);
        const next = readConfig(context).insertionMode === 'comment' ? 'text' : 'comment';
        await config.update(Settings.insertionMode, next, vscode.ConfigurationTarget.Global);
        void vscode.window.showInformationMessage(next === 'comment' ? 'Wispr: dictation is inserted as a comment.' : 'Wispr: dictation is inserted as plain text.');
    });

    // A new sidecar or model needs a new sidecarProcess; wait for a running dictation to end so no words are lost.
    let restartPending = false;
    const restartWhenIdle = () => {
        if (dictation.stage === DictationStage.Idle) {
            restartPending = false;
            void sidecarProcess.restart().catch(e => showProblem(e, log));
        } else {
            restartPending = true;
            log.info('Settings changed; the sidecar restarts when this dictation ends.');
        }
    };
    // Feedback follows the stage: context keys (the palette offers Stop/Cancel only while a dictation runs), the
    // indicator at the cursors, and the optional sounds.
    let previousStage = DictationStage.Idle;
    const onStage = (stage: DictationStage) => {
        void vscode.commands.executeCommand('setContext', 'wispr.dictationStage', stage);
        void vscode.commands.executeCommand('setContext', 'wispr.dictating', stage !== DictationStage.Idle);
        const editor = dictation.targetEditor;
        // The indicator shows the phase, and the words recognised so far while the user speaks (never in the document).
        preview.setStage(stage, dictation.currentDictationId, editor && {
            show: (phase, text) => indicator.show(editor, phase, text),
            hide: () => indicator.hide(),
        });
        if (stage === DictationStage.Idle || !editor) {
            indicator.hide();
        }
        if (stage === DictationStage.Listening) {
            sounds.play('start');
        } else if (previousStage === DictationStage.Listening) {
            sounds.play('stop');
        }
        previousStage = stage;
    };
    onStage(dictation.stage);
    context.subscriptions.push(
        dictation.onDidChangeStage(stage => {
            onStage(stage);
            if (restartPending && stage === DictationStage.Idle) {
                restartWhenIdle();
            }
        }),
        vscode.workspace.onDidChangeConfiguration(e => {
            const modelChange = affects(e, Settings.modelPath, Settings.parakeetModelPath);
            // The model picker writes the model setting after the sidecar has switched to that model: no restart then.
            if (affects(e, Settings.sidecarPath, Settings.modelsBaseUrl, Settings.recognitionThreads, Settings.audioContext) || (modelChange && !sidecarProcess.followsModelSettings(readConfig(context)))
                || e.affectsConfiguration('http.proxy') || e.affectsConfiguration('http.proxyStrictSSL')) {
                restartWhenIdle();
            }
            if (affects(e, Settings.holdMs, Settings.repeatDelayMs, Settings.releaseMs, Settings.graceMs)) {
                pushToTalk.dispose();
                pushToTalk = makePushToTalk();
            }
            if (affects(e, Settings.traceServer)) {
                void sidecarProcess.setTrace(readConfig(context).traceServer);
            }
            if (affects(e, Settings.language)) {
                statusBar.update();
                void suggestModelForLanguage(readConfig(context).language, sidecarProcess);
            }
        }),
        log.onDidChangeLogLevel(level => log.info(`Log level is now ${vscode.LogLevel[level]}; the sidecar picks it up when it next starts.`)),
    );

    // Start now so the model is ready by the first dictation; failures are reported, and the next command tries again.
    void sidecarProcess.start().catch(e => showProblem(e, log, { retry: restart }));
    return createApi(sidecarProcess, dictation, history, indicator);
}

export function deactivate(): Promise<void> | undefined {
    return sidecar?.stop();
}
