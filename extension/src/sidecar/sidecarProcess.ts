// Owns the sidecar's lifetime inside VS Code: locate, spawn, initialize, restart after crashes, stop.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { CancellationToken, MessageConnection, NotificationType, RequestType, ResponseError, Tracer } from 'vscode-jsonrpc/node';
import { modelPathFor, readConfig, SECTION, TraceSetting, WisprConfig } from '../config';
import { logSidecarLine, sidecarLogLevel } from '../log';
import { CrashPolicyOptions, decideAfterCrash, defaultCrashPolicy, pruneCrashTimes } from './crashPolicy';
import { locateSidecar } from './locateSidecar';
import {
    BackendSelectRequest,
    DictationSourceEndedNotification,
    DictationStateChangedNotification,
    ErrorCodes,
    InitializeRequest,
    AudioLevelNotification,
    DictationLimitApproachingNotification,
    DictationRecordingUnsavedNotification,
    ModelProgressNotification,
    ModelsDownloadProgressNotification,
    Status,
    StatusRequest,
} from './protocol';
import { describeExit, explainExit, modelDownloadEnvironment, ProtocolErrorExitCode, SidecarConnection, SidecarExit } from './sidecarConnection';
import { SidecarState, SidecarStateEvents } from './sidecarState';

const STOP_TIMEOUT_MS = 3_000;
const PROTOCOL_VERSION = 1;

export class SidecarProcess implements vscode.Disposable {
    private current: SidecarConnection | undefined;
    private starting: Promise<SidecarConnection> | undefined;
    private stopping: Promise<void> | undefined;
    private restartTimer: NodeJS.Timeout | undefined;
    private crashTimes: number[] = [];
    private gaveUp = false;
    private gaveUpNotified = false;
    private protocolErrorNotified = false;
    private initResult: InitializeRequest.Result | undefined;
    private latestStatus: Status | undefined;
    /** The backend the user picked this session; re-selected after a restart (initialize takes no backend). */
    private preferredBackend: string | undefined;
    /** Run on every fresh connection after `initialize`, before the sidecar counts as ready (e.g. cleanup/configure). */
    private readonly initializers: ((connection: MessageConnection) => Promise<void>)[] = [];

    /** One emitter per notification method, created by the first subscriber; every connection feeds them all. */
    private readonly notificationEmitters = new Map<string, vscode.EventEmitter<unknown>>();
    private readonly statusEmitter = new vscode.EventEmitter<Status>();
    /** The model setting values (per backend) the running sidecar follows: from `initialize`, or set by the model picker. */
    private appliedModels: Record<string, string | null> = {};

