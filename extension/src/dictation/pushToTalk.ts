// Tap-to-toggle and hold-to-talk on one shortcut. VS Code gives extensions no key-up event, but while a key is held the
// OS auto-repeat dispatches the bound command again and again: a stream of calls means "held", its end means "released"
// (see shared docs/push-to-talk.md). Pure: clock and timers are injected, so the timing is unit-tested without sleeping.

export type PushToTalkMode = 'auto' | 'toggle' | 'pushToTalk';

export interface PressTimingOptions {
    /** Longest wait for the first auto-repeat (the OS repeat delay is typically 250–600 ms). */
    repeatDelayMs: number;
    /** Silence after a repeat that counts as the key being released (a little above the repeat interval). */
    releaseMs: number;
    /** A press held at least this long is a hold (auto mode). */
    holdMs: number;
}

export const defaultPressTiming: PressTimingOptions = { repeatDelayMs: 600, releaseMs: 150, holdMs: 500 };

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

/** Groups command calls into presses: the first call starts one, repeats extend it, silence releases it. */
export class PressDetector {
    private pressStartedAt: number | undefined;
    private lastCallAt = 0;
    private repeats = 0;
    private timer: unknown;

    constructor(
        private readonly timing: PressTimingOptions,
        private readonly scheduler: Scheduler,
        private readonly onPressStart: () => void,
        /** `heldMs` is 0 for a tap (no repeat arrived). */
        private readonly onRelease: (heldMs: number, repeats: number) => void,
    ) {}

    invoke(): void {
        const now = this.scheduler.now();
        if (this.pressStartedAt === undefined) {
            this.pressStartedAt = now;
            this.lastCallAt = now;
            this.repeats = 0;
            this.arm(this.timing.repeatDelayMs);
            this.onPressStart();
        } else {
            this.repeats++;
            this.lastCallAt = now;
            this.arm(this.timing.releaseMs);
        }
    }

    dispose(): void {
        if (this.timer !== undefined) {
            this.scheduler.clearTimeout(this.timer);
            this.timer = undefined;
        }
    }

    private arm(ms: number): void {
        this.dispose();
        this.timer = this.scheduler.setTimeout(() => this.release(), ms);
    }

    private release(): void {
        this.timer = undefined;
        const heldMs = this.repeats > 0 ? this.lastCallAt - (this.pressStartedAt ?? this.lastCallAt) : 0;
        const repeats = this.repeats;
        this.pressStartedAt = undefined;
        this.onRelease(heldMs, repeats);
    }
}

export interface DictationActions {
    isIdle(): boolean;
    isListening(): boolean;
    start(): Promise<void>;
    stop(): Promise<void>;
}

/**
 * What a press does. auto: a tap toggles, a hold of `holdMs` or more dictates while held and stops on release.
 * pushToTalk: any held press stops on release; a press without repeats (some remote setups drop them) toggles.
 * toggle: every press toggles; repeats are ignored.
 */
export class PushToTalk {
    private readonly detector: PressDetector;
    private startedByPress: Promise<void> | undefined;

    constructor(
        private readonly actions: DictationActions,
        private readonly mode: () => PushToTalkMode,
        private readonly timing: PressTimingOptions,
        scheduler: Scheduler = realScheduler,
    ) {
        this.detector = new PressDetector(timing, scheduler, () => this.pressStarted(), (heldMs, repeats) => this.released(heldMs, repeats));
    }

    /** Call on every dispatch of the toggle command. */
    invoke(): void {
        this.detector.invoke();
    }

    dispose(): void {
        this.detector.dispose();
    }

    private pressStarted(): void {
        this.startedByPress = undefined;
        if (this.actions.isIdle()) {
            // Start at key-down, not at release: no words are lost to the detector's wait.
            this.startedByPress = this.actions.start();
        } else if (this.actions.isListening()) {
            void this.actions.stop();
        }
    }

    private released(heldMs: number, repeats: number): void {
        const started = this.startedByPress;
        this.startedByPress = undefined;
        if (!started || repeats === 0) {
            return; // a tap: the dictation stays on until the next press
        }
        const mode = this.mode();
        const isHold = mode === 'pushToTalk' || (mode === 'auto' && heldMs >= this.timing.holdMs);
        if (isHold) {
            void started.then(() => (this.actions.isListening() ? this.actions.stop() : undefined));
        }
    }
}
