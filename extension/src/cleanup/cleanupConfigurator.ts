// Keeps the sidecar's cleanup settings in step with wispr.cleanup.* and the stored keys: after every sidecar start
// (restarts after a crash included, before it counts as ready) and whenever a setting or key changes. A destination
// from workspace settings waits for the user's consent (WorkspaceCleanupConsent), asked when a dictation starts.
import * as vscode from 'vscode';
import { ErrorCodes as JsonRpcErrorCodes, MessageConnection } from 'vscode-jsonrpc';
import { cleanupParams, cleanupSettings, SECTION } from '../config';
import { CleanupConfigureRequest, ErrorCodes, isRpcError } from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { SidecarState } from '../sidecar/sidecarState';
import { showProblem } from '../ui/notify';
import { ApiKeys } from './apiKeys';
import { WorkspaceCleanupConsent } from './workspaceCleanupConsent';

type Send = (params: CleanupConfigureRequest.Params) => Promise<CleanupConfigureRequest.Result>;

export class CleanupConfigurator implements vscode.Disposable {
    private readonly disposables: vscode.Disposable[] = [];
    private unsupportedLogged = false;
    /** A change arrived while a sidecar was starting (its initializer may have read the old values): send once ready. */
    private pending = false;
    private readonly consent: WorkspaceCleanupConsent;

    /** `onDidStartWork` fires when a dictation or transcription starts: the moment to ask about a workspace's destination. */
    constructor(
        context: vscode.ExtensionContext,
        private readonly sidecar: SidecarProcess,
        private readonly keys: ApiKeys,
        private readonly log: vscode.LogOutputChannel,
        onDidStartWork: vscode.Event<unknown>,
    ) {
        this.consent = new WorkspaceCleanupConsent(context.globalState, log);
        this.disposables.push(
            onDidStartWork(() => void this.askIfPending()),
            sidecar.addInitializer((connection: MessageConnection) =>
                this.configure(params => connection.sendRequest(CleanupConfigureRequest.type, params))),
            vscode.workspace.onDidChangeConfiguration(e => {
                if (cleanupSettings.some(k => e.affectsConfiguration(`${SECTION}.${k}`))) {
                    void this.reconfigure();
                }
            }),
            keys.onDidChange(() => void this.reconfigure()),
            sidecar.state.onDidChangeState(state => {
                if (state === SidecarState.Ready && this.pending) {
                    void this.reconfigure();
                }
            }),
        );
    }

    /** Sends the current settings to a running sidecar; one that is not running gets them when it starts. */
    async reconfigure(): Promise<void> {
        if (this.sidecar.state.state !== SidecarState.Ready) {
            // Stopped or crashed: the next start configures it anyway. Starting: it may have read the settings already.
            this.pending = this.sidecar.state.state === SidecarState.Starting;
            return;
        }
        this.pending = false;
        await this.configure(params => this.sidecar.request(CleanupConfigureRequest.type, params));
    }

    /** A workspace destination waiting for consent: ask (not awaited by the dictation), and apply it once allowed. */
    private async askIfPending(): Promise<void> {
        try {
            const { pending } = this.consent.decide();
            if (pending && await this.consent.ask(pending)) {
                await this.reconfigure();
            }
        } catch (e) {
            // No dialog (e.g. VS Code refuses modals while extension tests run): nothing is allowed.
            this.log.warn(`Could not ask about the workspace's cleanup settings: ${e instanceof Error ? e.message : String(e)}`);
        }
    }

    dispose(): void {
        for (const d of this.disposables) {
            d.dispose();
        }
    }

    /** Never throws: a sidecar without cleanup, or invalid settings, must not stop dictation. */
    private async configure(send: Send): Promise<void> {
        const cleanup = this.consent.decide().config;
        // Only the LLM path needs a key; in the other modes none leaves the secret storage.
        const apiKey = cleanup.mode === 'llm' ? await this.keys.get(cleanup.provider) : undefined;
        try {
            const result = await send(cleanupParams(cleanup, apiKey));
            this.log.info(`Cleanup: ${result.mode}${result.mode === 'llm'
                ? ` via ${result.provider ?? '?'} ${result.model ?? '(default model)'} at ${safeAddress(result.baseUrl)}, ${result.hasApiKey ? 'key set' : 'no key'}, timeout ${result.timeoutMs} ms`
                : ''}.`);
        } catch (e) {
            if (isRpcError(e) && e.code === JsonRpcErrorCodes.MethodNotFound) {
                if (!this.unsupportedLogged) {
                    this.unsupportedLogged = true;
                    this.log.warn('This sidecar has no cleanup/configure; wispr.cleanup.* settings are not applied (it uses its own defaults).');
                }
                return;
            }
            if (isRpcError(e) && e.code === ErrorCodes.CleanupConfigInvalid) {
                void showProblem(e, this.log); // not awaited: a start must not wait for the user
                return;
            }
            this.log.warn(`cleanup/configure failed: ${e instanceof Error ? e.message : String(e)}`);
        }
    }
}

/** The address without user info, path or query (they may hold credentials); the provider's default when null. */
export function safeAddress(baseUrl: string | null): string {
    if (!baseUrl) {
        return 'the provider\'s default address';
    }
    try {
        const url = new URL(baseUrl);
        return `${url.protocol}//${url.host}`;
    } catch {
        return '(an invalid address)';
    }
}
