// A repository's .vscode/settings.json can name an LLM cleanup mode, provider and address; with the user's API key that
// would send every dictation, and the key, to a server the repository chose. So a destination that comes from workspace
// settings is used only after the user allows it once for that folder, provider and address (a modal naming the host,
// shown when a dictation starts); until then the user's own settings apply. Consents live in globalState: the user's,
// out of any repository's reach.
import * as vscode from 'vscode';
import { CleanupConfig, CleanupLayers, readCleanupLayers } from '../config';
import { LlmProvider } from '../sidecar/protocol';
import { providerLabels } from './apiKeys';

const CONSENTS_KEY = 'wispr.cleanup.workspaceConsents';
/** The consent dialog's first, default button: Enter declines, as Escape and Cancel do. */
export const DONT_ALLOW = "Don't Allow";

/** Where each provider sends requests when no address is set. */
export const defaultAddresses: Readonly<Record<LlmProvider, string>> = {
    openai: 'https://api.openai.com',
    gemini: 'https://generativelanguage.googleapis.com',
};

/** scheme://host[:port] of where an LLM configuration sends transcripts and its key (the whole value if unparsable). */
export function destinationOf(c: Pick<CleanupConfig, 'provider' | 'baseUrl'>): string {
    if (!c.baseUrl) {
        return defaultAddresses[c.provider] ?? c.provider;
    }
    try {
        const url = new URL(c.baseUrl);
        return `${url.protocol}//${url.host}`;
    } catch {
        return c.baseUrl;
    }
}

export interface ConsentRequest {
    /** What a consent is stored under: the workspace, the provider and the address. */
    id: string;
    workspace: string;
    provider: LlmProvider;
    address: string;
}

export interface CleanupDecision {
    /** What to send to the sidecar now. */
    config: CleanupConfig;
    /** Set when the workspace's destination waits for the user's consent (`config` is then the user's own). */
    pending?: ConsentRequest;
}

/**
 * Which cleanup settings apply. Consent is needed when the workspace's values make the LLM stage send somewhere the
 * user's own settings would not (another mode, provider or address); values that only turn cleanup down need none.
 */
export function decideCleanup(layers: CleanupLayers, workspace: string | undefined, isAllowed: (id: string) => boolean): CleanupDecision {
    const { merged, user } = layers;
    if (layers.workspaceKeys.length === 0 || merged.mode !== 'llm') {
        return { config: merged };
    }
    const address = destinationOf(merged);
    if (user.mode === 'llm' && user.provider === merged.provider && destinationOf(user) === address) {
        return { config: merged };
    }
    const ws = workspace ?? '';
    const id = JSON.stringify([ws, merged.provider, address]);
    return isAllowed(id) ? { config: merged } : { config: user, pending: { id, workspace: ws, provider: merged.provider, address } };
}

export class WorkspaceCleanupConsent {
    /** Declined in this window: not asked again until the window reloads. */
    private readonly declined = new Set<string>();
    private asking: Promise<boolean> | undefined;
    private lastLogged: string | undefined;

    constructor(private readonly globalState: vscode.Memento, private readonly log: vscode.LogOutputChannel) {}

    /** The settings to use now; logs once when a workspace destination waits for consent. */
    decide(): CleanupDecision {
        const layers = readCleanupLayers();
        const decision = decideCleanup(layers, workspaceId(), id => this.allowed().includes(id));
        const note = decision.pending
            ? `The workspace's settings (${layers.workspaceKeys.map(k => `wispr.${k}`).join(', ')}) send LLM cleanup to `
                + `${decision.pending.address}; ${this.declined.has(decision.pending.id) ? 'you declined that, so' : 'until you allow it at the next dictation,'}`
                + ' your own cleanup settings apply.'
            : undefined;
        if (note && note !== this.lastLogged) {
            this.log.warn(note);
        }
        this.lastLogged = note;
        return decision;
    }

    /** Asks once per window (one dialog at a time); resolves true when the user allowed it. */
    ask(request: ConsentRequest): Promise<boolean> {
        if (this.declined.has(request.id)) {
            return Promise.resolve(false);
        }
        this.asking ??= this.show(request).finally(() => {
            this.asking = undefined;
        });
        return this.asking;
    }

    private async show(request: ConsentRequest): Promise<boolean> {
        const host = hostOf(request.address);
        const label = providerLabels[request.provider] ?? request.provider;
        // VS Code makes the first item the default button (focused, so Enter presses it) and adds a Cancel of its own
        // (Escape): "Don't Allow" comes first so that neither key can send anything to the workspace's address.
        const answer = await vscode.window.showWarningMessage(
            `This workspace's settings send your dictations to ${host} for LLM cleanup. Allow it?`,
            {
                modal: true,
                detail: `Workspace: ${vscode.workspace.name ?? request.workspace}\n`
                    + `Address: ${request.address} (${label} API, with your ${label} API key if you have set one)\n\n`
                    + 'Until you allow it, your own cleanup settings apply. Allow is remembered for this folder and address; '
                    + 'Don\'t Allow and Cancel hold until the window reloads.',
            },
            DONT_ALLOW,
            'Allow',
        );
        if (answer === 'Allow') {
            await this.globalState.update(CONSENTS_KEY, [...this.allowed().filter(id => id !== request.id), request.id]);
            this.log.info(`LLM cleanup at ${request.address} allowed for this workspace.`);
            return true;
        }
        this.declined.add(request.id);
        this.log.info(`LLM cleanup at ${request.address} from the workspace's settings declined (${answer === DONT_ALLOW ? DONT_ALLOW : 'closed'}); `
            + 'your own cleanup settings apply.');
        return false;
    }

    private allowed(): string[] {
        const v = this.globalState.get<unknown>(CONSENTS_KEY);
        return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    }
}

/** The workspace a consent belongs to: the .code-workspace file, else the first folder. */
function workspaceId(): string | undefined {
    return (vscode.workspace.workspaceFile ?? vscode.workspace.workspaceFolders?.[0]?.uri)?.toString();
}

function hostOf(address: string): string {
    try {
        return new URL(address).host || address;
    } catch {
        return address;
    }
}
