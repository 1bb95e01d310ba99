// Code-aware cleanup from the extension's side, under a mock `vscode` with the fake sidecar over real stdio:
// cleanup/configure (settings, keys, restarts), the dictation context, the history, Insert Last Dictation,
// Dictate Commit Message and the LLM fallback warning.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type * as Extension from '../../../extension/src/extension';
import type { WisprApi } from '../../../extension/src/api';
import type * as CommitMessageModule from '../../../extension/src/scm/commitMessage';
import type { CleanupConfigureRequest, DictationContext, DictationStartRequest, DictationStopRequest } from '../../../extension/src/sidecar/protocol';
import type * as VscodeMock from '../fixtures/vscodeMock';
import { repoRoot } from '../repoRoot';
import { withTimeout } from '../waitFor';
import { writeSilentWav } from '../wav';

const mockPath = path.join(__dirname, '..', 'fixtures', 'vscodeMock.js');
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const originalResolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? mockPath : originalResolve.call(this, request, ...rest);
};
const vscode = require(mockPath) as typeof VscodeMock;
const extension = require('../../../extension/src/extension') as typeof Extension;
const { appendMessage, repositoryFor } = require('../../../extension/src/scm/commitMessage') as typeof CommitMessageModule;
const { mock, MockDocument, MockEditor, cursor, Uri } = vscode;

const root = repoRoot();
const TEXT = 'hello from the fake sidecar';
const KEY = 'sk-test-0123456789-secret';
let tmp: string;
let recordFile: string;
let workspace: string;
let api: WisprApi;
const globalState = new vscode.MockMemento();
const secrets = new vscode.MockSecretStorage();
let subscriptions: { dispose(): unknown }[] = [];

interface Received { kind: string; pid: number; params: unknown }
const received = (): Received[] => fs.existsSync(recordFile)
    ? fs.readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l) as Received)
    : [];
const configures = () => received().filter(r => r.kind === 'cleanup/configure');
const lastConfigure = () => configures().at(-1)?.params as CleanupConfigureRequest.Params | undefined;
const lastStart = () => received().filter(r => r.kind === 'dictation/start').at(-1)?.params as DictationStartRequest.Params | undefined;
/** The full context goes with the stop: it is collected while the user speaks, so that capture starts at once. */
const lastStop = () => received().filter(r => r.kind === 'dictation/stop').at(-1)?.params as DictationStopRequest.Params | undefined;
const run = (id: string, ...args: unknown[]) => vscode.commands.executeCommand(id, ...args);

/** Polls a condition (the fake sidecar's record is a file) until it holds. */
// Failure bounds only: on a loaded 2-core machine a restart of the fake sidecar took more than 10 s.
async function until<T>(get: () => T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
    return withTimeout(new Promise<T>(resolve => {
        const poll = () => {
            const v = get();
            if (v) {
                resolve(v);
            } else {
                setTimeout(poll, 10);
            }
        };
        poll();
    }), timeoutMs, () => `timed out waiting for ${what}. Log:\n${mock.log.slice(-20).join('\n')}`);
}

const waitReady = () => until(() => api.sidecarState === 'ready' && api.sidecarPid, 'the sidecar to be ready');

function activate(): void {
    subscriptions = [];
    const context = {
        subscriptions,
        extensionPath: root,
        asAbsolutePath: (p: string) => path.join(root, p),
        extension: { packageJSON: { version: '0.0.1' } },
        globalState,
        secrets,
    };
    api = extension.activate(context as unknown as Parameters<typeof extension.activate>[0]);
}

async function deactivate(): Promise<void> {
    await extension.deactivate();
    for (const d of subscriptions.splice(0)) {
        d.dispose();
    }
}

/**
 * Starts and stops a dictation. `collected`, when given, is the state of the collected context to wait for before the stop:
 * the context is collected while the user speaks, and an immediate stop leaves it only CONTEXT_BUDGET_MS (150 ms), which a
 * loaded machine's file reads and providers may need more than.
 */
async function dictate(collected?: (context: DictationContext | undefined) => boolean): Promise<void> {
    await run('wispr.startDictation');
    assert.equal(api.dictationStage, 'listening', `listening. Log:\n${mock.log.slice(-10).join('\n')}`);
    if (collected) {
        await until(() => collected(api.lastDictationContext), 'the dictation context to be collected');
    }
    await run('wispr.stopDictation');
}

const set = (key: string, value: unknown) => vscode.workspace.getConfiguration('wispr').update(key, value);