    /** `dictation/stateChanged` from whichever sidecar process is current. */
    readonly onDictationStateChanged = this.event(DictationStateChangedNotification.type);
    /** `dictation/sourceEnded`: the audio source ran out or failed while listening. */
    readonly onDictationSourceEnded = this.event(DictationSourceEndedNotification.type);
    readonly onModelProgress = this.event(ModelProgressNotification.type);
    /** `audio/level`: the input level while listening (at most 20 a second). */
    readonly onAudioLevel = this.event(AudioLevelNotification.type);
    /** `dictation/limitApproaching`: the recording will be cut at its maximum length soon. */
    readonly onLimitApproaching = this.event(DictationLimitApproachingNotification.type);
    /** `dictation/recordingUnsaved`: the running dictation cannot be kept on disk, so a crash would lose it. */
    readonly onRecordingUnsaved = this.event(DictationRecordingUnsavedNotification.type);
    /** A fresh `Status` (from `initialize`, `status` or `backend/select`). */
    readonly onDidChangeStatus = this.statusEmitter.event;
    /** `models/downloadProgress`: a `models/download` on its way. */
    readonly onModelsDownloadProgress = this.event(ModelsDownloadProgressNotification.type);

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly log: vscode.LogOutputChannel,
        readonly state: SidecarStateEvents,
        private readonly crashPolicy: CrashPolicyOptions = defaultCrashPolicy,
    ) {}

    /**
     * The one way to listen to the sidecar: any notification of protocol.ts, from whichever sidecar process is current
     * (restarts included). A new notification needs its protocol.ts entry and a subscriber, nothing here.
     */
    event<P>(type: NotificationType<P>): vscode.Event<P> {
        return (listener, thisArgs, disposables) => {
            let emitter = this.notificationEmitters.get(type.method);
            if (!emitter) {
                emitter = new vscode.EventEmitter<unknown>();
                this.notificationEmitters.set(type.method, emitter);
            }
            return emitter.event(p => listener.call(thisArgs, p as P), undefined, disposables);
        };
    }

    /** The last `initialize` result; undefined until the first start succeeds. */
    get initializeResult(): InitializeRequest.Result | undefined {
        return this.initResult;
    }

    get status(): Status | undefined {
        return this.latestStatus;
    }

    /** Records a Status returned by a request (e.g. `backend/select`) so the UI shows it. */
    updateStatus(status: Status): void {
        this.latestStatus = status;
        this.statusEmitter.fire(status);
    }

    /**
     * Selects a backend and remembers it, so a restarted sidecar gets the same one. With `recycle` (the
     * wispr.backend.recycleProcessOnSwitch setting) a running sidecar is restarted and the new backend loaded into the fresh
     * process, so whatever native memory the old model kept goes back to the system.
     */
    async selectBackend(backend: string, modelPath: string | null, token?: CancellationToken, recycle = false): Promise<Status> {
        const previous = this.preferredBackend;
        try {
            if (recycle && this.current) {
                this.log.info(`Restarting the sidecar to switch to ${backend} (wispr.backend.recycleProcessOnSwitch).`);
                this.preferredBackend = backend;
                await this.restart();
                if (this.latestStatus?.backend === backend && this.latestStatus.residentBackend === backend) {
                    return this.latestStatus;
                }
                // The fresh sidecar could not load it: ask again below, so the error reaches the user.
            }
            const status = await this.request(BackendSelectRequest.type, { backend, modelPath }, token);
            this.preferredBackend = backend;
            this.updateStatus(status);
            return status;
        } catch (e) {
            this.preferredBackend = previous;
            // The sidecar rolled back to the backend resident before; show that, not the state from before the attempt.
            void this.refreshStatus();
            throw e;
        }
    }

    /** A backend the sidecar selected by itself (`models/useFile`): a restarted sidecar gets it too. */
    rememberBackend(backend: string): void {
        this.preferredBackend = backend;
    }

    /** The model picker gives (or is about to give) the running sidecar this model for this backend. */
    noteModelApplied(backend: string, model: string | null): void {
        this.appliedModels[backend] = model;
    }

    /** True when the running sidecar already follows these model settings, so a change to them needs no restart. */
    followsModelSettings(config: WisprConfig): boolean {
        return this.current !== undefined
            && ['whisper', 'parakeet'].every(b => (this.appliedModels[b] ?? null) === modelPathFor(config, b));
    }

    /** Asks for a fresh `status` (when a sidecar is running) and publishes it; failures only log. */
    private async refreshStatus(): Promise<void> {
        if (!this.current || this.state.state !== SidecarState.Ready) {
            return;
        }
        try {
            this.updateStatus(await this.current.connection.sendRequest(StatusRequest.type, {}));
        } catch (e) {
            this.log.debug(`status after a failed switch: ${errorText(e)}`);
        }
    }

    /**
     * Registers a step that configures every new sidecar process (the first and each restart) right after `initialize`.
     * It gets the raw connection because `request` would wait for the start it is part of; it must not throw.
     */
    addInitializer(initializer: (connection: MessageConnection) => Promise<void>): vscode.Disposable {
        this.initializers.push(initializer);
        return { dispose: () => this.initializers.splice(this.initializers.indexOf(initializer) >>> 0, 1) };
    }

    /** Starts the sidecar unless it is already running or starting. */
    async start(): Promise<void> {
        await this.connectionForRequest();
    }

    /** Sends a request, starting the sidecar first when it is not running. */
    async request<P, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R> {
        const connection = await this.connectionForRequest();
        if (token?.isCancellationRequested) {
            // Cancelled while the sidecar was starting: nothing to send.
            throw new ResponseError(ErrorCodes.RequestCanceled, `${type.method} was cancelled.`);
        }
        try {
            return await connection.connection.sendRequest(type, params, token);
        } catch (e) {
            // A crash rejects pending requests with vscode-jsonrpc's own "connection got disposed"; say what happened instead.
            const exit = connection.hasExited ? await connection.exited : undefined;
            if (exit) {
                throw new Error(`The Wispr sidecar stopped while handling ${type.method} (${describeExit(exit)}).`);
            }
            throw e;
        }
    }

    /** Asks the sidecar to shut down, waits up to a timeout, then kills it. */
    async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
        this.clearRestartTimer();
        if (this.stopping) {
            return this.stopping;
        }
        this.stopping = this.doStop(timeoutMs).finally(() => (this.stopping = undefined));
        return this.stopping;
    }

    /** Stop, then start; also forgets earlier crashes, so automatic restarts are allowed again. */
    async restart(): Promise<void> {
        this.log.info('Restarting the sidecar.');
        this.crashTimes = [];
        this.gaveUp = false;
        await this.stop();
        await this.start();
    }

    /** Applies `wispr.trace.server` to the running connection (new connections read it at start). */
    async setTrace(value: TraceSetting): Promise<void> {
        await this.current?.setTrace(value, this.tracer);
    }

    dispose(): void {
        void this.stop();
        for (const emitter of this.notificationEmitters.values()) {
            emitter.dispose();
        }
        this.statusEmitter.dispose();
    }

    private readonly tracer: Tracer = {
        log: (message: unknown, data?: string) => {
            const text = typeof message === 'string' ? message : JSON.stringify(message);
            // Shown at info: whoever turned tracing on wants to see it whatever the channel's level.
            this.log.info(`[rpc] ${text}${data ? `\n${data}` : ''}`);
        },
    };

    private async connectionForRequest(): Promise<SidecarConnection> {
        if (this.stopping) {
            await this.stopping;
        }
        if (this.current && this.state.state === SidecarState.Ready) {
            return this.current;
        }
        if (this.starting) {
            return this.starting;
        }
        if (this.gaveUp) {
            throw new Error('The Wispr sidecar kept crashing and was not restarted. Run "Wispr: Restart Sidecar" after checking the logs.');
        }
        // An explicit request does not wait out a pending crash back-off.
        this.clearRestartTimer();
        this.starting = this.doStart().finally(() => (this.starting = undefined));
        return this.starting;
    }

    private async doStart(): Promise<SidecarConnection> {
        this.state.set(SidecarState.Starting);
        const config = readConfig(this.context);
        let connection: SidecarConnection;
        try {
            const launch = locateSidecar({
                env: process.env,
                settingPath: config.sidecarPath,
                extensionRoot: this.context.extensionPath,
                platform: process.platform,
                arch: process.arch,
                exists: p => fs.existsSync(p),
                log: m => this.log.info(m),
            });
            connection = SidecarConnection.start(launch, {
                env: modelDownloadEnvironment(process.env, {
                    proxy: vscode.workspace.getConfiguration('http').get<string>('proxy'),
                    proxyStrictSSL: vscode.workspace.getConfiguration('http').get<boolean>('proxyStrictSSL'),
                    modelBaseUrl: vscode.workspace.getConfiguration(SECTION).get<string>('models.baseUrl'),
                }),
                logLevel: sidecarLogLevel(this.log.logLevel),
                clientProcessId: process.pid,
                recognition: config.recognition,
                onStderrLine: line => logSidecarLine(this.log, line),
                logger: {
                    error: m => this.log.error(`[rpc] ${m}`),
                    warn: m => this.log.warn(`[rpc] ${m}`),
                    info: m => this.log.info(`[rpc] ${m}`),
                    log: m => this.log.debug(`[rpc] ${m}`),
                },
            });
            this.log.debug(`Sidecar command line: ${connection.commandLine}`);
        } catch (e) {
            // Nothing to restart: the sidecar could not be found.
            this.state.set(SidecarState.Stopped);
            this.log.error(errorText(e));
            throw e;
        }

        this.current = connection;
        // Every notification, by method, to whoever subscribed through event(); one with no subscriber is dropped.
        connection.connection.onNotification((method: string, params: unknown) => this.notificationEmitters.get(method)?.fire(params));
        void connection.exited.then(exit => this.onExit(connection, exit));
        if (config.traceServer !== 'off') {
            await connection.setTrace(config.traceServer, this.tracer);
        }

        try {
            const result = await connection.initialize({
                clientName: 'wispr-vscode',
                clientVersion: String((this.context.extension.packageJSON as { version?: unknown }).version ?? ''),
                modelPath: config.modelPath,
                parakeetModelPath: config.parakeetModelPath,
            });
            this.initResult = result;
            this.appliedModels = { whisper: config.modelPath, parakeet: config.parakeetModelPath };
            if (result.protocolVersion !== PROTOCOL_VERSION) {
                this.log.warn(`The sidecar speaks protocol ${String(result.protocolVersion)}; this extension expects ${PROTOCOL_VERSION}. Rebuild or update one of them.`);
            }
            this.log.info(
                `Sidecar ${result.sidecarVersion} ready (pid ${result.pid}, ${result.runtime}, protocol ${result.protocolVersion}, backend ${result.status.backend}).`,
            );
            if (this.current === connection) {
                // Configuration first: re-selecting the remote backend after a restart needs its server (remote/configure).
                for (const initialize of [...this.initializers]) {
                    await initialize(connection.connection).catch(e => this.log.warn(`Configuring the sidecar failed: ${errorText(e)}`));
                }
                this.updateStatus(await this.reapplyBackend(connection, result.status, config));
            }
            if (this.current === connection) {
                this.state.set(SidecarState.Ready);
            }
            return connection;
        } catch (e) {
            this.log.error(`Sidecar initialize failed: ${errorText(e)}`);
            if (!connection.hasExited && this.current === connection) {
                // The process lives but refused to initialize: restarting it would only repeat that.
                this.current = undefined;
                void connection.kill();
                this.state.set(SidecarState.Crashed);
            }
            // If it exited instead, onExit applies the crash policy.
            throw e;
        }
    }

    private async reapplyBackend(connection: SidecarConnection, status: Status, config: WisprConfig): Promise<Status> {
        const wanted = this.preferredBackend;
        if (!wanted || wanted === status.backend) {
            return status;
        }
        try {
            this.log.info(`Selecting the ${wanted} backend again after the restart.`);
            return await connection.connection.sendRequest(BackendSelectRequest.type, { backend: wanted, modelPath: modelPathFor(config, wanted) });
        } catch (e) {
            this.log.warn(`Could not select the ${wanted} backend again: ${errorText(e)}`);
            return status;
        }
    }

    private async doStop(timeoutMs: number): Promise<void> {
        if (this.starting) {
            await this.starting.catch(() => undefined);
        }
        const connection = this.current;
        // Detach first: the exit that follows is asked for, not a crash.
        this.current = undefined;
        if (connection) {
            const exit = await connection.stop(timeoutMs);
            this.log.info(`Sidecar stopped (${describeExit(exit)}).`);
        }
        this.state.set(SidecarState.Stopped);
    }

    private onExit(connection: SidecarConnection, exit: SidecarExit): void {
        if (connection !== this.current) {
            return; // a stop we asked for, or a connection already replaced
        }
        this.current = undefined;
        this.state.set(SidecarState.Crashed);
        const why = explainExit(exit);
        this.log.error(`The sidecar exited unexpectedly (${describeExit(exit)})${why ? `: ${why}` : ''}.`);
        if (exit.code === ProtocolErrorExitCode) {
            // Not a crash of the sidecar but a fault on this side of the wire: say so, once, even though a restart follows.
            this.notifyProtocolError();
        }

        if (exit.error) {
            // The program could not be started at all (e.g. `dotnet` missing): retrying cannot help.
            this.giveUp(`The Wispr sidecar could not be started: ${exit.error.message}`);
            return;
        }
        const now = Date.now();
        this.crashTimes = pruneCrashTimes([...this.crashTimes, now], now, this.crashPolicy);
        const decision = decideAfterCrash(this.crashTimes, now, this.crashPolicy);
        if (decision.action === 'giveUp') {
            this.giveUp(
                `The Wispr sidecar crashed ${decision.crashesInWindow} times within ${Math.round(this.crashPolicy.windowMs / 60_000)} minutes and will not be restarted automatically.`,
            );
            return;
        }
        this.log.info(`Restarting the sidecar in ${decision.delayMs} ms (crash ${decision.crashesInWindow} of ${this.crashPolicy.maxCrashes}).`);
        this.clearRestartTimer();
        this.restartTimer = setTimeout(() => {
            this.restartTimer = undefined;
            this.start().catch(e => this.log.error(`Automatic restart failed: ${errorText(e)}`));
        }, decision.delayMs);
    }

    private notifyProtocolError(): void {
        if (this.protocolErrorNotified) {
            return;
        }
        this.protocolErrorNotified = true;
        void vscode.window.showErrorMessage(
            'Wispr: the sidecar stopped because it could not read the extension\'s messages (protocol error). It is restarted; the reason is in the log.',
            'Show Logs',
        ).then(choice => {
            if (choice === 'Show Logs') {
                this.log.show();
            }
        });
    }

    private giveUp(message: string): void {
        this.gaveUp = true;
        this.log.error(message);
        if (this.gaveUpNotified) {
            return; // one notification per session; the status bar keeps showing the crashed state
        }
        this.gaveUpNotified = true;
        void vscode.window.showErrorMessage(message, 'Show Logs').then(choice => {
            if (choice === 'Show Logs') {
                this.log.show();
            }
        });
    }

    private clearRestartTimer(): void {
        if (this.restartTimer) {
            clearTimeout(this.restartTimer);
            this.restartTimer = undefined;
        }
    }
}

export function errorText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}
