// Tap-to-toggle and hold-to-talk on one shortcut. VS Code gives extensions no key-up event, but while a key is held the
// OS auto-repeat dispatches the bound command again and again: a stream of calls means "held", its end means "released"
// (see shared docs/push-to-talk.md). Repeats arrive late and in bursts whenever the renderer, the extension host or a
// remote link is busy, so a fixed gap cannot tell a stall from a release: the release threshold adapts to the gaps seen
// in this hold and to the extension host's own event-loop lag, and a presumed release is only final after a grace period
// in which a late repeat continues the same press. Pure: clock and timers are injected, so the timing is tested with a
// fake clock (tests/extension/unit/pushToTalk*.test.ts) without sleeping. docs/extension.md documents the bound.

export type PushToTalkMode = 'auto' | 'toggle' | 'pushToTalk';

export interface PressTimingOptions {
    /** Longest wait for the first auto-repeat (the OS repeat delay is typically 250–600 ms). */
    repeatDelayMs: number;
    /** The floor of the adaptive release threshold: silence after a repeat that may mean the key was released. */
    releaseMs: number;
    /** A press held at least this long is a hold (auto mode). */
    holdMs: number;
    /** After a presumed release (or tap), how long a late repeat still continues the same press. */
    graceMs: number;
}

export const defaultPressTiming: PressTimingOptions = { repeatDelayMs: 600, releaseMs: 150, holdMs: 500, graceMs: 650 };

/** The release threshold is this many times the longest recent gap between repeats (plus the event-loop lag)… */
export const RELEASE_GAP_FACTOR = 2.5;
/** …but never more than this (unless `releaseMs` itself is higher), so a release is always recognised. */
export const MAX_RELEASE_MS = 1000;
/** How many recent gaps between repeats the threshold looks at. */
export const GAP_WINDOW = 16;
/** A silence the extension host could not hear (it was blocked) longer than this does not count towards a release. */
export const LATE_TIMER_MS = 50;
/** …up to this much in all after one repeat, so a release is recognised even on a host that is always late. */
export const MAX_UNHEARD_MS = 2000;
/** While a press lasts, the event-loop lag is sampled this often, over the last LAG_WINDOW samples. */
export const LAG_SAMPLE_MS = 100;
export const LAG_WINDOW = 10;
/** After the release of a hold, how often the watchdog checks that listening has ended. */
export const WATCHDOG_MS = 1000;
/** While the dictation a hold started is still starting, how often the release checks whether it can stop it. */
export const STARTING_POLL_MS = 100;

/**
 * Longest time listening may outlive the last key repeat of a hold while the extension host runs freely: the largest
 * release threshold plus the grace period (1.65 s at the defaults). Time in which the extension host itself was blocked
 * after that repeat does not count as silence, so add it (at most MAX_UNHEARD_MS).
 */
export function releaseBoundMs(timing: PressTimingOptions): number {
    return Math.max(timing.releaseMs, MAX_RELEASE_MS) + timing.graceMs;
}

export interface Scheduler {
    now(): number;
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
    now: () => Date.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: handle => clearTimeout(handle as NodeJS.Timeout),
};

export interface PressEvents {
    pressStart(): void;
    /** Final: the press is over. `heldMs` is 0 for a tap (no repeat arrived); `repeats` counts the calls after the first. */
    release(heldMs: number, repeats: number): void;
    /** A repeat arrived after a presumed release (or tap) and continued the press; `pausedMs` is the gap it ended. */
    resumed?(pausedMs: number): void;
    /**
     * Asked when a call arrives after a presumed release (or tap): false when what the press did is over (its dictation
     * was cancelled or ended meanwhile), so the call is a new press rather than a late repeat. Default: true.
     */
    continues?(): boolean;
    /** The detector moved to another phase (for the end-to-end tests' hook: they wait for `idle` between presses). */
    phaseChanged?(phase: PressPhase): void;
}

/**
 * idle → (call) awaitingRepeat → (repeat) held → (silence > threshold) releasing → (grace over) idle.
 * awaitingRepeat → (no repeat within repeatDelayMs) tapGrace → (grace over) idle. A call in releasing or tapGrace
 * continues the same press (back to held).
 */
export type PressPhase = 'idle' | 'awaitingRepeat' | 'held' | 'releasing' | 'tapGrace';

/** Groups command calls into presses: the first call starts one, repeats extend it, lasting silence releases it. */
export class PressDetector {
    private phase: PressPhase = 'idle';
    private firstCallAt = 0;
    private lastCallAt = 0;
    private repeats = 0;
    /** Gaps between repeats in this press (not the OS repeat delay before the first), newest last. */
    private gaps: number[] = [];
    private timer: unknown;
    private timerDue = 0;
    /** Since the latest call: how long the extension host was blocked (timer lateness), and how much of it was made up. */
    private blockedSinceCall = 0;
    private extendedSinceCall = 0;
    private lagTimer: unknown;
    private lagDue = 0;
    private lags: number[] = [];

