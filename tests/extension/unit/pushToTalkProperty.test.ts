// Property test of hold-to-talk: thousands of generated key traces replayed against PushToTalk with a fake clock.
// Each trace is a few gestures (taps, double taps, holds of 100 ms to 60 s with repeat intervals of 25–120 ms, jitter, and
// stalls of up to 600 ms in the repeats' delivery or in the extension host itself). Checked for every gesture: a hold is
// exactly one dictation that lasts until its last repeat, a tap toggles, and listening never outlives the key by more
// than the documented bound. WISPR_PTT_SEED=N replays one seed; WISPR_PTT_TRACES=N sets how many traces run.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
    DictationActions,
    defaultPressTiming,
    MAX_UNHEARD_MS,
    PressTimingOptions,
    PushToTalk,
    PushToTalkMode,
    releaseBoundMs,
    Scheduler,
    WATCHDOG_MS,
} from '../../../extension/src/dictation/pushToTalk';

/** mulberry32: small, seedable, good enough to generate traces. */
function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

type Interval = [start: number, end: number];

/**
 * A simulated extension host: timers and command calls run in time order on one clock. While the host is blocked, nothing
 * runs; at the end of a block the overdue timers run first, then the calls that queued up (the worst order for a release
 * detector).
 */
class SimHost implements Scheduler {
    private time = 0;
    private timers: { id: number; at: number; callback: () => void }[] = [];
    private nextId = 1;

    constructor(private readonly blocks: Interval[]) {}

    now(): number {
        return this.time;
    }
    setTimeout(callback: () => void, ms: number): unknown {
        const id = this.nextId++;
        this.timers.push({ id, at: this.time + Math.max(0, ms), callback });
        return id;
    }
    clearTimeout(handle: unknown): void {
        this.timers = this.timers.filter(t => t.id !== handle);
    }

    /** When something due at `t` can run: after any block that covers it. */
    runnableAt(t: number): number {
        for (const [s, e] of this.blocks) {
            if (t >= s && t < e) {
                return e;
            }
        }
        return t;
    }

    /** Runs timers and the calls (delivery times, ascending) until `until`; `call` is invoked for each call. */
    run(calls: number[], call: () => void, until: number): void {
        let next = 0;
        for (;;) {
            let timer: { id: number; at: number; callback: () => void } | undefined;
            let timerAt = Infinity;
            for (const t of this.timers) {
                const at = Math.max(this.time, this.runnableAt(t.at));
                if (at < timerAt || (at === timerAt && timer && t.at < timer.at)) {
                    timer = t;
                    timerAt = at;
                }
            }
            const callAt = next < calls.length ? Math.max(this.time, this.runnableAt(calls[next])) : Infinity;
            const at = Math.min(timerAt, callAt);
            if (at > until) {
                this.time = Math.max(this.time, until);
                return;
            }
            this.time = at;
            if (timer && timerAt <= callAt) {
                this.timers = this.timers.filter(t => t !== timer);
                timer.callback();
            } else {
                next++;
                call();
            }
        }
    }
}

type Stage = 'idle' | 'starting' | 'listening' | 'transcribing';

interface Dictation {
    startedAt: number;
    stoppedAt?: number;
}

/**
 * Mirrors DictationController's rules: starts take a while, a stop transcribes for a while, toggles wait their turn.
 * Its state changes run on the simulated host's timers (not promise continuations), so a replay needs no real awaits.
 */
class SimDictation {
    stage: Stage = 'idle';
    dictations: Dictation[] = [];
    stopCalls = 0;
    /** The next stop() is refused once (a request in flight), so the watchdog has to end the listening. */
    refuseNextStop = false;
    constructor(private readonly host: SimHost, private readonly random: () => number) {}

    readonly actions: DictationActions = {
        isIdle: () => this.stage === 'idle',
        isStarting: () => this.stage === 'starting',
        isListening: () => this.stage === 'listening',
        start: () => {
            if (this.stage === 'idle') {
                this.stage = 'starting';
                this.dictations.push({ startedAt: this.host.now() });
                this.host.setTimeout(() => (this.stage = 'listening'), this.random() * 300);
            }
            return Promise.resolve();
        },
        stop: () => {
            if (this.stage !== 'listening') {
                return Promise.resolve();
            }
            if (this.refuseNextStop) {
                this.refuseNextStop = false;
                return Promise.resolve();
            }
            this.stopCalls++;
            this.stage = 'transcribing';
            this.dictations[this.dictations.length - 1].stoppedAt = this.host.now();
            this.host.setTimeout(() => (this.stage = 'idle'), 50 + this.random() * 800);
            return Promise.resolve();
        },
    };
}

type GestureKind = 'tap' | 'doubleTap' | 'hold';

interface Gesture {
    kind: GestureKind;
    /** When each call is sent (key-down, then the repeats), before any delivery stall. */
    sent: number[];
    /** When each call reaches the extension host (after delivery stalls). */
    delivered: number[];
    hostBlocks: Interval[];
    refuseStop: boolean;
    describe: string;
}

