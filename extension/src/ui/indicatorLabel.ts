// What the cursor indicator says. Pure (no `vscode` import) so unit tests run under node.

export type IndicatorPhase = 'listening' | 'transcribing';

/** Live text longer than this shows only its end, where the words are arriving. */
export const INDICATOR_TEXT_MAX = 60;

/**
 * "● Listening…", "◌ Transcribing…", or with live text (the words heard so far) "● …the end of what was heard".
 * One line: newlines and runs of spaces become single spaces.
 */
export function indicatorLabel(phase: IndicatorPhase, text?: string): string {
    const mark = phase === 'listening' ? '●' : '◌';
    const live = (text ?? '').replace(/\s+/g, ' ').trim();
    if (!live) {
        return phase === 'listening' ? `${mark} Listening…` : `${mark} Transcribing…`;
    }
    return live.length > INDICATOR_TEXT_MAX ? `${mark} …${live.slice(live.length - INDICATOR_TEXT_MAX + 1)}` : `${mark} ${live}`;
}