    constructor(
        private readonly timing: PressTimingOptions,
        private readonly scheduler: Scheduler,
        private readonly events: PressEvents,
    ) {}

    get state(): PressPhase {
        return this.phase;
    }

    invoke(): void {
        const now = this.scheduler.now();
        this.blockedSinceCall = 0;
        this.extendedSinceCall = 0;
        if ((this.phase === 'releasing' || this.phase === 'tapGrace') && this.events.continues?.() === false) {
            this.finish();
        }
        if (this.phase === 'idle') {
            this.setPhase('awaitingRepeat');
            this.firstCallAt = now;
            this.lastCallAt = now;
            this.repeats = 0;
            this.gaps = [];
            this.lags = [];
            this.sampleLag();
            this.arm(this.timing.repeatDelayMs);
            this.events.pressStart();
            return;
        }
        const gap = now - this.lastCallAt;
        if (this.phase === 'releasing' || this.phase === 'tapGrace') {
            this.events.resumed?.(gap);
        }
        if (this.repeats > 0) {
            this.gaps.push(gap);
            if (this.gaps.length > GAP_WINDOW) {
                this.gaps.shift();
            }
        }
        this.repeats++;
        this.lastCallAt = now;
        this.setPhase('held');
        this.arm(this.releaseThresholdMs());
    }

    /** How long after the latest repeat silence is presumed a release: adaptive, floored by `releaseMs`. */
    releaseThresholdMs(): number {
        const floor = this.timing.releaseMs;
        const observed = this.gaps.length > 0 ? Math.max(...this.gaps) : 0;
        const lag = this.lags.length > 0 ? Math.max(...this.lags) : 0;
        const adaptive = RELEASE_GAP_FACTOR * observed + lag;
        return Math.max(floor, Math.min(adaptive, MAX_RELEASE_MS));
    }

    dispose(): void {
        this.clearTimer();
        this.stopLagSampling();
        this.setPhase('idle');
    }

    private setPhase(phase: PressPhase): void {
        if (phase !== this.phase) {
            this.phase = phase;
            this.events.phaseChanged?.(phase);
        }
    }

    private arm(ms: number): void {
        this.clearTimer();
        this.armTimer(ms);
    }

    private armTimer(ms: number): void {
        this.timerDue = this.scheduler.now() + ms;
        this.timer = this.scheduler.setTimeout(() => this.onTimer(), ms);
    }

    private clearTimer(): void {
        if (this.timer !== undefined) {
            this.scheduler.clearTimeout(this.timer);
            this.timer = undefined;
        }
    }

    private onTimer(): void {
        this.timer = undefined;
        const late = this.scheduler.now() - this.timerDue;
        const unheard = Math.max(late, this.blockedSinceCall - this.extendedSinceCall);
        if (unheard > LATE_TIMER_MS && this.extendedSinceCall < MAX_UNHEARD_MS) {
            // The extension host was blocked during this silence: repeats sent meanwhile may be queued behind this timer,
            // and time nobody could hear is no evidence of a release. Make it up before deciding.
            const extra = Math.min(unheard, MAX_UNHEARD_MS - this.extendedSinceCall);
            this.extendedSinceCall += extra;
            this.armTimer(extra);
            return;
        }
        switch (this.phase) {
            case 'awaitingRepeat':
                this.setPhase('tapGrace');
                this.arm(this.timing.graceMs);
                return;
            case 'held':
                this.setPhase('releasing');
                this.arm(this.timing.graceMs);
                return;
            case 'releasing':
            case 'tapGrace':
                this.finish();
                return;
            default:
                return;
        }
    }

    /** The press is over: back to idle, and say how long it was held. */
    private finish(): void {
        this.clearTimer();
        const heldMs = this.repeats > 0 ? this.lastCallAt - this.firstCallAt : 0;
        const repeats = this.repeats;
        this.setPhase('idle');
        this.stopLagSampling();
        this.events.release(heldMs, repeats);
    }

    /** Event-loop lag, as the lateness of a periodic timer, sampled only while a press lasts. */
    private sampleLag(): void {
        this.lagDue = this.scheduler.now() + LAG_SAMPLE_MS;
        this.lagTimer = this.scheduler.setTimeout(() => {
            const late = Math.max(0, this.scheduler.now() - this.lagDue);
            this.blockedSinceCall += late;
            this.lags.push(late);
            if (this.lags.length > LAG_WINDOW) {
                this.lags.shift();
            }
            this.sampleLag();
        }, LAG_SAMPLE_MS);
    }

    private stopLagSampling(): void {
        if (this.lagTimer !== undefined) {
            this.scheduler.clearTimeout(this.lagTimer);
            this.lagTimer = undefined;
        }
    }
}

