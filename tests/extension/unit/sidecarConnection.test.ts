import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { CleanupConfigureRequest, DictationStartRequest, DictationStateChangedNotification } from '../../../extension/src/sidecar/protocol';
import { classifyStderrLine, explainExit, LineSplitter, redactSecrets, SidecarConnection, sidecarArguments, sidecarEnvironment } from '../../../extension/src/sidecar/sidecarConnection';
import { Recorder, withTimeout } from '../waitFor';
import { writeSilentWav } from '../wav';

const fakeSidecar = path.join(__dirname, '..', 'fixtures', 'fakeSidecar.js');
const started: SidecarConnection[] = [];

function startFake(mode: string, lines?: string[]): SidecarConnection {
    const connection = SidecarConnection.start(
        { command: process.execPath, args: [fakeSidecar], sidecarPath: fakeSidecar, rule: 'env' },
        { logLevel: 'Debug', clientProcessId: process.pid, env: { ...process.env, FAKE_SIDECAR_MODE: mode }, onStderrLine: l => lines?.push(l) },
    );
    started.push(connection);
    return connection;
}

after(async () => {
    await Promise.all(started.map(c => c.kill()));
});

describe('SidecarConnection against a fake sidecar', () => {
    test('passes --logLevel and --clientProcessId, initializes, forwards stderr lines, shuts down cleanly', async () => {
        const lines: string[] = [];
        const sidecar = startFake('normal', lines);
        const result = await withTimeout(sidecar.initialize({ clientName: 'test', modelPath: null }), 10_000, () => 'initialize timed out');
        const runtime = JSON.parse(result.runtime) as { argv: string[]; params: unknown };
        assert.deepEqual(runtime.argv, ['--logLevel', 'Debug', '--clientProcessId', String(process.pid)]);
        assert.deepEqual(runtime.params, { clientName: 'test', modelPath: null });
        assert.equal(result.pid, sidecar.pid);

        const exit = await sidecar.stop(5_000);
        assert.deepEqual(exit, { code: 0, signal: null });
        assert.equal(sidecar.hasExited, true);
        assert.deepEqual(lines, ['info: Fake.Sidecar[0]', '      started', 'warn: Fake.Sidecar[1] partial line']);
    });

    test('a notification sent before the response is not lost', async () => {
        const sidecar = startFake('normal');
        const notes = new Recorder<DictationStateChangedNotification.Params>();
        sidecar.connection.onNotification(DictationStateChangedNotification.type, notes.push);
        await sidecar.initialize({});
        const wav = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-conn-')), 'a.wav');
        writeSilentWav(wav, 200);
        const started = await sidecar.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'wavFile', path: wav } });
        assert.equal(started.state, 'listening');
        const note = await notes.waitFor(n => n.state === 'listening', 5_000, 'stateChanged listening');
        assert.equal(note.dictationId, started.dictationId);
        await sidecar.stop(5_000);
        fs.rmSync(path.dirname(wav), { recursive: true, force: true });
    });

    test('stop() kills a sidecar that ignores shutdown, after the timeout', async () => {
        const sidecar = startFake('ignoreShutdown');
        await sidecar.initialize({});
        const began = Date.now();
        const exit = await sidecar.stop(300);
        assert.equal(exit.signal, 'SIGKILL');
        assert.ok(Date.now() - began >= 250, 'waited for the timeout before killing');
    });

    test('initialize rejects when the process exits instead of answering', async () => {
        const sidecar = startFake('crashOnInitialize');
        await assert.rejects(sidecar.initialize({}), /exited during initialize \(exit code 3\)/);
        assert.deepEqual(await sidecar.exited, { code: 3, signal: null });
    });

    test('a program that cannot be started reports its error through exited', async () => {
        const sidecar = SidecarConnection.start(
            { command: path.join(__dirname, 'no-such-program'), args: [], sidecarPath: 'x', rule: 'setting' },
            { logLevel: 'Information', clientProcessId: process.pid },
        );
        const exit = await sidecar.exited;
        assert.ok(exit.error, 'spawn error reported');
        await assert.rejects(sidecar.initialize({}));
    });
});

