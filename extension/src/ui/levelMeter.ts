// What the status bar shows about the input level while listening. Pure (no `vscode` import) so unit tests run under node.
import { AudioLevelNotification } from '../sidecar/protocol';

/** After this long without sound (or without any level at all) the status bar warns: muted or wrong microphone. */
export const SILENT_WARNING_MS = 3000;

export interface LevelView {
    /** A short meter, e.g. "▁▃▅", or "" before any level arrived. */
    meter: string;
    /** True when the input has been silent (or no level has arrived) for at least SILENT_WARNING_MS. */
    silent: boolean;
    tooltip: string;
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * @param level the latest `audio/level`, if any
 * @param msSinceLevel how long ago it arrived (or, with none, how long ago listening began)
 */
export function describeLevel(level: AudioLevelNotification.Params | undefined, msSinceLevel: number): LevelView {
    const silentMs = level ? level.silentMs + msSinceLevel : msSinceLevel;
    if (silentMs >= SILENT_WARNING_MS) {
        const seconds = Math.floor(silentMs / 1000);
        return {
            meter: '',
            silent: true,
            tooltip: level
                ? `No sound from the microphone for ${seconds} s: is it muted, or the wrong one? Run "Wispr: Choose Microphone…".`
                : `No audio has arrived for ${seconds} s: is the microphone muted, or the wrong one? Run "Wispr: Choose Microphone…".`,
        };
    }
    if (!level) {
        return { meter: '', silent: false, tooltip: 'Waiting for audio…' };
    }
    const db = 20 * Math.log10(Math.max(level.peak, 1e-6));
    // -60 dBFS … 0 dBFS over eight bars, three of them, the last one the loudest.
    const index = Math.max(0, Math.min(BARS.length - 1, Math.floor(((db + 60) / 60) * BARS.length)));
    const meter = BARS.slice(Math.max(0, index - 2), index + 1).join('').padStart(3, '▁');
    return { meter, silent: false, tooltip: `Input level ${db.toFixed(0)} dBFS.` };
}
