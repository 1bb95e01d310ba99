import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeLevel, SILENT_WARNING_MS } from '../../../extension/src/ui/levelMeter';

const level = (peak: number, silentMs = 0) => ({ dictationId: 'd1', rms: peak / 2, peak, silentMs });

describe('describeLevel (status bar input meter)', () => {
    test('loud input fills the meter, quiet input keeps it low', () => {
        const loud = describeLevel(level(0.9), 10);
        const quiet = describeLevel(level(0.001), 10);
        assert.equal(loud.silent, false);
        assert.equal(loud.meter.length, 3);
        assert.ok(loud.meter.endsWith('█'), loud.meter);
        assert.equal(quiet.meter, '▁▁▁');
        assert.match(loud.tooltip, /dBFS/);
    });

    test('silence for a few seconds (muted or wrong microphone) is a warning naming the fix', () => {
        const v = describeLevel(level(0, SILENT_WARNING_MS - 100), 200);
        assert.equal(v.silent, true);
        assert.match(v.tooltip, /muted, or the wrong one\? Run "Wispr: Choose Microphone…"/);
        assert.equal(describeLevel(level(0, 1000), 100).silent, false, 'a short pause is not a warning');
    });

    test('no level at all for a few seconds also warns; before that it waits', () => {
        assert.equal(describeLevel(undefined, 500).silent, false);
        assert.equal(describeLevel(undefined, 500).tooltip, 'Waiting for audio…');
        const v = describeLevel(undefined, SILENT_WARNING_MS + 1);
        assert.equal(v.silent, true);
        assert.match(v.tooltip, /No audio has arrived/);
    });
});
