// Puts a dictated commit message into the Source Control input box through the built-in Git extension's API (v1).
import * as path from 'node:path';
import * as vscode from 'vscode';

/** The few parts of the vscode.git API (extensions/git/src/api/git.d.ts) used here. */
interface GitRepository {
    rootUri: vscode.Uri;
    inputBox: { value: string };
}
interface GitApi {
    state: 'uninitialized' | 'initialized';
    onDidChangeState(listener: (state: string) => unknown): vscode.Disposable;
    repositories: GitRepository[];
}
interface GitExtension {
    enabled?: boolean;
    getAPI(version: 1): GitApi;
}

const GIT_READY_MS = 3_000;

export type CommitWriteResult = { ok: true; repository: string } | { ok: false; why: string };

/**
 * Writes `text` into the commit message box of the repository that holds `near` (the active file), else of the only
 * repository, else of one the user picks. Text already in the box is kept: the dictation is appended after a blank
 * line (a subject typed first, then a dictated body).
 */
export async function writeCommitMessage(text: string, near: vscode.Uri | undefined, log: vscode.LogOutputChannel): Promise<CommitWriteResult> {
    let api: GitApi;
    try {
        const extension = vscode.extensions.getExtension<GitExtension>('vscode.git');
        if (!extension) {
            return { ok: false, why: 'the Git extension is not installed' };
        }
        const exports = extension.isActive ? extension.exports : await extension.activate();
        if (exports.enabled === false) {
            return { ok: false, why: 'Git is disabled (git.enabled)' };
        }
        api = exports.getAPI(1);
        await whenInitialized(api);
    } catch (e) {
        log.warn(`The Git extension's API is unavailable: ${e instanceof Error ? e.message : String(e)}`);
        return { ok: false, why: 'the Git extension is unavailable' };
    }
    const repository = await chooseRepository(api.repositories, near);
    if (!repository) {
        return { ok: false, why: api.repositories.length ? 'no repository was chosen' : 'no Git repository is open' };
    }
    repository.inputBox.value = appendMessage(repository.inputBox.value, text);
    log.info(`Commit message dictated into ${repository.rootUri.fsPath}.`);
    void vscode.commands.executeCommand('workbench.view.scm').then(undefined, () => undefined);
    return { ok: true, repository: repository.rootUri.fsPath };
}

/** The box's new value: the dictation alone, or after what is there, separated by a blank line. Pure. */
export function appendMessage(existing: string, text: string): string {
    const before = existing.replace(/\s+$/, '');
    return before ? `${before}\n\n${text}` : text;
}

/** The repository whose root holds `file` (the deepest, for nested ones); null when none does. Pure. */
export function repositoryFor<R extends { rootUri: { fsPath: string } }>(repositories: readonly R[], file: string | undefined): R | undefined {
    if (!file) {
        return undefined;
    }
    const inside = (root: string) => {
        const rel = path.relative(root, file);
        return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    };
    return repositories
        .filter(r => inside(r.rootUri.fsPath))
        .sort((a, b) => b.rootUri.fsPath.length - a.rootUri.fsPath.length)[0];
}

async function chooseRepository(repositories: readonly GitRepository[], near: vscode.Uri | undefined): Promise<GitRepository | undefined> {
    const byFile = repositoryFor(repositories, near?.scheme === 'file' ? near.fsPath : undefined);
    if (byFile || repositories.length <= 1) {
        return byFile ?? repositories[0];
    }
    const picked = await vscode.window.showQuickPick(
        repositories.map(r => ({ label: path.basename(r.rootUri.fsPath), description: r.rootUri.fsPath, repository: r })),
        { title: 'Wispr: the repository for the dictated commit message' },
    );
    return picked?.repository;
}

/** The API lists repositories only once initialized; wait a little for that (Git opens them at start-up). */
async function whenInitialized(api: GitApi): Promise<void> {
    if (api.state === 'initialized') {
        return;
    }
    await new Promise<void>(resolve => {
        const timer = setTimeout(done, GIT_READY_MS);
        const subscription = api.onDidChangeState(state => state === 'initialized' && done());
        function done() {
            clearTimeout(timer);
            subscription.dispose();
            resolve();
        }
    });
}
