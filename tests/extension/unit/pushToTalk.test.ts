import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPressTiming, PressDetector, PushToTalk, PushToTalkMode, Scheduler } from '../../../extension/src/dictation/pushToTalk';

/** A clock that only moves when the test says so; timers fire as it passes them. */
class FakeScheduler implements Scheduler {
    private time = 0;
    private timers = new Map<number, { at: number; callback: () => void }>();
    private nextId = 1;

    now(): number {
        return this.time;
    }
    setTimeout(callback: () => void, ms: number): unknown {
        const id = this.nextId++;
        this.timers.set(id, { at: this.time + ms, callback });
        return id;
    }
    clearTimeout(handle: unknown): void {
        this.timers.delete(handle as number);
    }
    advance(ms: number): void {
        const end = this.time + ms;
        for (;;) {
            const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
            if (!due) {
                break;
            }
            this.timers.delete(due[0]);
            this.time = due[1].at;
            due[1].callback();
        }
        this.time = end;
    }
}

/** Key held for `holdMs`: the first call, the first repeat after `delay`, then one every `interval`. */
function hold(scheduler: FakeScheduler, invoke: () => void, holdMs: number, delay = 400, interval = 33): void {
    invoke();
    let t = delay;
    if (t > holdMs) {
        return;
    }
    scheduler.advance(delay);
    invoke();
    while (t + interval <= holdMs) {
        scheduler.advance(interval);
        t += interval;
        invoke();
    }
}

class FakeDictation {
    stage: 'idle' | 'listening' = 'idle';
    log: string[] = [];
    actions = {
        isIdle: () => this.stage === 'idle',
        isListening: () => this.stage === 'listening',
        start: async () => {
            this.log.push('start');
            this.stage = 'listening';
        },
        stop: async () => {
            this.log.push('stop');
            this.stage = 'idle';
        },
    };
}

function setup(mode: PushToTalkMode) {
    const scheduler = new FakeScheduler();
    const dictation = new FakeDictation();
    const ptt = new PushToTalk(dictation.actions, () => mode, defaultPressTiming, scheduler);
    return { scheduler, dictation, ptt, invoke: () => ptt.invoke() };
}

const settle = () => new Promise<void>(resolve => setImmediate(resolve));

describe('PressDetector', () => {
    test('a single call is a tap, released after the repeat delay', () => {
        const scheduler = new FakeScheduler();
        const events: string[] = [];
        const d = new PressDetector(defaultPressTiming, scheduler, () => events.push('down'), (held, repeats) => events.push(`up ${held} ${repeats}`));
        d.invoke();
        scheduler.advance(599);
        assert.deepEqual(events, ['down']);
        scheduler.advance(1);
        assert.deepEqual(events, ['down', 'up 0 0']);
    });

    test('auto-repeat calls extend one press; silence releases it', () => {
        const scheduler = new FakeScheduler();
        const events: string[] = [];
        const d = new PressDetector(defaultPressTiming, scheduler, () => events.push('down'), (held, repeats) => events.push(`up ${held} ${repeats}`));
        hold(scheduler, () => d.invoke(), 1000, 400, 40);
        assert.deepEqual(events, ['down'], 'no second press from repeats');
        scheduler.advance(149);
        assert.equal(events.length, 1);
        scheduler.advance(1);
        assert.deepEqual(events, ['down', 'up 1000 16']);
    });
});

describe('PushToTalk', () => {
    test('auto: a tap starts, a later tap stops (key repeats never flap it)', async () => {
        const { scheduler, dictation, invoke } = setup('auto');
        invoke();
        await settle();
        assert.deepEqual(dictation.log, ['start'], 'starts at key-down');
        scheduler.advance(1000);
        await settle();
        assert.equal(dictation.stage, 'listening', 'a tap leaves it on');
        invoke();
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop']);
    });

    test('auto: holding at least 500 ms dictates while held and stops on release', async () => {
        const { scheduler, dictation, invoke } = setup('auto');
        hold(scheduler, invoke, 2000);
        await settle();
        assert.deepEqual(dictation.log, ['start'], 'repeats while held do nothing');
        scheduler.advance(200);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop']);
    });

    test('auto: a short hold (< 500 ms) counts as a tap', async () => {
        const { scheduler, dictation, invoke } = setup('auto');
        hold(scheduler, invoke, 450, 300, 40);
        scheduler.advance(1000);
        await settle();
        assert.deepEqual(dictation.log, ['start']);
        assert.equal(dictation.stage, 'listening');
    });

    test('auto: holding the key to stop does not restart it', async () => {
        const { scheduler, dictation, invoke } = setup('auto');
        invoke();
        scheduler.advance(1000);
        await settle();
        hold(scheduler, invoke, 1500);
        scheduler.advance(1000);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop']);
        assert.equal(dictation.stage, 'idle');
    });

    test('pushToTalk: any held press stops on release; without repeats it falls back to toggle', async () => {
        const { scheduler, dictation, invoke } = setup('pushToTalk');
        hold(scheduler, invoke, 420, 400, 33);
        scheduler.advance(500);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop'], 'short hold still push-to-talk');
        invoke(); // a press whose repeats were dropped
        scheduler.advance(1000);
        await settle();
        assert.equal(dictation.stage, 'listening');
    });

    test('toggle: holding never stops on release', async () => {
        const { scheduler, dictation, invoke } = setup('toggle');
        hold(scheduler, invoke, 3000);
        scheduler.advance(1000);
        await settle();
        assert.deepEqual(dictation.log, ['start']);
    });
});
