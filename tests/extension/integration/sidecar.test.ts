// Drives the REAL sidecar over stdio with vscode-jsonrpc, through the same SidecarConnection the extension uses.
// Needs: the sidecar (WISPR_SIDECAR_PATH, or the dev build sidecar/Wispr.Sidecar/bin/Debug/net10.0/Wispr.Sidecar.dll),
// a model (WISPR_MODEL_PATH; a random-weight model is fine: the text is nonsense but not empty) and samples/jfk.wav.
// Anything missing FAILS the run: this suite never skips.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { execFile } from 'node:child_process';
import {
    AudioLevelNotification,
    AudioListDevicesRequest,
    DictationCancelRequest,
    DictationSourceEndedNotification,
    DictationStartRequest,
    DictationStateChangedNotification,
    DictationStopRequest,
    ErrorCodes,
    InitializeRequest,
    isRpcError,
    StatusRequest,
    TranscribeFileRequest,
    TranscriptResult,
} from '../../../extension/src/sidecar/protocol';
import { SidecarConnection } from '../../../extension/src/sidecar/sidecarConnection';
import { Recorder, withTimeout } from '../waitFor';
import { ASR_TIMEOUT_MS, checkPrerequisites, jfk, printStderr, QUICK_TIMEOUT_MS, spawnSidecar } from './sidecarHarness';

let sidecar: SidecarConnection;
let init: InitializeRequest.Result;
const states = new Recorder<DictationStateChangedNotification.Params>();
const levels = new Recorder<AudioLevelNotification.Params>();
const sourceEnds = new Recorder<DictationSourceEndedNotification.Params>();
/** The PulseAudio test server of scripts/pulse-test-server.sh (exported by scripts/test-all.sh); the sidecar inherits PULSE_SERVER. */
const pulseServer = process.env.WISPR_TEST_PULSE_SERVER;
const noPulse = pulseServer ? false : 'no PulseAudio test server (WISPR_TEST_PULSE_SERVER unset: run scripts/pulse-test-server.sh, as scripts/test-all.sh does)';
const stderr: string[] = [];
let tmp: string;

async function expectRpcError(promise: Promise<unknown>, code: number, what: string): Promise<void> {
    await assert.rejects(withTimeout(promise, QUICK_TIMEOUT_MS, () => `${what}: no answer`), (e: unknown) => {
        assert.ok(isRpcError(e), `${what}: expected a JSON-RPC error, got ${String(e)}`);
        assert.equal(e.code, code, `${what}: code ${e.code} (${e.message})`);
        assert.ok(e.message.trim().length > 0, `${what}: the error has a user-facing message`);
        return true;
    });
}

/** After an error the sidecar must keep serving: `status` answers and no dictation is left running. */
async function assertStillServing(): Promise<void> {
    assert.equal(sidecar.hasExited, false, 'the sidecar is still running');
    const status = await withTimeout(sidecar.connection.sendRequest(StatusRequest.type, {}), QUICK_TIMEOUT_MS, () => 'status: no answer');
    assert.equal(status.state, 'idle');
}

/** The notification that a dictation ended: the protocol allows its id or null on the way to idle. */
function endedIdle(dictationId: string) {
    return (n: DictationStateChangedNotification.Params) => n.state === 'idle' && (n.dictationId === dictationId || n.dictationId === null);
}

function assertTranscript(result: TranscriptResult, what: string): void {
    assert.equal(typeof result.text, 'string', `${what}: text`);
    assert.ok(result.text.trim().length > 0, `${what}: the text is not empty`);
    assert.ok(Array.isArray(result.segments), `${what}: segments`);
    assert.ok(result.audioDurationMs > 0, `${what}: audioDurationMs ${result.audioDurationMs}`);
    assert.equal(typeof result.backend, 'string');
    assert.equal(typeof result.modelPath, 'string');
    for (const key of ['stopToTextMs', 'asrMs', 'loadMs'] as const) {
        assert.equal(typeof result.timings?.[key], 'number', `${what}: timings.${key}`);
        assert.ok(result.timings[key] >= 0, `${what}: timings.${key} >= 0`);
    }
}

const prerequisites = checkPrerequisites();

// A test of its own (not only a hook) so a missing sidecar or model counts as a failure, never as a skip or a cancel.
test('integration prerequisites: sidecar, WISPR_MODEL_PATH and samples/jfk.wav are present', () => {
    if (prerequisites instanceof Error) {
        throw prerequisites;
    }
});

