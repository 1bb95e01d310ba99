import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CrashPolicyOptions, decideAfterCrash, defaultCrashPolicy, pruneCrashTimes } from '../../../extension/src/sidecar/crashPolicy';

const minute = 60_000;

describe('crash policy', () => {
    test('delays double: 0.5 s, 1 s, 2 s, 4 s, then give up at the fifth crash in 3 minutes', () => {
        const now = 10 * minute;
        const crashes: number[] = [];
        const delays: number[] = [];
        for (let i = 0; i < 4; i++) {
            crashes.push(now + i);
            const d = decideAfterCrash(crashes, now + i);
            assert.equal(d.action, 'restart');
            if (d.action === 'restart') {
                delays.push(d.delayMs);
            }
        }
        assert.deepEqual(delays, [500, 1000, 2000, 4000]);
        crashes.push(now + 4);
        assert.deepEqual(decideAfterCrash(crashes, now + 4), { action: 'giveUp', crashesInWindow: 5 });
    });

    test('crashes older than the window are forgotten', () => {
        const now = 100 * minute;
        const old = [now - 10 * minute, now - 9 * minute, now - 8 * minute, now - 4 * minute];
        assert.deepEqual(decideAfterCrash([...old, now], now), { action: 'restart', delayMs: 500, crashesInWindow: 1 });
        // exactly at the window edge no longer counts
        assert.equal(decideAfterCrash([now - 3 * minute, now], now).crashesInWindow, 1);
    });

    test('crashes spread out never give up', () => {
        let crashes: number[] = [];
        for (let i = 0; i < 20; i++) {
            const t = i * 2 * minute;
            crashes = pruneCrashTimes([...crashes, t], t);
            const d = decideAfterCrash(crashes, t);
            assert.equal(d.action, 'restart', `crash ${i}`);
            assert.ok(crashes.length <= 2, 'the list stays short');
        }
    });

    test('the delay is capped', () => {
        const options: CrashPolicyOptions = { ...defaultCrashPolicy, maxCrashes: 100, maxDelayMs: 3000 };
        const crashes = Array.from({ length: 10 }, (_, i) => i);
        assert.deepEqual(decideAfterCrash(crashes, 10, options), { action: 'restart', delayMs: 3000, crashesInWindow: 10 });
    });

    test('future timestamps (clock skew) do not count', () => {
        assert.equal(decideAfterCrash([1000, 5000], 1000).crashesInWindow, 1);
    });
});