// The timeout covers the whole suite (every test in it), so it is a generous failure bound: a loaded machine took over 60 s.
describe('code-aware cleanup in the extension (mock vscode, fake sidecar)', { timeout: 15 * 60_000 }, () => {
    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-clean-'));
        const fake = path.join(__dirname, '..', 'fixtures', 'fakeSidecar.js');
        const wrapper = path.join(tmp, process.platform === 'win32' ? 'fake-sidecar.cmd' : 'fake-sidecar');
        fs.writeFileSync(wrapper, process.platform === 'win32'
            ? `@"${process.execPath}" "${fake}" %*\r\n`
            : `#!/bin/sh\nexec "${process.execPath}" "${fake}" "$@"\n`, { mode: 0o755 });
        recordFile = path.join(tmp, 'received.jsonl');
        process.env.WISPR_SIDECAR_PATH = wrapper;
        process.env.FAKE_SIDECAR_RECORD = recordFile;
        delete process.env.FAKE_SIDECAR_MODE;
        mock.reset();
        workspace = path.join(tmp, 'workspace');
        fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
        mock.workspaceFolders = [{ uri: Uri.file(workspace), name: 'workspace', index: 0 }];
        const wav = path.join(tmp, 'speech.wav');
        writeSilentWav(wav, 1500);
        mock.config.set('wispr.audio.source', 'wavFile');
        mock.config.set('wispr.audio.wavFile', wav);
        activate();
        await waitReady();
    });

    after(async () => {
        await deactivate();
        delete process.env.WISPR_SIDECAR_PATH;
        delete process.env.FAKE_SIDECAR_RECORD;
        delete process.env.FAKE_SIDECAR_MODE;
        delete process.env.FAKE_SIDECAR_NO_CLEANUP;
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    beforeEach(() => {
        mock.messages = [];
    });

    describe('cleanup/configure', () => {
        test('is sent once the sidecar has started, before it counts as ready: the defaults, no key', () => {
            const first = configures().find(r => r.pid === api.sidecarPid);
            assert.ok(first, 'configured at start');
            assert.deepEqual(first.params, { mode: 'rules', provider: 'openai', baseUrl: null, model: null, timeoutMs: 5000, apiKey: null });
            assert.ok(mock.log.some(l => /info Cleanup: rules\./.test(l)), mock.log.join('\n'));
        });

        test('a settings change sends the new settings at once', async () => {
            const before = configures().length;
            await set('cleanup.mode', 'llm');
            await set('cleanup.baseUrl', 'http://localhost:11434/v1');
            await set('cleanup.model', 'llama3.2');
            await until(() => configures().length >= before + 3 && lastConfigure()?.model === 'llama3.2', 'three configures');
            assert.deepEqual(lastConfigure(), { mode: 'llm', provider: 'openai', baseUrl: 'http://localhost:11434/v1', model: 'llama3.2', timeoutMs: 5000, apiKey: null });
            // The fake records a request before it answers; the log line follows the answer.
            await until(() => mock.log.some(l => /Cleanup: llm via openai llama3\.2 at http:\/\/localhost:11434, no key/.test(l)), 'the log line');
        });

        test('Set OpenAI API Key asks with a password box, stores the secret and sends it only in cleanup/configure', async () => {
            await set('trace.server', 'verbose'); // the RPC trace must not print the key either
            const before = configures().length;
            mock.inputBox = () => KEY;
            await run('wispr.setOpenAiApiKey');
            assert.equal(mock.inputBoxOptions?.password, true);
            assert.equal(await secrets.get('wispr.cleanup.apiKey.openai'), KEY);
            await until(() => configures().length > before && lastConfigure()?.apiKey === KEY, 'a configure with the key');
            await until(() => mock.log.some(l => /Cleanup: llm via openai .* key set/.test(l)), 'the log line');
            assert.ok(mock.log.some(l => /\[rpc\] .*cleanup\/configure/.test(l)), 'the configure request was traced');
            assert.ok(mock.log.some(l => l.includes('"apiKey": "<redacted>"')), 'and masked');
            await dictate();
            const start = received().filter(r => r.kind === 'dictation/start').at(-1);
            assert.ok(!JSON.stringify(start).includes(KEY), 'not in dictation/start');
            assert.ok(!mock.log.some(l => l.includes(KEY)), 'never in the log');
            assert.ok(!JSON.stringify([...mock.config.values()]).includes(KEY), 'never in settings');
            assert.ok(!JSON.stringify([...globalState.values.values()]).includes(KEY), 'never in the global state');
            await set('trace.server', 'off');
        });

        test('only the llm mode gets a key: in rules mode none leaves the secret storage', async () => {
            const before = configures().length;
            await set('cleanup.mode', 'rules');
            await until(() => configures().length > before, 'a configure');
            assert.equal(lastConfigure()?.apiKey, null);
            const again = configures().length;
            await set('cleanup.mode', 'llm');
            await until(() => configures().length > again && lastConfigure()?.apiKey === KEY, 'the key again in llm mode');
        });

        test('Restart Sidecar: the new process is configured again, key included', async () => {
            const oldPid = api.sidecarPid;
            await run('wispr.restartSidecar');
            await waitReady();
            assert.notEqual(api.sidecarPid, oldPid);
            const ofNew = configures().filter(r => r.pid === api.sidecarPid);
            assert.equal(ofNew.length, 1);
            assert.equal((ofNew[0].params as CleanupConfigureRequest.Params).apiKey, KEY);
        });

        test('a crash and the automatic restart: the new process is configured again before it is ready', async () => {
            process.env.FAKE_SIDECAR_MODE = 'crashOnStart';
            await run('wispr.restartSidecar');
            await waitReady();
            const crashing = api.sidecarPid;
            delete process.env.FAKE_SIDECAR_MODE; // the automatic restart starts a well-behaved one
            await run('wispr.startDictation');
            await until(() => api.sidecarState === 'ready' && api.sidecarPid !== crashing && api.sidecarPid, 'the automatic restart', 15_000);
            const ofNew = configures().filter(r => r.pid === api.sidecarPid);
            assert.equal(ofNew.length, 1);
            assert.equal((ofNew[0].params as CleanupConfigureRequest.Params).apiKey, KEY);
        });

        test('a change while the sidecar starts is sent once it is ready', async () => {
            const restarting = run('wispr.restartSidecar');
            await until(() => api.sidecarState === 'starting', 'starting');
            await set('cleanup.timeoutMs', 7000);
            await restarting;
            await waitReady();
            await until(() => configures().filter(r => r.pid === api.sidecarPid).some(r => (r.params as CleanupConfigureRequest.Params).timeoutMs === 7000),
                'the new timeout in the new process');
            await set('cleanup.timeoutMs', 5000);
        });

        test('a secret changed elsewhere (another window) reconfigures; Clear API Keys removes the key from the sidecar', async () => {
            let before = configures().length;
            await secrets.store('wispr.cleanup.apiKey.openai', `${KEY}-2`);
            await until(() => configures().length > before && lastConfigure()?.apiKey === `${KEY}-2`, 'the changed key');
            before = configures().length;
            await run('wispr.clearApiKeys');
            await until(() => configures().length > before && lastConfigure()?.apiKey === null, 'no key after Clear API Keys');
            assert.equal(await secrets.get('wispr.cleanup.apiKey.openai'), undefined);
        });

        test('Gemini: its own key, sent when it is the provider; Escape in the input box changes nothing', async () => {
            mock.inputBox = () => 'gm-key';
            await run('wispr.setGeminiApiKey');
            const before = configures().length;
            await set('cleanup.provider', 'gemini');
            await until(() => configures().length > before && lastConfigure()?.apiKey === 'gm-key', 'the gemini key');
            assert.equal(lastConfigure()?.provider, 'gemini');
            mock.inputBox = () => undefined;
            await run('wispr.setGeminiApiKey');
            assert.equal(await secrets.get('wispr.cleanup.apiKey.gemini'), 'gm-key');
            await set('cleanup.provider', 'openai');
        });

        test('invalid settings (CleanupConfigInvalid) are shown with "Open Cleanup Settings"; dictation goes on', async () => {
            await set('cleanup.baseUrl', 'localhost:11434');
            await until(() => mock.messages.find(m => m.severity === 'error'), 'the error message');
            const error = mock.messages.find(m => m.severity === 'error')!;
            assert.match(error.text, /^Wispr: the cleanup settings are invalid: The base address "localhost:11434" is not an absolute/);
            assert.deepEqual(error.items, ['Open Cleanup Settings']);
            mock.setEditor(undefined);
            await dictate();
            assert.equal(mock.clipboard, TEXT);
            await set('cleanup.baseUrl', 'http://localhost:11434/v1');
        });

        test('a sidecar without cleanup/configure (MethodNotFound): one log line, no message, dictation works', async () => {
            process.env.FAKE_SIDECAR_NO_CLEANUP = '1';
            try {
                await run('wispr.restartSidecar');
                await waitReady();
                await set('cleanup.model', 'another');
                await set('cleanup.model', 'llama3.2');
                const warnings = mock.log.filter(l => /has no cleanup\/configure/.test(l));
                assert.equal(warnings.length, 1, warnings.join('\n'));
                assert.deepEqual(mock.messages.filter(m => m.severity === 'error'), []);
                const editor = new MockEditor(new MockDocument(['x '], 'plaintext'), [cursor(0, 2)]);
                mock.setEditor(editor);
                await dictate();
                assert.deepEqual(editor.document.lines, [`x ${TEXT}`]);
            } finally {
                delete process.env.FAKE_SIDECAR_NO_CLEANUP;
                await run('wispr.restartSidecar');
                await waitReady();
            }
        });
    });

    describe('the dictation context', () => {
        before(async () => {
            await set('cleanup.mode', 'rules');
            await until(() => lastConfigure()?.mode === 'rules', 'rules mode');
        });

        test('prose: the language, identifiers near the cursor first, then the symbols, and the workspace dictionary', async () => {
            fs.writeFileSync(path.join(workspace, '.vscode', 'wispr-dictionary.txt'), '# team words\npackage dot json => package.json\nKubernetes\n => broken\ngRPC\n');
            mock.config.set('wispr.insertion.mode', 'text');
            const document = new MockDocument(['import os', 'def get_user_by_id(user_id):', '    ', '    return fetchUser(user_id)'], 'python');
            document.uri = Uri.file(path.join(workspace, 'app.py'));
            mock.symbols = async () => [{ name: 'get_user_by_id', children: [{ name: 'user_id' }] }, { name: 'UserCache', children: [{ name: 'evictAll' }] }];
            mock.setEditor(new MockEditor(document, [cursor(2, 4)]));
            await dictate(c => !!c?.vocabulary?.identifiers?.includes('evictAll') && c.vocabulary.dictionary?.length === 3);
            assert.deepEqual(lastStart()?.context, { mode: 'prose', languageId: 'python' }, 'the start carries no vocabulary: capture must not wait');
            assert.deepEqual(lastStop()?.context, {
                mode: 'prose',
                languageId: 'python',
                vocabulary: {
                    identifiers: ['get_user_by_id', 'user_id', 'fetchUser', 'UserCache', 'evictAll'],
                    dictionary: [{ spoken: 'package dot json', written: 'package.json' }, { written: 'Kubernetes' }, { written: 'gRPC' }],
                },
            });
            assert.ok(mock.log.some(l => /warn .*wispr-dictionary\.txt:4: "=>" needs words on both sides/.test(l)), 'the bad line is logged with its number');
        });

        test('the dictionary is read again when it changes', async () => {
            const file = path.join(workspace, '.vscode', 'wispr-dictionary.txt');
            fs.writeFileSync(file, 'wispr => Wispr\n');
            const later = new Date(Date.now() + 5000);
            fs.utimesSync(file, later, later);
            await dictate(c => !!c?.vocabulary?.dictionary?.some(e => e.spoken === 'wispr'));
            assert.deepEqual(lastStop()?.context?.vocabulary?.dictionary, [{ spoken: 'wispr', written: 'Wispr' }]);
        });

        test('comment mode sends mode "comment"', async () => {
            mock.config.set('wispr.insertion.mode', 'comment');
            try {
                mock.setEditor(new MockEditor(new MockDocument(['int x;', ''], 'csharp'), [cursor(1, 0)]));
                await dictate();
                assert.equal(lastStart()?.context?.mode, 'comment');
                assert.equal(lastStart()?.context?.languageId, 'csharp');
            } finally {
                mock.config.set('wispr.insertion.mode', 'text');
            }
        });

        test('a slow symbol provider holds back neither the start nor the stop: the context goes without the symbols after ~150 ms', async () => {
            // The provider answers only once the stop is done: a start or stop that waited for it would never finish (the
            // test's timeout), whatever the machine's load; no wall-clock bound needed.
            let answer: (() => void) | undefined;
            mock.symbols = () => new Promise(resolve => { answer = () => resolve([{ name: 'tooLate' }]); });
            try {
                mock.setEditor(new MockEditor(new MockDocument(['nearbyName = 1'], 'python'), [cursor(0, 0)]));
                await run('wispr.startDictation');
                assert.deepEqual(lastStart()?.context, { mode: 'prose', languageId: 'python' });
                await run('wispr.stopDictation');
                assert.deepEqual(lastStop()?.context?.vocabulary?.identifiers, ['nearbyName']);
            } finally {
                answer?.();
                mock.symbols = undefined;
            }
        });

        test('a symbol provider that needs longer than 150 ms but answers while the user speaks goes with the stop', async () => {
            // The provider answers only when the test lets it, well after the first 150 ms: collection runs for the whole recording.
            let answer: (() => void) | undefined;
            let answered = false;
            mock.symbols = () => new Promise(resolve => { answer = () => { answered = true; resolve([{ name: 'slowButInTime' }]); }; });
            try {
                mock.setEditor(new MockEditor(new MockDocument(['nearbyName = 1'], 'python'), [cursor(0, 0)]));
                await run('wispr.startDictation');
                await until(() => answer, 'the symbol provider to be asked');
                await new Promise(resolve => setTimeout(resolve, 250)); // the scenario, not a wait: past the 150 ms once counted from the start
                answer!();
                await until(() => answered && api.lastDictationContext?.vocabulary?.identifiers?.includes('slowButInTime'), 'the collected context');
                await run('wispr.stopDictation');
                assert.deepEqual(lastStop()?.context?.vocabulary?.identifiers, ['nearbyName', 'slowButInTime']);
            } finally {
                mock.symbols = undefined;
                if (api.dictationStage !== 'idle') {
                    await run('wispr.cancelDictation'); // a failed check must not leave the next test a running dictation
                }
            }
        });

        test('wispr.vocabulary.enabled = false sends only the mode and language', async () => {
            mock.config.set('wispr.vocabulary.enabled', false);
            try {
                mock.setEditor(new MockEditor(new MockDocument(['someName = 1'], 'python'), [cursor(0, 0)]));
                await dictate();
                assert.deepEqual(lastStop()?.context, { mode: 'prose', languageId: 'python' });
            } finally {
                mock.config.delete('wispr.vocabulary.enabled');
            }
        });
    });

    describe('history and Insert Last Dictation', () => {
        test('every transcript is recorded with its raw text, cleanup path, time, file and language, newest first', async () => {
            const document = new MockDocument(['a '], 'python');
            document.uri = Uri.file(path.join(workspace, 'b.py'));
            mock.setEditor(new MockEditor(document, [cursor(0, 2)]));
            const t0 = Date.now();
            await dictate();
            const [entry] = api.history;
            assert.equal(entry.text, TEXT);
            assert.equal(entry.rawText, `um ${TEXT}`);
            assert.equal(entry.cleanupPath, 'rules');
            assert.equal(entry.fallbackReason, null);
            assert.equal(entry.file, path.join(workspace, 'b.py'));
            assert.equal(entry.languageId, 'python');
            assert.equal(entry.mode, 'prose');
            assert.ok(entry.time >= t0 && entry.time <= Date.now());
        });

        test('the editor closed while speaking: clipboard, history, and a message naming Insert Last Dictation; it inserts into a new editor as one edit', async () => {
            process.env.FAKE_SIDECAR_TEXT = 'words said while the editor closed';
            await run('wispr.restartSidecar');
            await waitReady();
            try {
                const closing = new MockEditor(new MockDocument(['x'], 'python'), [cursor(0, 1)]);
                mock.setEditor(closing);
                await run('wispr.startDictation');
                closing.document.isClosed = true;
                mock.setEditor(undefined);
                mock.messages = [];
                await run('wispr.stopDictation');
                assert.equal(mock.clipboard, 'words said while the editor closed');
                assert.equal(api.history[0].text, 'words said while the editor closed');
                assert.equal(mock.messages.length, 1);
                assert.match(mock.messages[0].text, /closed.*clipboard.*"Wispr: Insert Last Dictation" inserts it/);

                const fresh = new MockEditor(new MockDocument(['one ', 'two '], 'plaintext'), [cursor(0, 4), cursor(1, 4)]);
                mock.setEditor(fresh);
                await run('wispr.insertLastDictation');
                assert.deepEqual(fresh.document.lines, ['one words said while the editor closed', 'two words said while the editor closed']);
                assert.equal(fresh.edits.length, 1, 'one undo step');
            } finally {
                delete process.env.FAKE_SIDECAR_TEXT;
                await run('wispr.restartSidecar');
                await waitReady();
            }
        });

        test('the history survives a sidecar restart and a re-activation with the same global state', async () => {
            const before = api.history.map(e => e.text);
            assert.ok(before.length >= 2);
            await run('wispr.restartSidecar');
            await waitReady();
            assert.deepEqual(api.history.map(e => e.text), before);
            await deactivate();
            activate();
            await waitReady();
            assert.deepEqual(api.history.map(e => e.text), before);
            const editor = new MockEditor(new MockDocument([''], 'plaintext'), [cursor(0, 0)]);
            mock.setEditor(editor);
            await run('wispr.insertLastDictation');
            assert.deepEqual(editor.document.lines, [before[0]]);
        });

        test('Dictation History lists newest first with time and file; a pick inserts, or copies without an editor', async () => {
            const entries = api.history;
            mock.pick = items => items[1];
            const editor = new MockEditor(new MockDocument(['> '], 'plaintext'), [cursor(0, 2)]);
            mock.setEditor(editor);
            await run('wispr.showHistory');
            const items = mock.quickPickItems as { label: string; description: string; detail?: string }[];
            assert.deepEqual(items.map(i => i.label), entries.map(e => e.text));
            assert.ok(items.some(i => i.description.includes('b.py') && i.detail === path.join(workspace, 'b.py')), JSON.stringify(items));
            assert.deepEqual(editor.document.lines, [`> ${entries[1].text}`]);
            mock.setEditor(undefined);
            mock.clipboard = '';
            mock.pick = items => items[0];
            await run('wispr.showHistory');
            assert.equal(mock.clipboard, entries[0].text);
            mock.pick = undefined;
        });
    });

    test('an LLM fallback: the rule-cleaned text is inserted and a warning says why', async () => {
        await set('cleanup.mode', 'llm');
        await set('cleanup.model', 'fail:timed out after 5000 ms');
        try {
            await until(() => lastConfigure()?.model === 'fail:timed out after 5000 ms', 'the configure');
            const editor = new MockEditor(new MockDocument(['f '], 'plaintext'), [cursor(0, 2)]);
            mock.setEditor(editor);
            mock.messages = [];
            await dictate();
            assert.deepEqual(editor.document.lines, [`f ${TEXT}`]);
            assert.deepEqual(mock.messages.map(m => [m.severity, m.text]),
                [['warning', 'Wispr: LLM cleanup unavailable (timed out after 5000 ms); inserted the rule-cleaned text.']]);
            assert.equal(api.history[0].fallbackReason, 'timed out after 5000 ms');
            assert.equal(api.lastCleanupWarning, 'Wispr: LLM cleanup unavailable (timed out after 5000 ms); inserted the rule-cleaned text.');
            await set('cleanup.model', '');
            await until(() => !lastConfigure()?.model?.startsWith('fail:'), 'the configure without the failure');
            await dictate();
            assert.equal(api.history[0].fallbackReason, null);
            assert.equal(api.lastCleanupWarning, undefined, 'a transcript without a fallback clears it');
        } finally {
            await set('cleanup.mode', 'rules');
            await set('cleanup.model', '');
        }
    });

    describe('Dictate Commit Message', () => {
        const repo = (root: string) => ({ rootUri: Uri.file(root), inputBox: { value: '' } });
        const fakeGit = (repositories: ReturnType<typeof repo>[]) => ({
            isActive: true,
            exports: { enabled: true, getAPI: () => ({ state: 'initialized', onDidChangeState: () => ({ dispose: () => undefined }), repositories }) },
        });

        test('the text goes into the commit box of the active file\'s repository, with mode "commit"', async () => {
            const main = repo(workspace);
            const nested = repo(path.join(workspace, 'lib'));
            mock.extensionsById.set('vscode.git', fakeGit([main, nested]));
            const document = new MockDocument(['x = 1'], 'python');
            document.uri = Uri.file(path.join(workspace, 'lib', 'x.py'));
            const editor = new MockEditor(document, [cursor(0, 0)]);
            mock.setEditor(editor);
            await run('wispr.dictateCommitMessage');
            assert.equal(api.dictationStage, 'listening');
            assert.equal(lastStart()?.context?.mode, 'commit');
            assert.equal(lastStart()?.context?.languageId, 'git-commit');
            await run('wispr.dictateCommitMessage'); // the second call stops
            assert.equal(nested.inputBox.value, TEXT);
            assert.equal(main.inputBox.value, '');
            assert.equal(editor.edits.length, 0, 'nothing in the editor');
            assert.equal(api.history[0].mode, 'commit');

            await run('wispr.dictateCommitMessage');
            await run('wispr.stopDictation'); // any stop ends it the same way
            assert.equal(nested.inputBox.value, `${TEXT}\n\n${TEXT}`, 'appended after a blank line');
        });

        test('no Git repository: clipboard, history and a message', async () => {
            mock.extensionsById.set('vscode.git', fakeGit([]));
            mock.setEditor(undefined);
            mock.clipboard = '';
            await run('wispr.dictateCommitMessage');
            await run('wispr.dictateCommitMessage');
            assert.equal(mock.clipboard, TEXT);
            assert.ok(mock.messages.some(m => /no Git repository is open.*clipboard/.test(m.text)), JSON.stringify(mock.messages));
            mock.extensionsById.delete('vscode.git');
            mock.messages = [];
            await run('wispr.dictateCommitMessage');
            await run('wispr.dictateCommitMessage');
            assert.ok(mock.messages.some(m => /Git extension is not installed.*clipboard/.test(m.text)), JSON.stringify(mock.messages));
        });

        test('appendMessage and repositoryFor', () => {
            assert.equal(appendMessage('', 'Fix it'), 'Fix it');
            assert.equal(appendMessage('Subject\n\n', 'Body'), 'Subject\n\nBody');
            const repos = [{ rootUri: { fsPath: '/w' } }, { rootUri: { fsPath: '/w/lib' } }, { rootUri: { fsPath: '/other' } }];
            assert.equal(repositoryFor(repos, '/w/lib/a.ts'), repos[1]);
            assert.equal(repositoryFor(repos, '/w/src/a.ts'), repos[0]);
            assert.equal(repositoryFor(repos, '/wx/a.ts'), undefined);
            assert.equal(repositoryFor(repos, undefined), undefined);
        });
    });
    describe('what a repository\'s settings may do', () => {
        const EVIL = 'http://evil.example:8080/v1';
        /** A repository's .vscode/settings.json value (undefined removes it), with the change event VS Code fires. */
        const setWorkspace = (key: string, value: unknown) => {
            const full = `wispr.${key}`;
            if (value === undefined) {
                mock.workspaceConfig.delete(full);
            } else {
                mock.workspaceConfig.set(full, value);
            }
            mock.configListeners.fire({ affectsConfiguration: s => full === s || full.startsWith(`${s}.`) });
        };
        const consentDialogs = () => mock.messages.filter(m => m.modal && /send your dictations to .* for LLM cleanup/.test(m.text));
        const everSentTo = (from: number, address: string) => configures().slice(from).filter(r => JSON.stringify(r.params).includes(address));

        before(async () => {
            // The user's own: LLM cleanup off (rules), an OpenAI key stored.
            await set('cleanup.mode', 'rules');
            await set('cleanup.baseUrl', undefined);
            await set('cleanup.model', undefined);
            await until(() => lastConfigure()?.mode === 'rules' && lastConfigure()?.baseUrl === null, 'the user\'s rules mode');
            await secrets.store('wispr.cleanup.apiKey.openai', KEY);
        });
        after(async () => {
            for (const key of ['cleanup.mode', 'cleanup.baseUrl', 'cleanup.provider', 'vocabulary.dictionaryFile']) {
                setWorkspace(key, undefined);
            }
            mock.answer = undefined;
        });

        test('a workspace\'s LLM address is not used, and gets no key, until the user allows it; declining keeps the user\'s settings', async () => {
            const from = configures().length;
            mock.log = [];
            setWorkspace('cleanup.mode', 'llm');
            setWorkspace('cleanup.baseUrl', EVIL);
            await until(() => configures().length >= from + 2, 'the configures after the change');
            assert.deepEqual(everSentTo(from, 'evil.example'), [], 'the address never reached the sidecar');
            assert.deepEqual(lastConfigure(), { mode: 'rules', provider: 'openai', baseUrl: null, model: null, timeoutMs: 5000, apiKey: null });
            assert.equal(mock.log.filter(l => /warn The workspace's settings \(wispr\.cleanup\.mode, wispr\.cleanup\.baseUrl\) send LLM cleanup to http:\/\/evil\.example:8080/.test(l)).length, 1,
                `one log line:\n${mock.log.join('\n')}`);

            mock.answer = undefined; // Cancel
            await dictate();
            await until(() => consentDialogs().length === 1, 'the consent dialog');
            const [dialog] = consentDialogs();
            assert.match(dialog.text, /to evil\.example:8080 for LLM cleanup/, 'it names the host');
            assert.match(dialog.detail ?? '', /Address: http:\/\/evil\.example:8080 \(OpenAI API, with your OpenAI API key/);
            // VS Code makes the first item the default (Enter) and adds Cancel (Escape): Allow must not come first.
            assert.deepEqual(dialog.items, ["Don't Allow", 'Allow']);
            await until(() => mock.log.some(l => /from the workspace's settings declined \(closed\)/.test(l)), 'the decline logged');
            await dictate();
            assert.equal(consentDialogs().length, 1, 'declined: not asked again in this window');
            assert.deepEqual(everSentTo(from, 'evil.example'), []);
            assert.ok(!configures().slice(from).some(r => (r.params as CleanupConfigureRequest.Params).apiKey === KEY), 'no key went anywhere');
        });

        test('allowed once for this workspace and address: its settings apply with the key, and the next window does not ask again', async () => {
            // A new window (the declined answer was for the last one only).
            await deactivate();
            const from = configures().length;
            activate();
            await waitReady();
            assert.deepEqual(everSentTo(from, 'evil.example'), [], 'a new window starts with the user\'s settings too');
            mock.messages = [];
            mock.answer = m => (m.modal ? 'Allow' : undefined);
            await dictate();
            await until(() => lastConfigure()?.baseUrl === EVIL, 'the workspace\'s address after consent');
            assert.equal(consentDialogs().length, 1);
            assert.deepEqual(lastConfigure(), { mode: 'llm', provider: 'openai', baseUrl: EVIL, model: null, timeoutMs: 5000, apiKey: KEY });
            assert.ok(JSON.stringify([...globalState.values.values()]).includes('evil.example:8080'), 'the consent is kept in the global state');

            await deactivate();
            mock.messages = [];
            activate();
            await waitReady();
            const atStart = configures().filter(r => r.pid === api.sidecarPid);
            assert.equal((atStart[0]?.params as CleanupConfigureRequest.Params | undefined)?.baseUrl, EVIL, 'used from the start');
            await dictate();
            assert.deepEqual(consentDialogs(), [], 'not asked again');
        });

        test('another address or provider from the same workspace asks again', async () => {
            mock.answer = undefined;
            mock.messages = [];
            const from = configures().length;
            setWorkspace('cleanup.baseUrl', 'https://other.example/v1');
            await until(() => configures().length > from, 'a configure');
            assert.deepEqual(everSentTo(from, 'other.example'), []);
            assert.equal(lastConfigure()?.mode, 'rules');
            await dictate();
            await until(() => consentDialogs().length === 1, 'the consent dialog');
            assert.match(consentDialogs()[0].text, /to other\.example for LLM cleanup/);
        });

        test('"Don\'t Allow" (the default button) declines like Cancel: nothing goes to that address, and no key', async () => {
            mock.messages = [];
            mock.log = [];
            mock.answer = m => (m.modal ? "Don't Allow" : undefined);
            const from = configures().length;
            setWorkspace('cleanup.baseUrl', 'https://third.example/v1');
            await until(() => configures().length > from, 'a configure');
            await dictate();
            await until(() => consentDialogs().length === 1, 'the consent dialog');
            await until(() => mock.log.some(l => /third\.example from the workspace's settings declined \(Don't Allow\)/.test(l)), 'the decline logged');
            await dictate();
            assert.equal(consentDialogs().length, 1, 'declined: not asked again in this window');
            assert.deepEqual(everSentTo(from, 'third.example'), []);
            assert.ok(!configures().slice(from).some(r => (r.params as CleanupConfigureRequest.Params).apiKey === KEY), 'no key went anywhere');
            mock.answer = undefined;
        });

        test('a dictionary file outside the workspace, named by the workspace, is not read; one log line says why', async () => {
            const outside = path.join(tmp, 'credentials.txt');
            fs.writeFileSync(outside, 'hunter2token\n');
            mock.log = [];
            mock.setEditor(new MockEditor(new MockDocument(['x = 1'], 'python'), [cursor(0, 0)]));
            for (const setting of [outside, '../credentials.txt']) {
                setWorkspace('vocabulary.dictionaryFile', setting);
                await dictate();
                await dictate();
                assert.equal(lastStop()?.context?.vocabulary?.dictionary, undefined, setting);
                assert.equal(mock.log.filter(l => l.startsWith('warn') && l.includes(`'${setting}' (from workspace settings) is ignored`)).length, 1,
                    `one line for ${setting}:\n${mock.log.join('\n')}`);
            }
            // The same absolute path from the user's own settings is their choice.
            setWorkspace('vocabulary.dictionaryFile', undefined);
            await set('vocabulary.dictionaryFile', outside);
            try {
                await dictate();
                assert.deepEqual(lastStop()?.context?.vocabulary?.dictionary, [{ written: 'hunter2token' }]);
                assert.ok(mock.log.some(l => l.includes(`Dictionary ${outside}: `)), mock.log.join('\n'));
            } finally {
                await set('vocabulary.dictionaryFile', undefined);
            }
        });
    });
});
