// The recovery of kept recordings, against a mock `vscode` and a scripted sidecar: what the user is told and what is asked
// of the sidecar for each answer.
import assert from 'node:assert/strict';
import Module from 'node:module';
import * as path from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import type * as RecoveryModule from '../../../extension/src/dictation/recovery';
import type { RecordingInfo } from '../../../extension/src/sidecar/protocol';
import type { SidecarProcess } from '../../../extension/src/sidecar/sidecarProcess';
import type * as VscodeMock from '../fixtures/vscodeMock';

const mockPath = path.join(__dirname, '..', 'fixtures', 'vscodeMock.js');
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const originalResolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? mockPath : originalResolve.call(this, request, ...rest);
};
const vscode = require(mockPath) as typeof VscodeMock;
const { RecordingRecovery, TRANSCRIBE_RECOVERED, DISCARD_RECOVERED } = require('../../../extension/src/dictation/recovery') as typeof RecoveryModule;
const { SidecarState } = require('../../../extension/src/sidecar/sidecarState') as typeof import('../../../extension/src/sidecar/sidecarState');
const { DictationStage } = require('../../../extension/src/dictation/dictationController') as typeof import('../../../extension/src/dictation/dictationController');

const recording: RecordingInfo = { id: 'dictation-1.wav', path: '/tmp/rec/dictation-1.wav', durationMs: 4200, sizeBytes: 268_844, createdMs: Date.now() };

/** A sidecar that answers recordings/list from `left` and records every request. */
function scriptedSidecar(left: RecordingInfo[]) {
    const stateChanges = new vscode.EventEmitter<string>();
    const requests: { method: string; params: unknown }[] = [];
    let state: string = SidecarState.Starting;
    const sidecar = {
        state: { get state() { return state; }, onDidChangeState: stateChanges.event },
        onRecordingUnsaved: new vscode.EventEmitter<{ dictationId: string; error: string }>().event,
        async request(type: { method: string }, params: unknown) {
            requests.push({ method: type.method, params });
            if (type.method === 'recordings/list') {
                return { folder: '/tmp/rec', recordings: [...left] };
            }
            if (type.method === 'recordings/delete') {
                const id = (params as { id: string }).id;
                const i = left.findIndex(r => r.id === id);
                if (i >= 0) {
                    left.splice(i, 1);
                }
                return { deleted: i >= 0 };
            }
            throw new Error(`unexpected ${type.method}`);
        },
    };
    return {
        sidecar: sidecar as unknown as SidecarProcess,
        requests,
        ready() {
            state = SidecarState.Ready;
            stateChanges.fire(state);
        },
    };
}

function dictation(transcribed: boolean) {
    const interrupted = new vscode.EventEmitter<import('../../../extension/src/dictation/dictationController').DictationStage>();
    const files: string[] = [];
    return {
        files,
        interrupt: (stage: import('../../../extension/src/dictation/dictationController').DictationStage) => interrupted.fire(stage),
        controller: {
            onDidInterruptDictation: interrupted.event,
            async transcribeFile(uri: { fsPath: string }) {
                files.push(uri.fsPath);
                return transcribed;
            },
        },
    };
}

const log = vscode.window.createOutputChannel('Wispr', { log: true }) as unknown as import('vscode').LogOutputChannel;

/** Answers the next warning that offers recovery with `choice`; resolves once the recovery has acted on it. */
function answerWith(choice: string | undefined): Promise<void> {
    return new Promise(resolve => {
        const original = vscode.window.showWarningMessage;
        vscode.window.showWarningMessage = (async (text: string, ...items: string[]) => {
            await original(text, ...items);
            if (items.includes(TRANSCRIBE_RECOVERED)) {
                vscode.window.showWarningMessage = original;
                setImmediate(resolve);
                return choice;
            }
            return undefined;
        }) as typeof original;
    });
}

async function settled(recovery: InstanceType<typeof RecordingRecovery>): Promise<void> {
    await recovery.whenIdle();
}

