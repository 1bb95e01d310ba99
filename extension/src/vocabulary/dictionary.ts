// The workspace dictionary file: one entry per line, `spoken words => Written` or a bare `Written` (a spelling to keep).
// Pure (no `vscode` import), so the format is unit-tested as a table.
import { DictionaryEntry } from '../sidecar/protocol';

export interface DictionaryProblem {
    /** 1-based line number. */
    line: number;
    message: string;
}

export interface ParsedDictionary {
    entries: DictionaryEntry[];
    problems: DictionaryProblem[];
}

/** Entries beyond this are ignored (and reported once): the sidecar puts them into a prompt. */
export const MAX_DICTIONARY_ENTRIES = 1000;
const MAX_ENTRY_CHARS = 200;
const ARROW = '=>';

/**
 * Parses the dictionary text. Only whole-line comments start with `#` (so `c sharp => C#` keeps its `#`); blank lines
 * are skipped. A bad line is reported with its number and skipped: the rest of the file still counts.
 */
export function parseDictionary(text: string): ParsedDictionary {
    const entries: DictionaryEntry[] = [];
    const problems: DictionaryProblem[] = [];
    const seen = new Set<string>();
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i].trim();
        if (!line || line.startsWith('#')) {
            continue;
        }
        const problem = (message: string) => problems.push({ line: i + 1, message });
        if (line.length > MAX_ENTRY_CHARS) {
            problem(`longer than ${MAX_ENTRY_CHARS} characters`);
            continue;
        }
        const parts = line.split(ARROW);
        let entry: DictionaryEntry;
        if (parts.length === 1) {
            entry = { written: collapse(line) };
        } else if (parts.length === 2) {
            const spoken = collapse(parts[0]);
            const written = collapse(parts[1]);
            if (!spoken || !written) {
                problem(`"${ARROW}" needs words on both sides ("spoken words ${ARROW} Written")`);
                continue;
            }
            entry = spoken === written ? { written } : { spoken, written };
        } else {
            problem(`more than one "${ARROW}"`);
            continue;
        }
        const key = `${entry.spoken ?? ''}\u0000${entry.written}`;
        if (seen.has(key)) {
            continue;
        }
        if (entries.length >= MAX_DICTIONARY_ENTRIES) {
            problem(`more than ${MAX_DICTIONARY_ENTRIES} entries; the rest are ignored`);
            break;
        }
        seen.add(key);
        entries.push(entry);
    }
    return { entries, problems };
}

function collapse(s: string): string {
    return s.trim().replace(/\s+/g, ' ');
}
