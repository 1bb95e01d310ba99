// No spoken word lost, through the REAL sidecar process: a sidecar killed (SIGKILL) mid-dictation leaves its recording on
// disk; the next sidecar lists it, transcribes it through the normal path, and deletes it on request.
// Needs what sidecar.test.ts needs (the sidecar, WISPR_MODEL_PATH, samples/jfk.wav); anything missing FAILS the run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { locateSidecar, SidecarLaunch } from '../../../extension/src/sidecar/locateSidecar';
import {
    AudioLevelNotification,
    DictationStartRequest,
    RecordingsDeleteRequest,
    RecordingsListRequest,
    TranscribeFileRequest,
} from '../../../extension/src/sidecar/protocol';
import { SidecarConnection } from '../../../extension/src/sidecar/sidecarConnection';
import { repoRoot } from '../repoRoot';
import { Recorder, withTimeout } from '../waitFor';

const root = repoRoot();
const jfk = path.join(root, 'samples', 'jfk.wav');
const ASR_TIMEOUT_MS = 240_000;
const QUICK_TIMEOUT_MS = 30_000;

function prerequisites(): { launch: SidecarLaunch; modelPath: string } {
    const modelPath = process.env.WISPR_MODEL_PATH;
    if (!modelPath || !fs.existsSync(modelPath)) {
        throw new Error(`Integration test prerequisite missing: a model file in WISPR_MODEL_PATH (${modelPath ?? 'not set'}).`);
    }
    if (!fs.existsSync(jfk)) {
        throw new Error(`Integration test prerequisite missing: ${jfk}.`);
    }
    const launch = locateSidecar({
        env: process.env,
        settingPath: undefined,
        extensionRoot: root,
        platform: process.platform,
        arch: process.arch,
        exists: p => fs.existsSync(p),
        log: m => console.log(`# ${m}`),
    });
    return { launch, modelPath: path.resolve(modelPath) };
}

describe('a sidecar killed mid-dictation loses no words (integration)', { timeout: 10 * 60_000 }, () => {
    let tmp: string;
    let recordings: string;
    const stderr: string[] = [];
    const started: SidecarConnection[] = [];

    async function startSidecar(modelPath: string, launch: SidecarLaunch): Promise<SidecarConnection> {
        const sidecar = SidecarConnection.start(launch, {
            logLevel: 'Debug',
            clientProcessId: process.pid,
            onStderrLine: line => stderr.push(line),
            env: { ...process.env, WISPR_RECORDINGS_DIR: recordings },
        });
        started.push(sidecar);
        await withTimeout(sidecar.initialize({ clientName: 'wispr-recovery-test', clientVersion: '0', modelPath }), QUICK_TIMEOUT_MS,
            () => `initialize: no answer. stderr:\n${stderr.join('\n')}`);
        return sidecar;
    }

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
        if (stderr.length > 0) {
            console.log(`# sidecar stderr (last 30 lines):\n${stderr.slice(-30).map(l => `#   ${l}`).join('\n')}`);
        }
    });

    test('kill -9 while listening → the next sidecar lists the recording, transcribes it and deletes it', { timeout: ASR_TIMEOUT_MS + 2 * QUICK_TIMEOUT_MS }, async () => {
        const { launch, modelPath } = prerequisites();
        const first = await startSidecar(modelPath, launch);
        const levels = new Recorder<AudioLevelNotification.Params>();
        first.connection.onNotification(AudioLevelNotification.type, levels.push);
        const start = await withTimeout(first.connection.sendRequest(DictationStartRequest.type, { source: { kind: 'wavFile', path: jfk, realtime: true } }),
            QUICK_TIMEOUT_MS, () => 'dictation/start: no answer');
        // Levels arrive as audio is captured (one per 50 ms); 30 of them is over a second of jfk.wav spoken and spooled.
        await levels.waitFor(() => levels.items.length >= 30, QUICK_TIMEOUT_MS, '30 audio levels');

        const exit = await first.kill();
        assert.equal(exit.signal, 'SIGKILL');
        const left = fs.readdirSync(recordings).filter(f => f.endsWith('.wav'));
        assert.equal(left.length, 1, `one recording left behind: ${left.join(', ')}`);
        assert.ok(left[0].includes(start.dictationId), `${left[0]} names dictation ${start.dictationId}`);

        const second = await startSidecar(modelPath, launch);
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
        assert.deepEqual(fs.readdirSync(recordings).filter(f => f.endsWith('.wav')), []);
        await second.stop(QUICK_TIMEOUT_MS);
    });
});
