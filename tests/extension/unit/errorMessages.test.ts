import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeRpcError } from '../../../extension/src/dictation/errorMessages';
import { ErrorCodes } from '../../../extension/src/sidecar/protocol';

describe('describeRpcError', () => {
    test('every protocol code has a deliberate message', () => {
        for (const [name, code] of Object.entries(ErrorCodes)) {
            const m = describeRpcError(code, 'detail from the sidecar');
            assert.ok(m.text.length > 0, name);
            assert.doesNotMatch(m.text, /sidecar error \d+/, `${name} falls through to the generic message`);
        }
    });

    test('cancellation is silent, no speech is information, model errors offer the setting', () => {
        assert.equal(describeRpcError(ErrorCodes.RequestCanceled, '').severity, 'silent');
        assert.equal(describeRpcError(ErrorCodes.Cancelled, '').severity, 'silent');
        assert.equal(describeRpcError(ErrorCodes.NoSpeech, '').severity, 'info');
        const model = describeRpcError(ErrorCodes.ModelNotFound, 'ggml-base.en.bin is missing; put it in ~/.cache/wispr');
        assert.equal(model.severity, 'error');
        assert.ok(model.text.includes('ggml-base.en.bin is missing'), 'the sidecar message naming the file is kept');
        assert.ok(model.actions.includes('openModelSetting'));
    });

    test('unknown codes still show the message and offer the logs', () => {
        const m = describeRpcError(4242, 'odd');
        assert.equal(m.severity, 'error');
        assert.match(m.text, /4242.*odd/);
        assert.deepEqual(m.actions, ['showLogs']);
    });
});
