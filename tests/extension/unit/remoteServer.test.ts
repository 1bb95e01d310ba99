// The remote backend in the extension, against a mock `vscode` and a scripted sidecar: the key goes from SecretStorage
// into remote/configure only, the server address is never taken from a workspace, a server fault offers Retry and the
// local model for the kept recording, and the status bar names the server.
import assert from 'node:assert/strict';
import Module from 'node:module';
import * as path from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import type * as RemoteModule from '../../../extension/src/remote/remoteServer';
import type { RecordingInfo, Status } from '../../../extension/src/sidecar/protocol';
import type { SidecarProcess } from '../../../extension/src/sidecar/sidecarProcess';
import type * as VscodeMock from '../fixtures/vscodeMock';

const mockPath = path.join(__dirname, '..', 'fixtures', 'vscodeMock.js');
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const originalResolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? mockPath : originalResolve.call(this, request, ...rest);
};
const vscode = require(mockPath) as typeof VscodeMock;
const { RemoteServer, RETRY, TRANSCRIBE_LOCALLY } = require('../../../extension/src/remote/remoteServer') as typeof RemoteModule;
const { showProblem } = require('../../../extension/src/ui/notify') as typeof import('../../../extension/src/ui/notify');
const { backendDisplay, backendPickText, backendTooltip, serverHost } = require('../../../extension/src/ui/backendLabel') as typeof import('../../../extension/src/ui/backendLabel');
const { SidecarState } = require('../../../extension/src/sidecar/sidecarState') as typeof import('../../../extension/src/sidecar/sidecarState');
const { ErrorCodes } = require('../../../extension/src/sidecar/protocol') as typeof import('../../../extension/src/sidecar/protocol');

const kept: RecordingInfo = { id: 'dictation-7.wav', path: '/tmp/rec/dictation-7.wav', durationMs: 3000, sizeBytes: 192_044, createdMs: Date.now() };
const log = vscode.window.createOutputChannel('Wispr', { log: true }) as unknown as import('vscode').LogOutputChannel;

function scriptedSidecar(left: RecordingInfo[]) {
    const requests: { method: string; params: unknown }[] = [];
    const selected: string[] = [];
    const sidecar = {
        state: { state: SidecarState.Ready, onDidChangeState: new vscode.EventEmitter<string>().event },
        addInitializer: () => ({ dispose: () => undefined }),
        async request(type: { method: string }, params: unknown) {
            requests.push({ method: type.method, params });
            if (type.method === 'recordings/list') {
                return { folder: '/tmp/rec', recordings: [...left] };
            }
            if (type.method === 'recordings/delete') {
                return { deleted: true };
            }
            if (type.method === 'remote/configure') {
                return { baseUrl: null, host: null, model: 'whisper-1', hasApiKey: false, timeoutMs: 60000, connectTimeoutMs: 10000 };
            }
            throw new Error(`unexpected ${type.method}`);
        },
        async selectBackend(backend: string) {
            selected.push(backend);
            return {} as Status;
        },
    };
    return { sidecar: sidecar as unknown as SidecarProcess, requests, selected };
}

function context() {
    return { secrets: new vscode.MockSecretStorage(), globalState: new vscode.MockMemento(), asAbsolutePath: (p: string) => p } as unknown as import('vscode').ExtensionContext;
}

const fault = (code: number) => ({ code, message: `The transcription server at gpu-box:8000 failed (HTTP 500). The recording was saved to ${kept.path}; transcribe it with "Wispr: Transcribe WAV File" once fixed.` });

