// The dictation controller's one phase value, and what each phase allows. Pure (no `vscode` import) so the unit tests
// walk the machine under node.

/** The stage the sidecar reports (and the UI shows). */
export enum DictationStage {
    Idle = 'idle',
    Listening = 'listening',
    Transcribing = 'transcribing',
}

/**
 * - `idle`: nothing runs; a start is taken.
 * - `starting`: our `dictation/start` is in flight. `startingThenStop`: the same, and the source already ended (a very short
 *   file), so the stop follows as soon as the start returns.
 * - `listening`: capturing; a stop or cancel is taken.
 * - `stopping`: our `dictation/stop` is in flight (the sidecar transcribes).
 * - `transcribing`: the sidecar transcribes without a request of ours (it said so in `dictation/stateChanged`).
 * - `delivering`: the text came back and is being inserted.
 */
export type DictationPhase = 'idle' | 'starting' | 'startingThenStop' | 'listening' | 'stopping' | 'transcribing' | 'delivering';

export function stageOf(phase: DictationPhase): DictationStage {
    switch (phase) {
        case 'listening':
            return DictationStage.Listening;
        case 'stopping':
        case 'transcribing':
            return DictationStage.Transcribing;
        default:
            return DictationStage.Idle;
    }
}

/** A request of ours (start, stop) or a delivery is in flight: toggles wait, and the sidecar's state notifications do not move the phase. */
export function isBusy(phase: DictationPhase): boolean {
    return phase === 'starting' || phase === 'startingThenStop' || phase === 'stopping' || phase === 'delivering';
}

export type PhaseEvent =
    | 'start' | 'started' | 'sourceEnded' | 'stop' | 'textArrived' | 'delivered' | 'failed' | 'reset'
    | 'sidecarIdle' | 'sidecarListening' | 'sidecarTranscribing';

/** The phase after `event`, or undefined when the event does not apply in `phase` (it is then ignored). */
export function nextPhase(phase: DictationPhase, event: PhaseEvent): DictationPhase | undefined {
    switch (event) {
        case 'start':
            return phase === 'idle' ? 'starting' : undefined;
        case 'started':
            // Even after a cancel overtook the start: the sidecar is listening now, and the UI must say so (a stop or cancel ends it).
            return 'listening';
        case 'sourceEnded':
            return phase === 'starting' ? 'startingThenStop' : undefined;
        case 'stop':
            return phase === 'listening' ? 'stopping' : undefined;
        case 'textArrived':
            return phase === 'stopping' ? 'delivering' : undefined;
        case 'delivered':
            return phase === 'delivering' ? 'idle' : undefined;
        case 'failed':
        case 'reset':
            return 'idle';
        case 'sidecarIdle':
            return isBusy(phase) ? undefined : 'idle';
        case 'sidecarListening':
            return isBusy(phase) ? undefined : 'listening';
        case 'sidecarTranscribing':
            return isBusy(phase) ? undefined : 'transcribing';
    }
}
