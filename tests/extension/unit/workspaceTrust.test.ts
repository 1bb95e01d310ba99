// What a repository's settings may and may not do: the dictionary file stays inside the workspace (real files, real
// symbolic links), and a cleanup destination from workspace settings waits for the user's consent.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DICTIONARY_MAX_BYTES, readDictionaryText, resolveDictionaryFile } from '../../../extension/src/vocabulary/dictionaryFile';
import type { CleanupConfig, CleanupLayers } from '../../../extension/src/config';
import type * as Consent from '../../../extension/src/cleanup/workspaceCleanupConsent';

// decideCleanup lives beside the vscode-facing class: load it with the mock `vscode`.
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const originalResolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? path.join(__dirname, '..', 'fixtures', 'vscodeMock.js') : originalResolve.call(this, request, ...rest);
};
const { decideCleanup, destinationOf } = require('../../../extension/src/cleanup/workspaceCleanupConsent') as typeof Consent;

describe('dictionary file confinement', () => {
    let tmp: string;
    let ws: string;
    let other: string;
    let secret: string;
    before(() => {
        tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-dict-')));
        ws = path.join(tmp, 'repo');
        other = path.join(tmp, 'second-folder');
        fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
        fs.mkdirSync(other);
        secret = path.join(tmp, 'credentials');
        fs.writeFileSync(secret, 'aws_secret_access_key = hunter2\n');
        fs.writeFileSync(path.join(ws, '.vscode', 'wispr-dictionary.txt'), 'Kubernetes\n');
        fs.writeFileSync(path.join(other, 'words.txt'), 'gRPC\n');
        fs.symlinkSync(secret, path.join(ws, 'innocent.txt'));
        fs.symlinkSync(tmp, path.join(ws, 'up'));
        fs.symlinkSync(path.join(ws, '.vscode', 'wispr-dictionary.txt'), path.join(ws, 'inside-link.txt'));
        fs.writeFileSync(path.join(ws, 'big.txt'), 'word\n'.repeat(DICTIONARY_MAX_BYTES / 5 + 1));
        fs.writeFileSync(path.join(ws, 'binary.txt'), Buffer.from([0x4b, 0x75, 0x00, 0x62, 0x0a]));
        fs.writeFileSync(path.join(ws, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
        fs.mkdirSync(path.join(ws, 'folder.txt'));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const resolve = (setting: string, fromWorkspace = true, folders = [ws]) => resolveDictionaryFile({ setting, fromWorkspace, folders });

    test('a relative path inside the workspace is read, from workspace or user settings; symbolic links inside it too', async () => {
        for (const fromWorkspace of [true, false]) {
            const r = await resolve('.vscode/wispr-dictionary.txt', fromWorkspace);
            assert.equal(r.kind, 'file');
            assert.equal(r.kind === 'file' && r.realPath, path.join(ws, '.vscode', 'wispr-dictionary.txt'));
        }
        const link = await resolve('inside-link.txt');
        assert.equal(link.kind === 'file' && link.realPath, path.join(ws, '.vscode', 'wispr-dictionary.txt'));
    });

    test('an absolute path from workspace settings is ignored, even one inside the workspace; from user settings it is the user\'s choice', async () => {
        for (const p of [secret, path.join(ws, '.vscode', 'wispr-dictionary.txt')]) {
            const r = await resolve(p, true);
            assert.equal(r.kind, 'ignored');
            assert.match(r.kind === 'ignored' ? r.reason : '', /workspace may only name a file inside itself, by a relative path/);
        }
        const mine = await resolve(secret, false);
        assert.equal(mine.kind === 'file' && mine.realPath, secret);
    });

    test('".." is refused, however it is written', async () => {
        for (const p of ['../credentials', '.vscode/../../credentials', 'a/../../credentials', '..\\credentials']) {
            const r = await resolve(p);
            assert.equal(r.kind, 'ignored', p);
            assert.match(r.kind === 'ignored' ? r.reason : '', /'\.\.' may not appear/, p);
        }
        const fromUser = await resolve('../credentials', false);
        assert.equal(fromUser.kind, 'ignored', 'a relative path means inside the workspace, whoever wrote it');
    });

    test('a symbolic link (file or folder) that leads out of the workspace is refused, for the default path too', async () => {
        for (const [p, fromWorkspace] of [['innocent.txt', true], ['up/credentials', true], ['innocent.txt', false]] as const) {
            const r = await resolve(p, fromWorkspace);
            assert.equal(r.kind, 'ignored', p);
            assert.match(r.kind === 'ignored' ? r.reason : '', new RegExp(`resolves to ${secret.replace(/[/\\.]/g, '\\$&')}, outside the workspace folders`), p);
        }
    });

    test('any workspace folder counts, the target file\'s folder first', async () => {
        const r = await resolve('words.txt', true, [other, ws]);
        assert.equal(r.kind === 'file' && r.realPath, path.join(other, 'words.txt'));
        assert.equal((await resolve('words.txt', true, [ws, other])).kind, 'none', 'relative to the first folder, where it does not exist');
    });

    test('missing, too large, not a regular file', async () => {
        assert.deepEqual(await resolve('nope.txt'), { kind: 'none' });
        assert.deepEqual(await resolve(''), { kind: 'none' });
        assert.deepEqual(await resolve('x.txt', true, []), { kind: 'none' });
        const big = await resolve('big.txt');
        assert.match(big.kind === 'ignored' ? big.reason : '', /has \d+ bytes, more than 65536/);
        const dir = await resolve('folder.txt');
        assert.match(dir.kind === 'ignored' ? dir.reason : '', /is not a regular file/);
    });

    test('text only: NUL bytes or invalid UTF-8 are refused', async () => {
        assert.deepEqual(await readDictionaryText(path.join(ws, '.vscode', 'wispr-dictionary.txt')), { text: 'Kubernetes\n' });
        assert.match((await readDictionaryText(path.join(ws, 'binary.txt')) as { reason: string }).reason, /NUL bytes/);
        assert.match((await readDictionaryText(path.join(ws, 'latin1.txt')) as { reason: string }).reason, /not UTF-8/);
    });

    test('a FIFO is refused without blocking', { skip: process.platform === 'win32' }, async () => {
        const fifo = path.join(ws, 'pipe.txt');
        const { execFileSync } = await import('node:child_process');
        execFileSync('mkfifo', [fifo]);
        const r = await resolve('pipe.txt');
        assert.match(r.kind === 'ignored' ? r.reason : '', /is not a regular file/);
    });
});

describe('cleanup destination from workspace settings', () => {
    const config = (over: Partial<CleanupConfig>): CleanupConfig => ({ mode: 'rules', provider: 'openai', baseUrl: null, model: null, timeoutMs: 5000, ...over });
    const layers = (user: Partial<CleanupConfig>, merged: Partial<CleanupConfig>, workspaceKeys: string[]): CleanupLayers =>
        ({ user: config(user), merged: config(merged), workspaceKeys });
    const WS = 'file:///home/u/repo';

    test('the address a configuration sends to', () => {
        assert.equal(destinationOf({ provider: 'openai', baseUrl: null }), 'https://api.openai.com');
        assert.equal(destinationOf({ provider: 'gemini', baseUrl: null }), 'https://generativelanguage.googleapis.com');
        assert.equal(destinationOf({ provider: 'openai', baseUrl: 'http://user:pw@evil.example:8080/v1?x=1' }), 'http://evil.example:8080');
    });

    test('nothing from the workspace: the settings as they are', () => {
        const l = layers({ mode: 'llm', baseUrl: 'http://localhost:11434/v1' }, { mode: 'llm', baseUrl: 'http://localhost:11434/v1' }, []);
        assert.deepEqual(decideCleanup(l, WS, () => false), { config: l.merged });
    });

    test('a workspace that turns LLM cleanup on, or points it elsewhere, waits for consent; the user\'s own settings apply meanwhile', () => {
        const cases: [Partial<CleanupConfig>, Partial<CleanupConfig>, string[], string][] = [
            [{}, { mode: 'llm', baseUrl: 'http://evil.example/v1' }, ['cleanup.mode', 'cleanup.baseUrl'], 'http://evil.example'],
            [{}, { mode: 'llm' }, ['cleanup.mode'], 'https://api.openai.com'],
            [{ mode: 'llm' }, { mode: 'llm', baseUrl: 'https://evil.example:8443' }, ['cleanup.baseUrl'], 'https://evil.example:8443'],
            [{ mode: 'llm' }, { mode: 'llm', provider: 'gemini' }, ['cleanup.provider'], 'https://generativelanguage.googleapis.com'],
        ];
        for (const [user, merged, keys, address] of cases) {
            const l = layers(user, merged, keys);
            const d = decideCleanup(l, WS, () => false);
            assert.deepEqual(d.config, l.user, JSON.stringify(merged));
            assert.equal(d.pending?.address, address);
            assert.equal(d.pending?.workspace, WS);
            const allowed = decideCleanup(l, WS, id => id === d.pending?.id);
            assert.deepEqual(allowed, { config: l.merged }, 'once allowed, the workspace\'s settings apply');
            assert.notEqual(decideCleanup(l, 'file:///home/u/other', id => id === d.pending?.id).pending, undefined, 'consent is per workspace');
        }
    });

    test('no consent needed when the workspace only turns cleanup down, or keeps the user\'s destination', () => {
        for (const [user, merged] of [[{ mode: 'llm' }, { mode: 'rules' }], [{ mode: 'llm' }, { mode: 'off' }],
            [{ mode: 'llm', baseUrl: 'http://localhost:11434/v1' }, { mode: 'llm', baseUrl: 'http://localhost:11434/v2' }],
            [{}, { mode: 'rules', baseUrl: 'http://evil.example' }]] as [Partial<CleanupConfig>, Partial<CleanupConfig>][]) {
            const l = layers(user, merged, ['cleanup.mode', 'cleanup.baseUrl']);
            assert.deepEqual(decideCleanup(l, WS, () => false), { config: l.merged }, JSON.stringify(merged));
        }
    });
});