/** One gesture starting at `t0`. Holds get repeat delay, interval, jitter and stalls at random. */
function makeGesture(random: () => number, t0: number, mode: PushToTalkMode): Gesture {
    const r = random();
    const kind: GestureKind = r < 0.2 ? 'tap' : r < 0.3 && mode !== 'toggle' ? 'doubleTap' : 'hold';
    const refuseStop = random() < 0.05;
    if (kind === 'tap') {
        return { kind, sent: [t0], delivered: [t0], hostBlocks: [], refuseStop, describe: 'tap' };
    }
    if (kind === 'doubleTap') {
        // Two presses closer than repeatDelayMs + graceMs are one press with one repeat: a double tap.
        const gap = Math.round(80 + random() * 1000);
        return { kind, sent: [t0, t0 + gap], delivered: [t0, t0 + gap], hostBlocks: [], refuseStop, describe: `double tap ${gap} ms apart` };
    }
    // Hold durations log-uniform in 100 ms … 60 s, so short and long holds are both common.
    const duration = Math.round(100 * Math.pow(600, random()));
    const delay = 250 + random() * 350;
    const interval = 25 + random() * 95;
    const jitter = random() * 0.5;
    const sent = [t0];
    for (let t = t0 + delay; t <= t0 + duration; t += interval * (1 + jitter * (2 * random() - 1))) {
        sent.push(Math.round(t));
    }
    const last = sent[sent.length - 1];
    // Stalls: the renderer or the remote link holds repeats back, then delivers them in a burst.
    const stalls: Interval[] = [];
    const hostBlocks: Interval[] = [];
    if (sent.length > 1 && random() < 0.6) {
        const n = 1 + Math.floor(random() * Math.min(4, 1 + duration / 2000));
        for (let i = 0; i < n; i++) {
            const s = t0 + random() * (last - t0);
            stalls.push([s, s + random() * 600]);
        }
    }
    if (sent.length > 1 && random() < 0.4) {
        // The extension host itself blocked (a busy extension, a language server): timers and calls wait for it.
        const n = 1 + Math.floor(random() * 2);
        for (let i = 0; i < n; i++) {
            const s = t0 + random() * (last - t0);
            const e = s + 50 + random() * 550;
            // most blocks end within the hold; some outlast the key, delaying the release decision
            hostBlocks.push([s, random() < 0.7 ? Math.min(e, last) : e]);
        }
    }
    const delivered = sent.map(t => {
        for (const [s, e] of stalls) {
            if (t >= s && t < e) {
                return e;
            }
        }
        return t;
    });
    delivered.sort((a, b) => a - b);
    const describe = `hold ${duration} ms, delay ${delay.toFixed(0)} ms, interval ${interval.toFixed(0)} ms ±${(jitter * 100).toFixed(0)}%, `
        + `${sent.length} calls, stalls ${JSON.stringify(stalls.map(([s, e]) => [Math.round(s - t0), Math.round(e - s)]))}, `
        + `host blocks ${JSON.stringify(hostBlocks.map(([s, e]) => [Math.round(s - t0), Math.round(e - s)]))}`;
    return { kind, sent, delivered, hostBlocks, refuseStop, describe };
}

interface Outcome {
    splits: number;
    stuckOpen: number;
    gestures: number;
    holds: number;
}

/**
 * Replays one trace of gestures and checks each; throws with the seed and the gesture on the first violation.
 * The gap between gestures (3.5–7 s) is longer than the release bound plus a transcription, so each starts settled.
 */
