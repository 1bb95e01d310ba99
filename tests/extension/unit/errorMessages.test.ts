import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { actionLabels, describeFailure, describeRpcError, errorTable, firstPath, MAX_MESSAGE_CHARS } from '../../../extension/src/dictation/errorMessages';
import { ErrorCodes } from '../../../extension/src/sidecar/protocol';
import { repoRoot } from '../repoRoot';

// What the sidecar really says when the default model is missing offline: the wall of text users used to get.
const offlineModelNotFound = 'Model ggml-base.en.bin is not on this machine and could not be downloaded from '
    + 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin (Connection refused (huggingface.co:443)). '
    + 'Download it yourself and put it at /home/ada/.cache/wispr-vscode/models/ggml-base.en.bin, or point the setting '
    + 'wispr.whisper.modelPath (or --model) at a local file.';

/** The codes of docs/protocol.md's error table. */
function documentedCodes(): number[] {
    const doc = fs.readFileSync(path.join(repoRoot(), 'docs', 'protocol.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Error codes'));
    return [...table.matchAll(/^\| (-?\d+) \| (\w+) \|/gm)].map(m => Number(m[1]));
}

describe('describeRpcError', () => {
    test('every documented error code has its own short message and, unless silent, a button that helps', () => {
        const codes = documentedCodes();
        assert.ok(codes.length >= 25, `read ${codes.length} codes from docs/protocol.md`);
        assert.deepEqual([...codes].sort(), Object.values(ErrorCodes).map(Number).sort(), 'protocol.ts mirrors the documented table');
        for (const code of codes) {
            assert.ok(errorTable[code], `code ${code} has an entry`);
            for (const detail of ['', 'short detail.', offlineModelNotFound, `${offlineModelNotFound}\n${offlineModelNotFound}`]) {
                const m = describeRpcError(code, detail);
                assert.ok(m.text.length > 0 && m.text.length <= MAX_MESSAGE_CHARS, `code ${code}: ${m.text.length} characters`);
                assert.doesNotMatch(m.text, /\n/, `code ${code} is one paragraph`);
                assert.doesNotMatch(m.text, /sidecar|RPC|https?:/i, `code ${code} speaks the user's language`);
                assert.doesNotMatch(m.text, /unexpected error \d+/, `code ${code} falls through to the generic message`);
                if (m.severity === 'error') {
                    assert.ok(m.actions.length > 0, `code ${code} offers a way out`);
                }
                assert.ok(m.actions.length <= 4, `code ${code}: at most four buttons`);
            }
        }
    });

    test('the offline first dictation: two lines at most, Choose Model… first, the details for the log', () => {
        const m = describeRpcError(ErrorCodes.ModelNotFound, offlineModelNotFound);
        assert.equal(m.severity, 'error');
        assert.ok(m.text.length <= MAX_MESSAGE_CHARS);
        assert.match(m.text, /no speech model/);
        assert.deepEqual(m.actions.map(a => actionLabels[a]), ['Choose Model…', 'Choose File…', 'Retry', 'Open Folder']);
        assert.equal(m.detail, offlineModelNotFound, 'the whole story goes to the log');
        assert.equal(m.path, '/home/ada/.cache/wispr-vscode/models/ggml-base.en.bin', 'Open Folder reveals where the model belongs, never the URL');
    });

    test('a failure that kept the recording offers to transcribe it first', () => {
        const m = describeRpcError(ErrorCodes.TranscriptionFailed, 'whisper failed (code -6). The recording was kept at /tmp/rec/d3.wav.');
        assert.equal(m.actions[0], 'transcribeSaved');
        assert.equal(actionLabels[m.actions[0]], 'Transcribe Saved Recording');
    });

    test('a sidecar message that says how to fix it is shown when it fits; cancellation is silent; no speech is information', () => {
        const recorder = describeRpcError(ErrorCodes.RecorderMissing, 'parec is not installed; install the package pulseaudio-utils.');
        assert.equal(recorder.text, 'Wispr: the recording program is missing: parec is not installed; install the package pulseaudio-utils.');
        const long = describeRpcError(ErrorCodes.RecorderMissing, offlineModelNotFound);
        assert.match(long.text, /recording program/, 'too long: the short text instead');
        assert.equal(describeRpcError(ErrorCodes.RequestCanceled, '').severity, 'silent');
        assert.equal(describeRpcError(ErrorCodes.Cancelled, '').severity, 'silent');
        assert.equal(describeRpcError(ErrorCodes.NoSpeech, '').severity, 'info');
    });

    test('unknown codes still say something short and offer the logs', () => {
        const m = describeRpcError(4242, 'odd');
        assert.equal(m.severity, 'error');
        assert.match(m.text, /4242/);
        assert.deepEqual(m.actions, ['showLogs']);
    });

    test('extension-side failures are cut to two lines; the rest goes to the log', () => {
        const m = describeFailure(`The sidecar stopped. ${'x '.repeat(200)}`);
        assert.ok(m.text.length <= MAX_MESSAGE_CHARS);
        assert.ok(m.detail && m.detail.length > m.text.length);
    });

    test('paths, never URLs, are taken for Open Folder', () => {
        assert.equal(firstPath('from https://host/a/b.bin (refused). Put it at /x/y/z.bin, or'), '/x/y/z.bin');
        assert.equal(firstPath('C:\\Users\\me\\m.bin is missing.'), 'C:\\Users\\me\\m.bin');
        assert.equal(firstPath('no path here'), undefined);
    });
});
