// Live text: the segments the sidecar recognises while the user speaks (`dictation/segment`), joined in order, shown as
// provisional text in the cursor indicator. It only ever reaches the indicator (a decoration), never the document or its
// undo history; the final, cleaned text is inserted once at the end by the controller. Pure (no `vscode` import) so unit
// tests drive it with a fake indicator.
import type { DictationSegmentNotification } from '../sidecar/protocol';

/** What the preview draws on: the cursor indicator's shape, minus the editor (the caller binds it). */
export interface PreviewIndicator {
    show(phase: 'listening' | 'transcribing', text?: string): void;
    hide(): void;
}

export type PreviewStage = 'idle' | 'listening' | 'transcribing';

export class LivePreview {
    private dictationId: string | undefined;
    /** Segment texts by index: a late or repeated notification cannot reorder or double them. */
    private readonly segments = new Map<number, string>();
    private stage: PreviewStage = 'idle';
    private indicator: PreviewIndicator | undefined;

    constructor(private readonly enabled: () => boolean) {}

    /** The provisional text so far (the segments' texts in order), or undefined when there is none or the preview is off. */
    get text(): string | undefined {
        if (!this.enabled() || this.segments.size === 0) {
            return undefined;
        }
        const text = [...this.segments.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t.trim()).filter(t => t).join(' ');
        return text || undefined;
    }

    /**
     * Follows the dictation's stage: a new dictation starts empty; idle (text delivered, cancelled, failed) drops the
     * preview. `indicator` is where it is drawn (undefined: nowhere, e.g. a commit message).
     */
    setStage(stage: PreviewStage, dictationId: string | undefined, indicator: PreviewIndicator | undefined): void {
        if (stage === 'idle' || dictationId !== this.dictationId) {
            this.segments.clear();
        }
        this.stage = stage;
        this.dictationId = stage === 'idle' ? undefined : dictationId;
        this.indicator = stage === 'idle' ? undefined : indicator;
        this.render(indicator);
    }

    /** A segment arrived; segments of another (older) dictation are ignored. */
    accept(p: DictationSegmentNotification.Params): void {
        if (this.stage === 'idle' || p.dictationId !== this.dictationId) {
            return;
        }
        this.segments.set(p.index, p.text);
        this.render(this.indicator);
    }

    private render(indicator: PreviewIndicator | undefined): void {
        if (this.stage === 'idle') {
            indicator?.hide();
            return;
        }
        indicator?.show(this.stage, this.text);
    }
}
