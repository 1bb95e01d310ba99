import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
    defaultPressTiming,
    MAX_RELEASE_MS,
    PressDetector,
    PushToTalk,
    PushToTalkMode,
    Scheduler,
    WATCHDOG_MS,
} from '../../../extension/src/dictation/pushToTalk';

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
    /** The host is blocked for `ms`: time passes, no timer runs (they run late, at the next advance). */
    block(ms: number): void {
        this.time += ms;
    }
    advance(ms: number): void {
        const end = this.time + ms;
        for (;;) {
            const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
            if (!due) {
                break;
            }
            this.timers.delete(due[0]);
            this.time = Math.max(this.time, due[1].at);
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
    stage: 'idle' | 'starting' | 'listening' = 'idle';
    log: string[] = [];
    refuseStops = 0;
    actions = {
        isIdle: () => this.stage === 'idle',
        isStarting: () => this.stage === 'starting',
        isListening: () => this.stage === 'listening',
        start: async () => {
            this.log.push('start');
            this.stage = 'listening';
        },
        stop: async () => {
            if (this.refuseStops > 0) {
                this.refuseStops--;
                this.log.push('stop refused');
                return;
            }
            this.log.push('stop');
            this.stage = 'idle';
        },
    };
}

function setup(mode: PushToTalkMode) {
    const scheduler = new FakeScheduler();
    const dictation = new FakeDictation();
    const notices: string[] = [];
    const ptt = new PushToTalk(dictation.actions, () => mode, defaultPressTiming, scheduler, { watchdog: m => notices.push(m) });
    return { scheduler, dictation, ptt, notices, invoke: () => ptt.invoke() };
}

/** After the last repeat of a hold at ≤ 60 ms repeats: the 150 ms floor, then the grace period. */
const RELEASE_AFTER_MS = defaultPressTiming.releaseMs + defaultPressTiming.graceMs;

const settle = () => new Promise<void>(resolve => setImmediate(resolve));

describe('PressDetector', () => {
    function detector() {
        const scheduler = new FakeScheduler();
        const events: string[] = [];
        const d = new PressDetector(defaultPressTiming, scheduler, {
            pressStart: () => events.push('down'),
            release: (held, repeats) => events.push(`up ${held} ${repeats}`),
            resumed: paused => events.push(`resumed after ${paused}`),
        });
        return { scheduler, events, d };
    }

    test('a single call is a tap, released after the repeat delay and the grace period', () => {
        const { scheduler, events, d } = detector();
        d.invoke();
        scheduler.advance(599);
        assert.equal(d.state, 'awaitingRepeat');
        scheduler.advance(1);
        assert.equal(d.state, 'tapGrace', 'presumed a tap');
        scheduler.advance(defaultPressTiming.graceMs - 1);
        assert.deepEqual(events, ['down']);
        scheduler.advance(1);
        assert.deepEqual(events, ['down', 'up 0 0']);
    });

    test('auto-repeat calls extend one press; silence past the threshold and the grace period releases it', () => {
        const { scheduler, events, d } = detector();
        hold(scheduler, () => d.invoke(), 1000, 400, 40);
        assert.deepEqual(events, ['down'], 'no second press from repeats');
        assert.equal(d.releaseThresholdMs(), 150, '2.5 × 40 ms is under the 150 ms floor');
        scheduler.advance(150);
        assert.equal(d.state, 'releasing', 'presumed released');
        scheduler.advance(defaultPressTiming.graceMs - 1);
        assert.equal(events.length, 1);
        scheduler.advance(1);
        assert.deepEqual(events, ['down', 'up 1000 16']);
    });

    test('the threshold adapts to the repeat interval seen in this hold', () => {
        const { scheduler, d } = detector();
        hold(scheduler, () => d.invoke(), 2000, 400, 100);
        assert.equal(d.releaseThresholdMs(), 250, '2.5 × 100 ms');
        scheduler.advance(249);
        assert.equal(d.state, 'held', 'a 150 ms gap would have released it; 100 ms repeats do not');
    });

    test('a repeat after a presumed release, within the grace period, continues the same press', () => {
        const { scheduler, events, d } = detector();
        hold(scheduler, () => d.invoke(), 1000, 400, 33);
        scheduler.advance(550); // a 550 ms stall: presumed released at 150 ms
        assert.equal(d.state, 'releasing');
        d.invoke();
        assert.deepEqual(events, ['down', 'resumed after 550']);
        assert.equal(d.state, 'held');
        assert.equal(d.releaseThresholdMs(), MAX_RELEASE_MS, 'the stall raised the threshold (2.5 × 550 ms, capped)');
        scheduler.advance(MAX_RELEASE_MS + defaultPressTiming.graceMs);
        assert.deepEqual(events, ['down', 'resumed after 550', 'up 1544 20']);
    });

    test('a first repeat later than the repeat delay, within the grace period, makes the tap a hold', () => {
        const { scheduler, events, d } = detector();
        d.invoke();
        scheduler.advance(900);
        d.invoke();
        assert.deepEqual(events, ['down', 'resumed after 900']);
        scheduler.advance(RELEASE_AFTER_MS);
        assert.deepEqual(events, ['down', 'resumed after 900', 'up 900 1']);
    });

    test('when the extension host was blocked, a late timer looks again instead of releasing', () => {
        const { scheduler, events, d } = detector();
        hold(scheduler, () => d.invoke(), 1000, 400, 33);
        scheduler.block(400); // the release and lag timers are overdue; the repeats sent meanwhile wait in the queue
        scheduler.advance(0); // timers run first (the worst order)
        assert.equal(d.state, 'held', 'no release decided on a silence nobody could hear');
        d.invoke(); // the queued repeats arrive
        d.invoke();
        scheduler.advance(MAX_RELEASE_MS + defaultPressTiming.graceMs);
        assert.deepEqual(events, ['down', 'up 1394 21']);
    });
});

describe('PushToTalk', () => {
    test('auto: a tap starts, a later tap stops (key repeats never flap it)', async () => {
        const { scheduler, dictation, invoke } = setup('auto');
        invoke();
        await settle();
        assert.deepEqual(dictation.log, ['start'], 'starts at key-down');
        scheduler.advance(2000);
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
        scheduler.advance(RELEASE_AFTER_MS - 1);
        assert.deepEqual(dictation.log, ['start'], 'still listening through the grace period');
        scheduler.advance(1);
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
        scheduler.advance(2000);
        await settle();
        hold(scheduler, invoke, 1500);
        scheduler.advance(2000);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop']);
        assert.equal(dictation.stage, 'idle');
    });

    test('the phase notice says when a press is over: on a lagging host a stop tap\'s window outlasts 1.25 s', async () => {
        const scheduler = new FakeScheduler();
        const dictation = new FakeDictation();
        const phases: string[] = [];
        const ptt = new PushToTalk(dictation.actions, () => 'auto', defaultPressTiming, scheduler, { phase: p => phases.push(p) });
        ptt.invoke();
        scheduler.advance(3000);
        await settle();
        assert.deepEqual(phases, ['awaitingRepeat', 'tapGrace', 'idle'], 'a tap, then over');
        phases.length = 0;
        ptt.invoke(); // the stop tap
        await settle();
        // Timers run 100 ms late (a busy 2-core machine): the detector makes that time up, so the tap's window grows past
        // repeatDelayMs + graceMs. A call now would be its late repeat; the end-to-end tests wait for "idle" instead.
        for (let t = 0; t < 1500; t += 200) {
            scheduler.advance(50);
            scheduler.block(150);
        }
        assert.notEqual(phases.at(-1), 'idle', `still one press after 1.5 s: ${phases.join(' → ')}`);
        scheduler.advance(5000);
        await settle();
        assert.equal(phases.at(-1), 'idle');
        assert.deepEqual(dictation.log, ['start', 'stop']);
        ptt.invoke();
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop', 'start'], 'once idle, a tap is a new press');
        ptt.dispose();
    });

    test('pushToTalk: any held press stops on release; without repeats it falls back to toggle', async () => {
        const { scheduler, dictation, invoke } = setup('pushToTalk');
        hold(scheduler, invoke, 450, 400, 33);
        scheduler.advance(RELEASE_AFTER_MS);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop'], 'short hold still push-to-talk');
        scheduler.advance(1000);
        invoke(); // a press whose repeats were dropped
        scheduler.advance(2000);
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

    test('a hold never splits: repeats that stall for 600 ms continue the same dictation, with no stop while held', async () => {
        const { scheduler, dictation, ptt, invoke } = setup('auto');
        hold(scheduler, invoke, 1500);
        assert.ok(ptt.keyHeld);
        scheduler.advance(600); // the renderer or the remote link held the repeats back
        hold(scheduler, invoke, 1500, 33, 33);
        await settle();
        assert.deepEqual(dictation.log, ['start'], 'one dictation, still listening');
        scheduler.advance(MAX_RELEASE_MS + defaultPressTiming.graceMs);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop']);
        assert.equal(ptt.keyHeld, false);
    });

    test('a hold released while its dictation is still starting stops it as soon as it listens', async () => {
        const { scheduler, dictation, invoke } = setup('auto');
        let listen: () => void = () => undefined;
        dictation.actions.start = async () => {
            dictation.log.push('start');
            dictation.stage = 'starting';
            await new Promise<void>(resolve => (listen = resolve));
            dictation.stage = 'listening';
        };
        hold(scheduler, invoke, 1000);
        scheduler.advance(RELEASE_AFTER_MS);
        await settle();
        assert.deepEqual(dictation.log, ['start'], 'nothing to stop yet');
        listen();
        await settle();
        scheduler.advance(100);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop'], 'the microphone is not left open');
    });

    test('the watchdog ends a listening that outlived its released key, and says so', async () => {
        const { scheduler, dictation, notices, invoke } = setup('pushToTalk');
        dictation.refuseStops = 1;
        hold(scheduler, invoke, 1000);
        scheduler.advance(RELEASE_AFTER_MS);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop refused']);
        assert.equal(dictation.stage, 'listening');
        scheduler.advance(WATCHDOG_MS);
        await settle();
        assert.deepEqual(dictation.log, ['start', 'stop refused', 'stop']);
        assert.equal(dictation.stage, 'idle');
        assert.equal(notices.length, 1);
        assert.match(notices[0], /stopped listening: the shortcut was released 1\.0 s ago/);
    });

    test('a press soon after a dictation was cancelled elsewhere is a new press, not a late repeat', async () => {
        const { scheduler, dictation, invoke } = setup('auto');
        invoke(); // tap: starts
        scheduler.advance(300);
        dictation.stage = 'idle'; // "Wispr: Cancel Dictation" from the palette
        scheduler.advance(400); // within repeatDelayMs + graceMs of the tap
        invoke();
        await settle();
        assert.deepEqual(dictation.log, ['start', 'start'], 'the second tap starts a new dictation');
        assert.equal(dictation.stage, 'listening');
    });
});