export interface DictationActions {
    /** No dictation runs and none is starting or stopping. */
    isIdle(): boolean;
    /** A start request is in flight. */
    isStarting(): boolean;
    isListening(): boolean;
    start(): Promise<void>;
    stop(): Promise<void>;
}

export interface PushToTalkNotices {
    /** The watchdog ended a listening that outlived its trigger; `message` says so to the user. */
    watchdog?(message: string): void;
    /** For the log: a hold that continued after a pause, the threshold it grew to, and the setting that governs it. */
    info?(message: string): void;
    /** The press detector's phase changed (`idle`: the next call is a new press). */
    phase?(phase: PressPhase): void;
}

/**
 * What a press does. auto: a tap toggles, a hold of `holdMs` or more dictates while held and stops on release.
 * pushToTalk: any held press stops on release; a press without repeats (some remote setups drop them) toggles.
 * toggle: every press toggles; repeats are ignored. In auto mode a press with exactly one repeat (two quick taps) also
 * ends the dictation it started: a double tap is start-and-stop.
 */
export class PushToTalk {
    private readonly detector: PressDetector;
    /** This press started the dictation (so its release may end it). */
    private pressStartedDictation = false;
    private watchdogTimer: unknown;

    constructor(
        private readonly actions: DictationActions,
        private readonly mode: () => PushToTalkMode,
        private readonly timing: PressTimingOptions,
        private readonly scheduler: Scheduler = realScheduler,
        private readonly notices: PushToTalkNotices = {},
    ) {
        this.detector = new PressDetector(timing, scheduler, {
            pressStart: () => this.pressStarted(),
            release: (heldMs, repeats) => this.released(heldMs, repeats),
            resumed: pausedMs => this.notices.info?.(
                `Key repeats paused for ${Math.round(pausedMs)} ms and resumed: the same hold goes on (release threshold now `
                + `${Math.round(this.detector.releaseThresholdMs())} ms; a pause longer than it plus wispr.pushToTalk.graceMs `
                + `(${this.timing.graceMs} ms) would end the dictation).`),
            // A press whose dictation was cancelled or ended meanwhile (another command, the source's end) is over: the
            // next call is a new press, not a late repeat of it.
            continues: () => !this.pressStartedDictation || !this.actions.isIdle(),
            phaseChanged: phase => this.notices.phase?.(phase),
        });
    }

    /** Call on every dispatch of the toggle command. */
    invoke(): void {
        this.detector.invoke();
    }

    /** The shortcut is (or may still be) held: no release has been presumed yet, or one is in its grace period. */
    get keyHeld(): boolean {
        const phase = this.detector.state;
        return phase === 'awaitingRepeat' || phase === 'held' || phase === 'releasing';
    }

    dispose(): void {
        this.detector.dispose();
        this.clearWatchdog();
    }

    private pressStarted(): void {
        this.clearWatchdog();
        this.pressStartedDictation = false;
        if (this.actions.isIdle()) {
            // Start at key-down, not at release: no words are lost to the detector's wait.
            this.pressStartedDictation = true;
            void this.actions.start();
        } else if (this.actions.isListening()) {
            void this.actions.stop();
        }
    }

    private released(heldMs: number, repeats: number): void {
        const started = this.pressStartedDictation;
        this.pressStartedDictation = false;
        if (!started || repeats === 0) {
            return; // a tap: the dictation stays on until the next press
        }
        const mode = this.mode();
        const ends = mode === 'pushToTalk' || (mode === 'auto' && (heldMs >= this.timing.holdMs || repeats === 1));
        if (ends) {
            this.endListening(this.scheduler.now(), false);
        }
    }

    /**
     * Ends the dictation a hold started, now that the key is released, and watches until it has ended: a start still in
     * flight is stopped once it is listening, and a stop that did not take is repeated after WATCHDOG_MS, telling the
     * user. The microphone is never left open by a released key.
     */
    private endListening(releasedAt: number, stopIssued: boolean): void {
        this.watchdogTimer = undefined;
        if (this.actions.isListening()) {
            if (stopIssued) {
                const seconds = ((this.scheduler.now() - releasedAt) / 1000).toFixed(1);
                this.notices.watchdog?.(`Wispr stopped listening: the shortcut was released ${seconds} s ago, but the dictation had not stopped.`);
            }
            void this.actions.stop();
            if (this.actions.isListening()) {
                // The stop did not take (a request in flight refused it): try again, and say so.
                this.watchdogTimer = this.scheduler.setTimeout(() => this.endListening(releasedAt, true), WATCHDOG_MS);
            }
        } else if (this.actions.isStarting()) {
            this.watchdogTimer = this.scheduler.setTimeout(() => this.endListening(releasedAt, stopIssued), STARTING_POLL_MS);
        }
    }

    private clearWatchdog(): void {
        if (this.watchdogTimer !== undefined) {
            this.scheduler.clearTimeout(this.watchdogTimer);
            this.watchdogTimer = undefined;
        }
    }
}
