// LLM API keys in VS Code's SecretStorage (the OS keychain): never in settings, files or logs. They reach the sidecar
// only inside `cleanup/configure`, which keeps them in memory.
import * as vscode from 'vscode';
import { LlmProvider } from '../sidecar/protocol';

export const providerLabels: Readonly<Record<LlmProvider, string>> = { openai: 'OpenAI', gemini: 'Gemini' };
const secretKey = (provider: LlmProvider) => `wispr.cleanup.apiKey.${provider}`;

export class ApiKeys implements vscode.Disposable {
    private readonly emitter = new vscode.EventEmitter<void>();
    private readonly subscription: vscode.Disposable;
    /** A stored key was set or deleted (here or in another window). */
    readonly onDidChange = this.emitter.event;

    constructor(private readonly secrets: vscode.SecretStorage) {
        this.subscription = secrets.onDidChange(e => {
            if (e.key.startsWith('wispr.cleanup.apiKey.')) {
                this.emitter.fire();
            }
        });
    }

    async get(provider: LlmProvider): Promise<string | undefined> {
        return (await this.secrets.get(secretKey(provider))) || undefined;
    }

    /** Asks for a key (a password box) and stores it; an empty answer deletes it, Escape changes nothing. */
    async ask(provider: LlmProvider): Promise<void> {
        const label = providerLabels[provider];
        const key = await vscode.window.showInputBox({
            title: `Wispr: ${label} API key`,
            prompt: `The ${label} API key for LLM cleanup (wispr.cleanup.mode = llm). Stored in VS Code's secret storage; empty removes it.`,
            password: true,
            ignoreFocusOut: true,
        });
        if (key === undefined) {
            return;
        }
        if (key.trim()) {
            await this.secrets.store(secretKey(provider), key.trim());
            void vscode.window.showInformationMessage(`Wispr: the ${label} API key is stored.`);
        } else {
            await this.secrets.delete(secretKey(provider));
            void vscode.window.showInformationMessage(`Wispr: the ${label} API key is removed.`);
        }
    }

    async clear(): Promise<void> {
        for (const provider of Object.keys(providerLabels) as LlmProvider[]) {
            await this.secrets.delete(secretKey(provider));
        }
        void vscode.window.showInformationMessage('Wispr: the stored API keys are removed.');
    }

    dispose(): void {
        this.subscription.dispose();
        this.emitter.dispose();
    }
}