describe('remote transcription server', () => {
    beforeEach(() => vscode.mock.reset());

    test('the key comes from secret storage into remote/configure; the address only from user settings, never a workspace', async () => {
        const ctx = context();
        const s = scriptedSidecar([]);
        const remote = new RemoteServer(ctx, s.sidecar, { transcribeFile: async () => true }, log);
        await ctx.secrets.store('wispr.remote.apiKey', 'sk-team');
        vscode.mock.workspaceConfig.set('wispr.remote.baseUrl', 'http://attacker.example/v1');
        await remote.reconfigure();
        assert.deepEqual(s.requests.at(-1), { method: 'remote/configure', params: { baseUrl: null, model: null, apiKey: null } },
            'a workspace address is ignored, and no key is sent without a server');

        vscode.mock.config.set('wispr.remote.baseUrl', 'http://gpu-box:8000/v1');
        vscode.mock.config.set('wispr.remote.model', 'large-v3');
        await remote.reconfigure();
        assert.deepEqual(s.requests.at(-1), { method: 'remote/configure', params: { baseUrl: 'http://gpu-box:8000/v1', model: 'large-v3', apiKey: 'sk-team' } });
        assert.ok(!vscode.mock.log.some(l => l.includes('sk-team')), 'the key is never logged');
        remote.dispose();
    });

    test('"Set Remote Server Key" stores a key from a password box; an empty answer removes it', async () => {
        const ctx = context();
        const remote = new RemoteServer(ctx, scriptedSidecar([]).sidecar, { transcribeFile: async () => true }, log);
        vscode.mock.inputBox = () => ' sk-new ';
        await remote.askKey();
        assert.equal(vscode.mock.inputBoxOptions?.password, true);
        assert.equal(await ctx.secrets.get('wispr.remote.apiKey'), 'sk-new');
        vscode.mock.inputBox = () => '';
        await remote.askKey();
        assert.equal(await ctx.secrets.get('wispr.remote.apiKey'), undefined);
        remote.dispose();
    });

    for (const code of [ErrorCodes.RemoteUnreachable, ErrorCodes.RemoteServerError, ErrorCodes.RemoteTimeout, ErrorCodes.RemoteBadResponse,
        ErrorCodes.RemoteRateLimited, ErrorCodes.RemoteUnauthorized]) {
        test(`a server fault (${code}) offers Retry and the local model; Retry sends the kept recording again, then deletes it`, async () => {
            const s = scriptedSidecar([{ ...kept }]);
            const files: string[] = [];
            const remote = new RemoteServer(context(), s.sidecar, { transcribeFile: async uri => { files.push(uri.fsPath); return true; } }, log);
            vscode.mock.answer = m => (m.items.includes(RETRY) ? RETRY : undefined);
            await showProblem(fault(code), log);
            const offer = vscode.mock.messages.find(m => m.items.includes(RETRY));
            assert.ok(offer, 'the fault offers Retry');
            assert.deepEqual(offer.items, [RETRY, TRANSCRIBE_LOCALLY]);
            assert.match(offer.text, /gpu-box:8000/);
            assert.deepEqual(files, [kept.path]);
            assert.deepEqual(s.selected, [], 'Retry stays on the remote backend');
            assert.deepEqual(s.requests.filter(r => r.method === 'recordings/delete').map(r => r.params), [{ id: kept.id }]);
            remote.dispose();
        });
    }

    test('"Transcribe with local model" switches to Whisper first (one backend at a time), then transcribes the kept recording', async () => {
        const s = scriptedSidecar([{ ...kept }]);
        const order: string[] = [];
        const remote = new RemoteServer(context(), s.sidecar, { transcribeFile: async uri => { order.push(`transcribe ${uri.fsPath}`); return true; } }, log);
        const select = s.sidecar.selectBackend.bind(s.sidecar);
        (s.sidecar as unknown as { selectBackend: typeof select }).selectBackend = async (...args) => { order.push(`select ${args[0]}`); return select(...args); };
        vscode.mock.answer = m => (m.items.includes(TRANSCRIBE_LOCALLY) ? TRANSCRIBE_LOCALLY : undefined);
        await showProblem(fault(ErrorCodes.RemoteUnreachable), log);
        assert.deepEqual(order, ['select whisper', `transcribe ${kept.path}`]);
        remote.dispose();
    });

    test('a recording that failed again is kept; a fault that names no kept recording shows the plain message', async () => {
        const s = scriptedSidecar([{ ...kept }]);
        const remote = new RemoteServer(context(), s.sidecar, { transcribeFile: async () => false }, log);
        vscode.mock.answer = m => (m.items.includes(RETRY) ? RETRY : undefined);
        await showProblem(fault(ErrorCodes.RemoteTimeout), log);
        assert.ok(!s.requests.some(r => r.method === 'recordings/delete'), 'not deleted');

        vscode.mock.messages = [];
        await showProblem({ code: ErrorCodes.RemoteTimeout, message: 'The transcription server at gpu-box:8000 did not answer within 61 s.' }, log);
        assert.equal(vscode.mock.messages.length, 1);
        assert.ok(!vscode.mock.messages[0].items.includes(RETRY));
        assert.match(vscode.mock.messages[0].text, /transcription server at gpu-box:8000 did not answer/); // the short message names the server; the detail goes to the log

        // an address with dots (an IP, a domain) is named whole, up to the sentence's own punctuation
        for (const [host, tail] of [['127.0.0.1:39619', ' could not be reached: Connection refused (127.0.0.1:39619).'], ['gpu-box.lan:8000', ' did not answer within 61 s.'], ['asr.example.com', '.']]) {
            vscode.mock.messages = [];
            await showProblem({ code: ErrorCodes.RemoteTimeout, message: `The transcription server at ${host}${tail}` }, log);
            assert.match(vscode.mock.messages[0].text, new RegExp(`transcription server at ${host.replace(/\./g, '\\.')}( |\\.$)`), vscode.mock.messages[0].text);
        }
        remote.dispose();
    });

    test('the status bar and diagnostics name the remote server, not a model file', () => {
        const status = { backend: 'remote', residentBackend: 'remote', model: { path: 'remote: gpu-box:8000 (large-v3)', loaded: true, sizeBytes: null } } as unknown as Status;
        assert.equal(backendDisplay('remote', status, undefined), 'remote: gpu-box:8000');
        assert.equal(backendDisplay('whisper', status, { capabilities: { backends: [{ id: 'whisper', label: 'Whisper', available: true }] } } as never), 'Whisper');
        // one backend resident: on the server, the item's tooltip says no local model is loaded and where the audio goes
        assert.match(backendTooltip('remote', 'remote: gpu-box:8000'), /remote: gpu-box:8000\. No local model is loaded; your recordings go to this server/);
        assert.doesNotMatch(backendTooltip('whisper', 'Whisper'), /No local model/);
    });

    test('the backend pick names the remote server by host and port only', () => {
        assert.equal(serverHost('http://gpu-box:8000/v1'), 'gpu-box:8000');
        assert.equal(serverHost('https://api.openai.com/v1'), 'api.openai.com');
        assert.equal(serverHost('https://user:secret@host.example:8443/v1?key=k'), 'host.example:8443', 'no credentials or query');
        assert.equal(serverHost(null), undefined);
        assert.equal(serverHost('gpu-box'), undefined, 'not a URL');
    });

    test('the backend pick shows the remote server\'s host:port, or that none is set and how to set it', () => {
        const remote = { id: 'remote', label: 'Remote server', available: true };
        assert.deepEqual(backendPickText(remote, 'whisper', 'gpu-box:8000'), { label: '$(cloud) Remote server', description: 'gpu-box:8000' });
        assert.deepEqual(backendPickText(remote, 'remote', 'gpu-box:8000'), { label: '$(check) Remote server', description: 'current, gpu-box:8000' });
        const unset = backendPickText(remote, 'whisper', undefined);
        assert.equal(unset.description, 'no server set');
        assert.match(unset.detail ?? '', /wispr\.remote\.baseUrl/);
        assert.deepEqual(backendPickText({ id: 'whisper', label: 'Whisper', available: true }, 'remote', 'gpu-box:8000'), { label: '$(mic) Whisper', description: 'whisper' });
        assert.deepEqual(backendPickText({ id: 'parakeet', label: 'Parakeet', available: false, reason: 'No ONNX Runtime.' }, 'whisper', undefined),
            { label: '$(circle-slash) Parakeet', description: 'unavailable', detail: 'No ONNX Runtime.' });
    });
});