describe('recovery of kept recordings', () => {
    beforeEach(() => vscode.mock.reset());

    test('after a sidecar becomes ready, a kept recording is offered; "Transcribe recovered recording" transcribes it, then deletes it', async () => {
        const s = scriptedSidecar([{ ...recording }]);
        const d = dictation(true);
        const answered = answerWith(TRANSCRIBE_RECOVERED);
        const recovery = new RecordingRecovery(s.sidecar, d.controller, log);
        s.ready();
        await answered;
        await settled(recovery);
        const offer = vscode.mock.messages.find(m => m.items.includes(TRANSCRIBE_RECOVERED));
        assert.ok(offer, 'an offer was shown');
        assert.match(offer.text, /your recording was kept \(4\.2 s recorded/);
        assert.deepEqual(offer.items, [TRANSCRIBE_RECOVERED, DISCARD_RECOVERED]);
        assert.deepEqual(d.files, [recording.path]);
        assert.deepEqual(s.requests.map(r => r.method), ['recordings/list', 'recordings/delete']);
        assert.deepEqual(s.requests[1].params, { id: recording.id });
        recovery.dispose();
    });

    test('a recording whose transcription failed is kept', async () => {
        const s = scriptedSidecar([{ ...recording }]);
        const d = dictation(false);
        const answered = answerWith(TRANSCRIBE_RECOVERED);
        const recovery = new RecordingRecovery(s.sidecar, d.controller, log);
        s.ready();
        await answered;
        await settled(recovery);
        assert.deepEqual(d.files, [recording.path]);
        assert.ok(!s.requests.some(r => r.method === 'recordings/delete'), 'not deleted');
        recovery.dispose();
    });

    test('"Discard" deletes without transcribing; a dismissed offer is not repeated at the next start', async () => {
        const s = scriptedSidecar([{ ...recording }, { ...recording, id: 'dictation-2.wav', path: '/tmp/rec/dictation-2.wav' }]);
        const d = dictation(true);
        const answered = answerWith(DISCARD_RECOVERED);
        const recovery = new RecordingRecovery(s.sidecar, d.controller, log);
        s.ready();
        await answered;
        await settled(recovery);
        assert.deepEqual(d.files, []);
        assert.deepEqual(s.requests.filter(r => r.method === 'recordings/delete').map(r => r.params), [{ id: 'dictation-1.wav' }, { id: 'dictation-2.wav' }]);

        const s2 = scriptedSidecar([{ ...recording }]);
        const again = new RecordingRecovery(s2.sidecar, d.controller, log);
        s2.ready();
        await settled(again);
        const offers = vscode.mock.messages.filter(m => m.items.includes(TRANSCRIBE_RECOVERED)).length;
        s2.ready(); // a restart: the same recording is not offered twice in one session
        await settled(again);
        assert.equal(vscode.mock.messages.filter(m => m.items.includes(TRANSCRIBE_RECOVERED)).length, offers);
        recovery.dispose();
        again.dispose();
    });

    test('a dictation interrupted by the sidecar stopping is shown at once, and the next offer says what happened', async () => {
        const s = scriptedSidecar([{ ...recording }]);
        const d = dictation(true);
        const recovery = new RecordingRecovery(s.sidecar, d.controller, log);
        d.interrupt(DictationStage.Listening);
        assert.match(vscode.mock.messages[0].text, /the sidecar stopped while you were dictating; your recording was kept/);
        const answered = answerWith(undefined);
        s.ready();
        await answered;
        await settled(recovery);
        const offer = vscode.mock.messages.find(m => m.items.includes(TRANSCRIBE_RECOVERED));
        assert.match(offer?.text ?? '', /^Wispr: the sidecar stopped while you were dictating; your recording was kept/);
        assert.deepEqual(s.requests.map(r => r.method), ['recordings/list']);
        recovery.dispose();
    });
});
