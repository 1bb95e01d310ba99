// No spoken word lost, through the REAL sidecar process: a sidecar killed (SIGKILL) mid-dictation leaves its recording on
// disk; the next sidecar lists it, transcribes it through the normal path, and deletes it on request. A client that goes
// away after the stop's answer but before it confirmed the text (dictation/delivered) leaves the recording too.
// Needs what sidecar.test.ts needs (the sidecar, WISPR_MODEL_PATH, samples/jfk.wav); anything missing FAILS the run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
    AudioLevelNotification,
    DictationSourceEndedNotification,
    DictationStartRequest,
    DictationStopRequest,
    RecordingsDeleteRequest,
    RecordingsListRequest,
    TranscribeFileRequest,
} from '../../../extension/src/sidecar/protocol';
import { SidecarConnection } from '../../../extension/src/sidecar/sidecarConnection';
import { Recorder, withTimeout } from '../waitFor';
import { ASR_TIMEOUT_MS, checkPrerequisites, jfk, printStderr, QUICK_TIMEOUT_MS, spawnSidecar } from './sidecarHarness';

function prerequisites() {
    const checked = checkPrerequisites();
    if (checked instanceof Error) {
        throw checked;
    }
    return checked;
}

describe('a sidecar killed mid-dictation loses no words (integration)', { timeout: 10 * 60_000 }, () => {
    let tmp: string;
    let recordings: string;
    const stderr: string[] = [];
    const started: SidecarConnection[] = [];

    async function startSidecar(beforeInitialize?: (sidecar: SidecarConnection) => void): Promise<SidecarConnection> {
        const { sidecar } = await spawnSidecar(prerequisites(), {
            stderr,
            clientName: 'wispr-recovery-test',
            env: { ...process.env, WISPR_RECORDINGS_DIR: recordings },
            beforeInitialize: s => {
                started.push(s);
                beforeInitialize?.(s);
            },
        });
        return sidecar;
    }

    const wavs = () => (fs.existsSync(recordings) ? fs.readdirSync(recordings).filter(f => f.endsWith('.wav')) : []);

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-recovery-'));
        recordings = path.join(tmp, 'recordings');
    });

    after(async () => {
        for (const s of started) {
            if (!s.hasExited) {
                await s.kill();
            }
        }
        fs.rmSync(tmp, { recursive: true, force: true });
        printStderr(stderr, 30);
    });

    test('kill -9 while listening → the next sidecar lists the recording, transcribes it and deletes it', { timeout: ASR_TIMEOUT_MS + 2 * QUICK_TIMEOUT_MS }, async () => {
        const levels = new Recorder<AudioLevelNotification.Params>();
        const first = await startSidecar(s => s.connection.onNotification(AudioLevelNotification.type, levels.push));
        const start = await withTimeout(first.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'wavFile', path: jfk, realtime: true } }),
            QUICK_TIMEOUT_MS, () => 'dictation/start: no answer');
        // Levels arrive as audio is captured (one per 50 ms); 30 of them is over a second of jfk.wav spoken and spooled.
        await levels.waitFor(() => levels.items.length >= 30, QUICK_TIMEOUT_MS, '30 audio levels');

        const exit = await first.kill();
        assert.equal(exit.signal, 'SIGKILL');
        const left = wavs();
        assert.equal(left.length, 1, `one recording left behind: ${left.join(', ')}`);
        assert.ok(left[0].includes(start.dictationId), `${left[0]} names dictation ${start.dictationId}`);

        const second = await startSidecar();
        const listed = await withTimeout(second.connection.sendRequest(RecordingsListRequest.type, {}), QUICK_TIMEOUT_MS, () => 'recordings/list: no answer');
        assert.equal(listed.folder, recordings);
        assert.equal(listed.recordings.length, 1);
        const recording = listed.recordings[0];
        assert.equal(recording.path, path.join(recordings, left[0]));
        assert.ok(recording.durationMs >= 1000 && recording.durationMs < 11_500, `kept ${recording.durationMs} ms of the 11 s sample`);

        const result = await withTimeout(second.connection.sendRequest(TranscribeFileRequest.type, { path: recording.path }), ASR_TIMEOUT_MS,
            () => 'transcribeFile of the recovered recording: no transcript');
        assert.ok(result.text.trim().length > 0, 'the recovered recording has words');
        assert.ok(Math.abs(result.audioDurationMs - recording.durationMs) <= 1, `transcribed ${result.audioDurationMs} ms of ${recording.durationMs}`);

        const deleted = await second.connection.sendRequest(RecordingsDeleteRequest.type, { id: recording.id });
        assert.equal(deleted.deleted, true);
        assert.deepEqual((await second.connection.sendRequest(RecordingsListRequest.type, {})).recordings, []);
        assert.deepEqual(wavs(), []);
        await second.stop(QUICK_TIMEOUT_MS);
    });

    test('the client goes away after the stop\'s answer, before dictation/delivered → the next sidecar offers the recording', { timeout: ASR_TIMEOUT_MS + 3 * QUICK_TIMEOUT_MS }, async () => {
        const sourceEnds = new Recorder<DictationSourceEndedNotification.Params>();
        const first = await startSidecar(s => s.connection.onNotification(DictationSourceEndedNotification.type, sourceEnds.push));
        const start = await withTimeout(first.connection.sendRequest(DictationStartRequest.type,
            { source: { kind: 'wavFile', path: jfk, realtime: false }, confirmDelivery: true }), QUICK_TIMEOUT_MS, () => 'dictation/start: no answer');
        await sourceEnds.waitFor(e => e.dictationId === start.dictationId, QUICK_TIMEOUT_MS, 'the sample played to its end');
        const result = await withTimeout(first.connection.sendRequest(DictationStopRequest.type, { dictationId: start.dictationId }), ASR_TIMEOUT_MS,
            () => 'dictation/stop: no transcript');
        assert.ok(result.text.trim().length > 0, 'the answer has words');

        // The window closes (or its extension host dies) before the text reached the editor: no dictation/delivered, and the
        // sidecar is told to shut down as on a window close.
        const exit = await first.stop(QUICK_TIMEOUT_MS);
        assert.equal(exit.code, 0, `a clean shutdown: ${JSON.stringify(exit)}`);
        const left = wavs();
        assert.equal(left.length, 1, `the answered recording stays: ${left.join(', ')}`);
        assert.ok(left[0].includes(start.dictationId), `${left[0]} names dictation ${start.dictationId}`);

        const second = await startSidecar();
        const listed = await withTimeout(second.connection.sendRequest(RecordingsListRequest.type, {}), QUICK_TIMEOUT_MS, () => 'recordings/list: no answer');
        const recording = listed.recordings.find(r => r.id === left[0]);
        assert.ok(recording, `recordings/list offers it: ${JSON.stringify(listed.recordings)}`);
        assert.ok(Math.abs(recording.durationMs - result.audioDurationMs) <= 1, `all of it: ${recording.durationMs} ms of ${result.audioDurationMs}`);
        assert.equal((await second.connection.sendRequest(RecordingsDeleteRequest.type, { id: recording.id })).deleted, true);
        assert.deepEqual(wavs(), []);
        await second.stop(QUICK_TIMEOUT_MS);
    });
});