describe('sidecar over stdio (integration)', { timeout: 15 * 60_000 }, () => {
    before(async () => {
        if (prerequisites instanceof Error) {
            throw prerequisites;
        }
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-it-'));
        ({ sidecar, init } = await spawnSidecar(prerequisites, {
            stderr,
            clientName: 'wispr-integration-test',
            beforeInitialize: s => {
                s.connection.onNotification(DictationStateChangedNotification.type, states.push);
                s.connection.onNotification(AudioLevelNotification.type, levels.push);
                s.connection.onNotification(DictationSourceEndedNotification.type, sourceEnds.push);
            },
        }));
    });

    after(async () => {
        if (sidecar && !sidecar.hasExited) {
            await sidecar.kill();
        }
        if (tmp) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
        printStderr(stderr, 40); // diagnostics for whoever reads a failed run; TAP treats '#' lines as comments
    });

    beforeEach(async () => {
        // Each test starts from idle even if the one before failed half-way (no cascade of InvalidState failures).
        if (sidecar && !sidecar.hasExited) {
            await sidecar.connection.sendRequest(DictationCancelRequest.type, {}).catch(() => undefined);
        }
    });

    test('initialize reports the protocol, capabilities and an idle status', () => {
        assert.equal(init.protocolVersion, 1);
        assert.equal(typeof init.sidecarVersion, 'string');
        assert.equal(typeof init.runtime, 'string');
        // Equal to the spawned pid for the apphost or `dotnet x.dll`; a wrapper script in WISPR_SIDECAR_PATH would differ.
        assert.ok(Number.isInteger(init.pid) && init.pid > 0, `pid ${init.pid}`);
        assert.equal(init.capabilities.transcribeFile, true);
        assert.ok(init.capabilities.audioSources.includes('wavFile'));
        assert.ok(init.capabilities.backends.some(b => b.available), 'at least one backend is available');
        for (const b of init.capabilities.backends) {
            assert.equal(typeof b.id, 'string');
            assert.equal(typeof b.label, 'string');
            if (!b.available) {
                assert.ok(b.reason, `unavailable backend ${b.id} says why`);
            }
        }
        assert.equal(init.status.state, 'idle');
        assert.equal(init.status.dictationId, null);
    });

    test('stop without start fails with InvalidState (3001) and the sidecar keeps serving', async () => {
        await expectRpcError(sidecar.connection.sendRequest(DictationStopRequest.type, {}), ErrorCodes.InvalidState, 'dictation/stop');
        await assertStillServing();
    });

    test('cancel without a dictation answers cancelled: false', async () => {
        const result = await sidecar.connection.sendRequest(DictationCancelRequest.type, {});
        assert.deepEqual(result, { cancelled: false });
    });

    test('a missing WAV file fails with AudioFileNotFound (1001), for dictation and transcribeFile', async () => {
        const missing = path.join(tmp, 'does-not-exist.wav');
        await expectRpcError(
            sidecar.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'wavFile', path: missing } }),
            ErrorCodes.AudioFileNotFound,
            'dictation/start',
        );
        await assertStillServing();
        await expectRpcError(sidecar.connection.sendRequest(TranscribeFileRequest.type, { path: missing }), ErrorCodes.AudioFileNotFound, 'transcribeFile');
        await assertStillServing();
    });

    test('a file that is not a WAV fails with AudioFormatUnsupported (1002), for dictation and transcribeFile', async () => {
        const notWav = path.join(tmp, 'not-audio.wav');
        fs.writeFileSync(notWav, 'this is text, not RIFF/WAVE audio\n'.repeat(20));
        await expectRpcError(
            sidecar.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'wavFile', path: notWav } }),
            ErrorCodes.AudioFormatUnsupported,
            'dictation/start',
        );
        await assertStillServing();
        await expectRpcError(sidecar.connection.sendRequest(TranscribeFileRequest.type, { path: notWav }), ErrorCodes.AudioFormatUnsupported, 'transcribeFile');
        await assertStillServing();
    });

    test('dictation: start → stateChanged listening → stop returns text and timings', { timeout: ASR_TIMEOUT_MS + QUICK_TIMEOUT_MS }, async () => {
        // realtime: false feeds the whole file at once, without waiting 11 s of playback; the stop waits for the state
        // "the whole file was read" (dictation/sourceEnded), which a loaded machine may reach well after the start's reply.
        const from = states.mark();
        const fromEnd = sourceEnds.mark();
        const started = await withTimeout(
            sidecar.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'wavFile', path: jfk, realtime: false } }),
            QUICK_TIMEOUT_MS,
            () => 'dictation/start: no answer',
        );
        assert.equal(started.state, 'listening');
        assert.equal(typeof started.dictationId, 'string');
        const listening = await states.waitFor(
            n => n.dictationId === started.dictationId && n.state === 'listening',
            QUICK_TIMEOUT_MS,
            'dictation/stateChanged → listening',
            from,
        );
        assert.equal(listening.previousState, 'idle');

        await expectRpcError(
            sidecar.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'wavFile', path: jfk } }),
            ErrorCodes.InvalidState,
            'a second dictation/start',
        );

        const ended = await sourceEnds.waitFor(n => n.dictationId === started.dictationId, QUICK_TIMEOUT_MS, 'dictation/sourceEnded', fromEnd);
        assert.ok(ended.capturedMs > 10_000, `the whole of jfk.wav (about 11 s) was read: ${ended.capturedMs} ms`);
        const result = await withTimeout(
            sidecar.connection.sendRequest(DictationStopRequest.type, { dictationId: started.dictationId }),
            ASR_TIMEOUT_MS,
            () => 'dictation/stop: no transcript',
        );
        assertTranscript(result, 'dictation/stop');
        assert.equal(result.dictationId, started.dictationId);
        assert.ok(result.audioDurationMs > 10_000, `all of it was transcribed: ${result.audioDurationMs} ms`);
        await states.waitFor(endedIdle(started.dictationId), QUICK_TIMEOUT_MS, 'dictation/stateChanged → idle', from);
        await assertStillServing();
        // After a stop the dictation is over: stopping again is an InvalidState.
        await expectRpcError(
            sidecar.connection.sendRequest(DictationStopRequest.type, { dictationId: started.dictationId }),
            ErrorCodes.InvalidState,
            'a second dictation/stop',
        );
    });

    test('transcribeFile returns text, timings and no dictation id', { timeout: ASR_TIMEOUT_MS + QUICK_TIMEOUT_MS }, async () => {
        const result = await withTimeout(
            sidecar.connection.sendRequest(TranscribeFileRequest.type, { path: jfk }),
            ASR_TIMEOUT_MS,
            () => 'transcribeFile: no transcript',
        );
        assertTranscript(result, 'transcribeFile');
        assert.equal(result.dictationId, null);
        assert.ok(result.audioDurationMs > 10_000 && result.audioDurationMs < 12_000, `jfk.wav is about 11 s, got ${result.audioDurationMs} ms`);
        await assertStillServing();
    });

    test('cancel discards a running dictation', async () => {
        const from = states.mark();
        const started = await sidecar.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'wavFile', path: jfk } });
        await states.waitFor(n => n.dictationId === started.dictationId && n.state === 'listening', QUICK_TIMEOUT_MS, 'stateChanged → listening', from);
        const cancelled = await sidecar.connection.sendRequest(DictationCancelRequest.type, { dictationId: started.dictationId });
        assert.deepEqual(cancelled, { cancelled: true });
        await states.waitFor(endedIdle(started.dictationId), QUICK_TIMEOUT_MS, 'stateChanged → idle after cancel', from);
        await expectRpcError(
            sidecar.connection.sendRequest(DictationStopRequest.type, { dictationId: started.dictationId }),
            ErrorCodes.InvalidState,
            'dictation/stop after cancel',
        );
        await assertStillServing();
    });

    test('microphone: speech played into the audio server reaches the text path, with input levels', { skip: noPulse, timeout: ASR_TIMEOUT_MS + QUICK_TIMEOUT_MS }, async () => {
        const devices = await sidecar.connection.sendRequest(AudioListDevicesRequest.type, {});
        assert.ok(devices.devices.some(d => d.id === 'wispr_test.monitor'), JSON.stringify(devices));
        const from = levels.mark();
        const started = await withTimeout(
            sidecar.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'microphone', device: 'wispr_test.monitor' } }),
            QUICK_TIMEOUT_MS,
            () => 'dictation/start (microphone): no answer',
        );
        await new Promise<void>((resolve, reject) => execFile('paplay', ['--device=wispr_test', jfk], { env: { ...process.env, PULSE_SERVER: pulseServer } },
            e => (e ? reject(e) : resolve())));
        const loud = await levels.waitFor(l => l.dictationId === started.dictationId && l.peak > 0.1, QUICK_TIMEOUT_MS, 'audio/level with sound', from);
        assert.equal(typeof loud.silentMs, 'number');
        const result = await withTimeout(
            sidecar.connection.sendRequest(DictationStopRequest.type, { dictationId: started.dictationId }),
            ASR_TIMEOUT_MS,
            () => 'dictation/stop (microphone): no transcript',
        );
        assertTranscript(result, 'microphone dictation');
        assert.ok(result.audioDurationMs > 10_500 && result.audioDurationMs < 13_000, `jfk.wav is about 11 s, captured ${result.audioDurationMs} ms`);
        await assertStillServing();
    });

    test('shutdown: the sidecar answers and exits with code 0', async () => {
        const exit = await sidecar.stop(QUICK_TIMEOUT_MS);
        assert.deepEqual(exit, { code: 0, signal: null }, 'exited by itself after shutdown, not killed');
    });
});
