import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LivePreview, PreviewIndicator } from '../../../extension/src/dictation/livePreview';
import { DictationPhase, DictationStage, isBusy, nextPhase, PhaseEvent, stageOf } from '../../../extension/src/dictation/dictationPhase';

/** A fake cursor indicator bound to a fake editor: records what is drawn; the "document" is a string nothing here may touch. */
function fakeIndicator() {
    const drawn: (string | undefined)[] = [];
    let visible = false;
    const indicator: PreviewIndicator = {
        show: (phase, text) => {
            visible = true;
            drawn.push(`${phase}:${text ?? ''}`);
        },
        hide: () => {
            visible = false;
            drawn.push(undefined);
        },
    };
    return { indicator, drawn, get visible() { return visible; }, get last() { return drawn[drawn.length - 1]; } };
}

const segment = (dictationId: string, index: number, text: string) => ({ dictationId, index, startMs: index * 1000, endMs: index * 1000 + 1000, text, asrMs: 100 });

describe('LivePreview (provisional text in the cursor indicator)', () => {
    test('segments appear in order while listening, stay while transcribing, and go at idle', () => {
        const view = fakeIndicator();
        const preview = new LivePreview(() => true);
        preview.setStage('listening', 'd1', view.indicator);
        assert.equal(view.last, 'listening:');
        preview.accept(segment('d1', 0, 'ask not'));
        assert.equal(view.last, 'listening:ask not');
        // A late notification cannot reorder: index 2 before 1 still reads in recording order.
        preview.accept(segment('d1', 2, 'can do'));
        preview.accept(segment('d1', 1, 'what your country'));
        assert.equal(view.last, 'listening:ask not what your country can do');
        preview.accept(segment('d1', 1, 'what your country')); // repeated: not doubled
        assert.equal(preview.text, 'ask not what your country can do');
        preview.setStage('transcribing', 'd1', view.indicator);
        assert.equal(view.last, 'transcribing:ask not what your country can do');
        preview.setStage('idle', undefined, view.indicator);
        assert.equal(view.visible, false);
        assert.equal(preview.text, undefined);
    });

    test('empty segments add nothing; a late segment of an older or cancelled dictation is ignored', () => {
        const view = fakeIndicator();
        const preview = new LivePreview(() => true);
        preview.setStage('listening', 'd2', view.indicator);
        preview.accept(segment('d2', 0, ''));
        assert.equal(preview.text, undefined);
        preview.accept(segment('d1', 0, 'old words'));
        assert.equal(preview.text, undefined);
        preview.accept(segment('d2', 1, 'new words'));
        assert.equal(preview.text, 'new words');
        preview.setStage('idle', undefined, view.indicator); // cancel
        preview.accept(segment('d2', 2, 'after the cancel'));
        assert.equal(preview.text, undefined);
        assert.equal(view.visible, false);
        // The next dictation starts empty.
        preview.setStage('listening', 'd3', view.indicator);
        assert.equal(view.last, 'listening:');
    });

    test('the setting off shows the phase only', () => {
        const view = fakeIndicator();
        let enabled = false;
        const preview = new LivePreview(() => enabled);
        preview.setStage('listening', 'd1', view.indicator);
        preview.accept(segment('d1', 0, 'hidden'));
        assert.equal(view.last, 'listening:');
        enabled = true;
        preview.accept(segment('d1', 1, 'shown'));
        assert.equal(view.last, 'listening:hidden shown');
    });

    test('without an editor (a commit message) nothing is drawn', () => {
        const preview = new LivePreview(() => true);
        preview.setStage('listening', 'd1', undefined);
        preview.accept(segment('d1', 0, 'words'));
        assert.equal(preview.text, 'words');
    });
});

describe('dictation phase machine', () => {
    const walk = (events: PhaseEvent[], from: DictationPhase = 'idle') => {
        let phase = from;
        const visited: DictationPhase[] = [];
        for (const e of events) {
            phase = nextPhase(phase, e) ?? phase;
            visited.push(phase);
        }
        return visited;
    };

    test('a dictation: start, listen, stop, deliver, idle; stages follow', () => {
        const phases = walk(['start', 'started', 'stop', 'textArrived', 'delivered']);
        assert.deepEqual(phases, ['starting', 'listening', 'stopping', 'delivering', 'idle']);
        assert.deepEqual(phases.map(stageOf), [DictationStage.Idle, DictationStage.Listening, DictationStage.Transcribing, DictationStage.Idle, DictationStage.Idle]);
    });

    test('a source that ends before the start returns leads to a stop right after it', () => {
        assert.deepEqual(walk(['start', 'sourceEnded', 'started']), ['starting', 'startingThenStop', 'listening']);
        assert.equal(nextPhase('listening', 'sourceEnded'), undefined, 'while listening the controller stops instead');
    });

    test('while a request of ours is in flight, a toggle or the sidecar\'s notifications do not move the phase', () => {
        for (const busy of ['starting', 'startingThenStop', 'stopping', 'delivering'] as const) {
            assert.ok(isBusy(busy));
            assert.equal(nextPhase(busy, 'start'), undefined);
            assert.equal(nextPhase(busy, 'stop'), undefined);
            assert.equal(nextPhase(busy, 'sidecarIdle'), undefined);
            assert.equal(nextPhase(busy, 'sidecarListening'), undefined);
        }
        assert.equal(nextPhase('listening', 'sidecarTranscribing'), 'transcribing');
        assert.equal(nextPhase('transcribing', 'sidecarIdle'), 'idle');
    });

    test('cancel and failures reset from anywhere; a stop needs listening; text needs our stop', () => {
        for (const p of ['idle', 'starting', 'startingThenStop', 'listening', 'stopping', 'transcribing', 'delivering'] as const) {
            assert.equal(nextPhase(p, 'reset'), 'idle');
            assert.equal(nextPhase(p, 'failed'), 'idle');
        }
        assert.equal(nextPhase('idle', 'stop'), undefined);
        assert.equal(nextPhase('idle', 'textArrived'), undefined, 'a reply after a cancel is not delivered');
        assert.equal(nextPhase('idle', 'started'), 'listening', 'a start that returns after a cancel still shows the listening sidecar');
    });
});
