// The last transcripts, kept in the extension's global state so no dictation is lost: not to a closed editor, a
// sidecar restart or a window reload. Pure (no `vscode` import): it needs only a Memento-like store.
import { CleanupPath, PromptMode, TranscriptResult } from '../sidecar/protocol';

export const HISTORY_KEY = 'wispr.history';
export const MAX_HISTORY = 50;

export interface HistoryEntry {
    text: string;
    rawText: string;
    cleanupPath: CleanupPath | null;
    fallbackReason: string | null;
    /** Milliseconds since the epoch. */
    time: number;
    /** The file the dictation was meant for (fsPath, or the URI of an untitled document); null when there was none. */
    file: string | null;
    languageId: string | null;
    mode: PromptMode;
}

/** The part of vscode.Memento this needs. */
export interface HistoryStore {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void>;
}

export class DictationHistory {
    constructor(private readonly store: HistoryStore, private readonly max = MAX_HISTORY) {}

    /** Newest first. */
    get entries(): HistoryEntry[] {
        const value = this.store.get<unknown>(HISTORY_KEY);
        return Array.isArray(value) ? value.filter(isEntry) : [];
    }

    get latest(): HistoryEntry | undefined {
        return this.entries[0];
    }

    async add(entry: HistoryEntry): Promise<void> {
        await this.store.update(HISTORY_KEY, [entry, ...this.entries].slice(0, this.max));
    }
}

export function entryFor(result: TranscriptResult, target: { file: string | null; languageId: string | null; mode: PromptMode }, time = Date.now()): HistoryEntry {
    return {
        text: result.text,
        rawText: typeof result.rawText === 'string' ? result.rawText : result.text,
        cleanupPath: result.cleanup?.path ?? null,
        fallbackReason: result.cleanup?.fallbackReason ?? null,
        time,
        ...target,
    };
}

function isEntry(e: unknown): e is HistoryEntry {
    return typeof e === 'object' && e !== null && typeof (e as HistoryEntry).text === 'string' && typeof (e as HistoryEntry).time === 'number';
}
