// Test-only commands for the end-to-end suite. Registered only when the harness sets WISPR_E2E_TEST_HOOKS=1, and never
// contributed in package.json, so the shipped product's palette cannot list them; a test reaches them through a
// keybinding in its own keybindings.json.
import * as vscode from 'vscode';
import { PressPhase } from './dictation/pushToTalk';

export const TEST_HOOKS_ENV = 'WISPR_E2E_TEST_HOOKS';

interface BlockArgs {
    /** Delay before blocking, so the test can start a key hold first. */
    afterMs?: number;
    /** How long the extension host's event loop is blocked. */
    forMs?: number;
}

export interface TestHooks {
    /** The shortcut's press detector changed phase. */
    pressPhase(phase: PressPhase): void;
}

export function registerTestHooks(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): TestHooks | undefined {
    if (process.env[TEST_HOOKS_ENV] !== '1') {
        return undefined;
    }
    log.warn(`${TEST_HOOKS_ENV}=1: test-only commands are registered.`);
    // The press detector's phase, for the page to read: a tap is a new press only once the previous one is over, and a
    // loaded host stretches that window (it makes up for late timers), so tests wait for "idle" instead of a fixed gap.
    const press = vscode.window.createStatusBarItem('wispr.test.press', vscode.StatusBarAlignment.Left, -1000);
    press.name = 'Wispr test: press';
    press.text = 'Wispr test: press idle';
    press.show();
    context.subscriptions.push(press);
    let blocks = 0;
    context.subscriptions.push(vscode.commands.registerCommand('wispr.test.blockExtensionHost', (args?: BlockArgs) => {
        const forMs = args?.forMs ?? 400;
        setTimeout(() => {
            // A busy-wait, as a busy language server or extension would: no timer, no message runs meanwhile.
            const end = Date.now() + forMs;
            while (Date.now() < end) {
                // spin
            }
            blocks++;
            log.info(`Test hook: the extension host was blocked for ${forMs} ms (#${blocks}).`);
            // The test waits for this message (numbered, one per invocation) to know its block happened.
            context.subscriptions.push(vscode.window.setStatusBarMessage(`Wispr test: blocked ${forMs} ms (#${blocks})`, 15000));
        }, args?.afterMs ?? 0);
    }));
    return { pressPhase: phase => (press.text = `Wispr test: press ${phase}`) };
}