function replay(seed: number, mode: PushToTalkMode, timing: PressTimingOptions): Outcome {
    const random = prng(seed);
    const gestures: Gesture[] = [];
    let t = 1000;
    const count = 2 + Math.floor(random() * 4);
    for (let i = 0; i < count; i++) {
        const g = makeGesture(random, t, mode);
        gestures.push(g);
        t = g.delivered[g.delivered.length - 1] + 3500 + random() * 3500;
    }
    const host = new SimHost(gestures.flatMap(g => g.hostBlocks));
    const dictation = new SimDictation(host, random);
    const watchdogNotices: number[] = [];
    const ptt = new PushToTalk(dictation.actions, () => mode, timing, host, { watchdog: () => watchdogNotices.push(host.now()) });
    const bound = releaseBoundMs(timing);
    const outcome: Outcome = { splits: 0, stuckOpen: 0, gestures: gestures.length, holds: 0 };
    // Annotated, so a call narrows like a throw.
    const fail: (g: Gesture, what: string) => never = (g, what) => {
        assert.fail(`seed ${seed} (mode ${mode}): ${what}\n  gesture: ${g.describe}\n  dictations: ${JSON.stringify(dictation.dictations)}`);
    };
    try {
        for (let i = 0; i < gestures.length; i++) {
            const g = gestures[i];
            const end = i + 1 < gestures.length ? gestures[i + 1].delivered[0] - 1 : t;
            const stageBefore = dictation.stage;
            assert.ok(stageBefore === 'idle' || stageBefore === 'listening', `seed ${seed}: settled before each gesture (${stageBefore})`);
            const dictationsBefore = dictation.dictations.length;
            const stopsBefore = dictation.stopCalls;
            // only the release of a hold is watched: a refused toggle shows in the status bar and is pressed again
            dictation.refuseNextStop = g.refuseStop && stageBefore === 'idle';
            const invokedAt: number[] = [];
            host.run(g.delivered, () => {
                invokedAt.push(host.now());
                ptt.invoke();
            }, end);
            const refused = g.refuseStop && stageBefore === 'idle' && !dictation.refuseNextStop;
            dictation.refuseNextStop = false;
            const started = dictation.dictations.slice(dictationsBefore);
            const stops = dictation.stopCalls - stopsBefore;
            const first = invokedAt[0];
            const last = invokedAt[invokedAt.length - 1];
            const repeats = invokedAt.length - 1;
            if (stageBefore === 'listening') {
                // any press on a running dictation stops it, and nothing restarts while the key is still held
                if (started.length !== 0) {
                    outcome.splits++;
                    fail(g, `a press that stopped the dictation started another (${started.length})`);
                }
                if (stops !== 1) {
                    fail(g, `the press did not stop the dictation exactly once (${stops})`);
                }
                continue;
            }
            if (started.length !== 1) {
                if (started.length > 1) {
                    outcome.splits++;
                }
                fail(g, `${started.length} dictations for one press`);
            }
            const d = started[0];
            if (Math.abs(d.startedAt - first) > 0) {
                fail(g, `the dictation started at ${d.startedAt}, not at the key-down (${first})`);
            }
            const heldMs = repeats > 0 ? last - first : 0;
            const endsOnRelease = repeats > 0
                && (mode === 'pushToTalk' || (mode === 'auto' && (heldMs >= timing.holdMs || repeats === 1)));
            if (!endsOnRelease) {
                // a tap (or a short hold in auto mode, or any press in toggle mode) toggles: still listening afterwards
                if (d.stoppedAt !== undefined) {
                    fail(g, `a ${g.kind} stopped the dictation it started (it should toggle on)`);
                }
                // the next gesture toggles it off; end the dictation here so each gesture starts from idle or listening
                continue;
            }
            outcome.holds++;
            if (d.stoppedAt === undefined) {
                outcome.stuckOpen++;
                fail(g, 'the hold\'s dictation was still listening at the next gesture (stuck open)');
            }
            if (d.stoppedAt < last) {
                outcome.splits++;
                fail(g, `the hold's dictation stopped at ${d.stoppedAt}, before its last repeat at ${last} (split)`);
            }
            // The bound counts from the last repeat; time the host was blocked after it (at most MAX_UNHEARD_MS), and a
            // refused stop (the watchdog's period), add their own time.
            const blockedAfter = g.hostBlocks.filter(([, e]) => e > last).reduce((sum, [s, e]) => sum + e - Math.max(s, last), 0);
            const allowed = bound + Math.min(blockedAfter, MAX_UNHEARD_MS) + (refused ? WATCHDOG_MS : 0);
            if (d.stoppedAt - last > allowed + 1e-6) { // the traces' times are not whole milliseconds
                outcome.stuckOpen++;
                fail(g, `listening outlived the last repeat by ${d.stoppedAt - last} ms (bound ${allowed} ms)`);
            }
            if (refused && !watchdogNotices.some(at => at >= last)) {
                fail(g, 'the watchdog ended a listening that outlived its key, but did not say so');
            }
        }
    } finally {
        ptt.dispose();
    }
    return outcome;
}

const TRACES = Number(process.env.WISPR_PTT_TRACES || 3000);
const ONE_SEED = process.env.WISPR_PTT_SEED ? Number(process.env.WISPR_PTT_SEED) : undefined;

describe('PushToTalk property: generated key traces on a fake clock', () => {
    for (const mode of ['auto', 'pushToTalk', 'toggle'] as PushToTalkMode[]) {
        test(`${mode}: every hold is one dictation, every tap toggles, listening ends within the bound`, () => {
            const totals: Outcome = { splits: 0, stuckOpen: 0, gestures: 0, holds: 0 };
            const seeds = ONE_SEED !== undefined ? [ONE_SEED] : Array.from({ length: mode === 'auto' ? TRACES : Math.ceil(TRACES / 3) }, (_, i) => 1 + i);
            for (const seed of seeds) {
                const o = replay(seed, mode, defaultPressTiming);
                totals.splits += o.splits;
                totals.stuckOpen += o.stuckOpen;
                totals.gestures += o.gestures;
                totals.holds += o.holds;
            }
            assert.ok(totals.gestures > seeds.length * 2, 'traces were generated');
            assert.ok(mode === 'toggle' || totals.holds > seeds.length / 2, `holds that end on release were exercised (${totals.holds})`);
            console.log(`# ${mode}: ${seeds.length} traces, ${totals.gestures} gestures, ${totals.holds} holds ending on release: 0 splits, 0 stuck open`);
        });
    }

    test('the documented bound at the defaults is 1.65 s', () => {
        assert.equal(releaseBoundMs(defaultPressTiming), 1650);
        assert.equal(releaseBoundMs({ ...defaultPressTiming, releaseMs: 2000 }), 2650, 'a higher floor raises the bound');
    });
});
