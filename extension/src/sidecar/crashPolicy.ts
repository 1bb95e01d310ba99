// When to restart a crashed sidecar: a pure function of the crash times, so the policy is unit-tested without timers.

export interface CrashPolicyOptions {
    /** Give up once this many crashes fall inside the window. */
    maxCrashes: number;
    windowMs: number;
    /** Delay after the first crash in the window; doubled for each further one. */
    baseDelayMs: number;
    maxDelayMs: number;
}

export const defaultCrashPolicy: CrashPolicyOptions = {
    maxCrashes: 5,
    windowMs: 3 * 60_000,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
};

export type CrashDecision =
    | { action: 'restart'; delayMs: number; crashesInWindow: number }
    | { action: 'giveUp'; crashesInWindow: number };

/**
 * @param crashTimes epoch ms of every crash so far, including the one being handled.
 * @param now epoch ms; crashes older than `now - windowMs` are forgotten.
 */
export function decideAfterCrash(crashTimes: readonly number[], now: number, options: CrashPolicyOptions = defaultCrashPolicy): CrashDecision {
    const crashesInWindow = crashTimes.filter(t => t > now - options.windowMs && t <= now).length;
    if (crashesInWindow >= options.maxCrashes) {
        return { action: 'giveUp', crashesInWindow };
    }
    const exponent = Math.max(0, crashesInWindow - 1);
    const delayMs = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
    return { action: 'restart', delayMs, crashesInWindow };
}

/** Drops crash times that can no longer count, so the list stays short in a long session. */
export function pruneCrashTimes(crashTimes: readonly number[], now: number, options: CrashPolicyOptions = defaultCrashPolicy): number[] {
    return crashTimes.filter(t => t > now - options.windowMs);
}