describe('stderr helpers', () => {
    test('LineSplitter joins chunks and splits on LF and CRLF', () => {
        const lines: string[] = [];
        const s = new LineSplitter(l => lines.push(l));
        s.push('a\r\nb');
        s.push('c\n\nd');
        s.flush();
        s.flush();
        assert.deepEqual(lines, ['a', 'bc', '', 'd']);
    });

    test('classifyStderrLine reads .NET console prefixes', () => {
        assert.equal(classifyStderrLine('trce: X[0]'), 'trace');
        assert.equal(classifyStderrLine('dbug: X[0]'), 'debug');
        assert.equal(classifyStderrLine('info: X[0]'), 'info');
        assert.equal(classifyStderrLine('warn: X[0]'), 'warn');
        assert.equal(classifyStderrLine('fail: X[0]'), 'error');
        assert.equal(classifyStderrLine('crit: X[0]'), 'error');
        assert.equal(classifyStderrLine('   at Wispr.Program.Main()'), 'info');
        assert.equal(classifyStderrLine('information about things'), 'info');
    });

    test('sidecarArguments', () => {
        assert.deepEqual(sidecarArguments({ logLevel: 'Trace', clientProcessId: 42 }), ['--logLevel', 'Trace', '--clientProcessId', '42']);
    });

    test('sidecarArguments carry the recognition settings (threads 0 = auto)', () => {
        assert.deepEqual(sidecarArguments({ logLevel: 'Information', clientProcessId: 7, recognition: { threads: 0, audioContext: 'fit' } }),
            ['--logLevel', 'Information', '--clientProcessId', '7', '--threads', '0', '--audioContext', 'fit']);
        assert.deepEqual(sidecarArguments({ logLevel: 'Information', clientProcessId: 7, recognition: { threads: 3, audioContext: 'full' } }).slice(4),
            ['--threads', '3', '--audioContext', 'full']);
    });
});

describe('sidecarEnvironment', () => {
    test('caps glibc malloc arenas unless the user set them, and keeps everything else', () => {
        assert.deepEqual(sidecarEnvironment({ PATH: '/bin' }), { PATH: '/bin', MALLOC_ARENA_MAX: '2' });
        assert.deepEqual(sidecarEnvironment({ PATH: '/bin', MALLOC_ARENA_MAX: '8' }), { PATH: '/bin', MALLOC_ARENA_MAX: '8' });
    });
});

describe('redactSecrets', () => {
    test('masks every apiKey value in traced JSON, pretty or compact, escaped quotes included', () => {
        assert.equal(redactSecrets('Params: {\n    "mode": "llm",\n    "apiKey": "sk-secret\\"x"\n}'), 'Params: {\n    "mode": "llm",\n    "apiKey": "<redacted>"\n}');
        assert.equal(redactSecrets('{"apiKey":"sk-1","model":"m"}'), '{"apiKey":"<redacted>","model":"m"}');
        assert.equal(redactSecrets('{"apiKey":null}'), '{"apiKey":null}');
    });

    for (const level of ['messages', 'compact', 'verbose']) {
        test(`a ${level} trace of cleanup/configure never shows the key`, async () => {
            const sidecar = startFake('normal');
            const traced: string[] = [];
            await sidecar.setTrace(level, { log: (m: unknown, d?: string) => traced.push(`${typeof m === 'string' ? m : JSON.stringify(m)} ${d ?? ''}`) });
            await sidecar.initialize({});
            const result = await sidecar.connection.sendRequest(CleanupConfigureRequest.type, { mode: 'llm', apiKey: 'sk-very-secret-123' });
            assert.equal(result.hasApiKey, true);
            assert.ok(traced.some(t => t.includes('cleanup/configure')), `the request was traced: ${traced.join('\n')}`);
            if (level === 'verbose') {
                assert.ok(traced.some(t => t.includes('"apiKey": "<redacted>"')), traced.join('\n'));
            }
            assert.ok(!traced.some(t => t.includes('sk-very-secret-123')), traced.join('\n'));
            await sidecar.stop(5_000);
        });
    }
});

describe('explainExit', () => {
    test('names the documented exit codes, so a protocol error is reported as one', () => {
        assert.match(explainExit({ code: 4, signal: null }) ?? '', /^protocol error/);
        assert.match(explainExit({ code: 1, signal: null }) ?? '', /client process/);
        assert.equal(explainExit({ code: 77, signal: null }), undefined);
        assert.equal(explainExit({ code: null, signal: 'SIGKILL' }), undefined);
    });
});
