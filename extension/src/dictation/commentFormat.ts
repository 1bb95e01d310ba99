// Turns a transcript into a comment for the editor's language, wrapped at the ruler.
// Pure: no `vscode` import, so every language and edge case is unit-tested under plain node.

export interface CommentSyntax {
    lineComment?: string;
    blockComment?: readonly [string, string];
}

export type Eol = '\n' | '\r\n';

export interface CommentFormatOptions {
    /** undefined or empty: the language has no comments, the text is inserted as it is. */
    syntax: CommentSyntax | undefined;
    /** Indentation written before every line after the first (the first starts at the cursor). */
    indent: string;
    /** Column no line may pass (the first of `editor.rulers`; 80 when there is none). */
    ruler: number;
    eol: Eol;
    /** Visual column where the first line starts; default: the indentation's width. */
    firstLineColumn?: number;
    tabSize?: number;
}

export const DEFAULT_RULER = 80;

/** The first ruler of an `editor.rulers` value (numbers or `{ column }` objects), or 80. */
export function rulerColumn(rulers: unknown): number {
    if (Array.isArray(rulers)) {
        for (const r of rulers) {
            const column = typeof r === 'number' ? r : typeof r === 'object' && r !== null ? (r as { column?: unknown }).column : undefined;
            if (typeof column === 'number' && Number.isFinite(column) && column > 0) {
                return Math.floor(column);
            }
        }
    }
    return DEFAULT_RULER;
}

/** Width in columns of leading whitespace, tabs advancing to the next tab stop. */
export function visualWidth(text: string, tabSize = 4): number {
    let column = 0;
    for (const ch of text) {
        column = ch === '\t' ? column + tabSize - (column % tabSize) : column + 1;
    }
    return column;
}

/** Plain text with its line breaks in the document's style. */
export function normalizeEol(text: string, eol: Eol): string {
    return text.replace(/\r\n|\r|\n/g, eol);
}

/**
 * Greedy word wrap. `widthFor(i)` is the room on output line i. A word is never split: one longer than
 * the room gets a line of its own. An empty paragraph becomes an empty line.
 */
export function wrapParagraphs(paragraphs: readonly string[][], widthFor: (lineIndex: number) => number): string[] {
    const lines: string[] = [];
    for (const words of paragraphs) {
        if (words.length === 0) {
            lines.push('');
            continue;
        }
        let line = '';
        for (const word of words) {
            const width = Math.max(1, widthFor(lines.length));
            if (line === '') {
                line = word;
            } else if (line.length + 1 + word.length <= width) {
                line += ` ${word}`;
            } else {
                lines.push(line);
                line = word;
            }
        }
        lines.push(line);
    }
    return lines;
}

/** Paragraphs (input lines) as word lists, without leading or trailing blank lines. */
export function toParagraphs(text: string): string[][] {
    const paragraphs = text.split(/\r\n|\r|\n/).map(line => line.split(/\s+/).filter(w => w.length > 0));
    while (paragraphs.length > 0 && paragraphs[0].length === 0) {
        paragraphs.shift();
    }
    while (paragraphs.length > 0 && paragraphs[paragraphs.length - 1].length === 0) {
        paragraphs.pop();
    }
    // Runs of blank lines say "new paragraph" once.
    return paragraphs.filter((p, i) => p.length > 0 || paragraphs[i - 1]?.length !== 0);
}

/** Keeps dictated text from ending a block comment early (`*\/` → `* /`). */
function defuse(word: string, close: string): string {
    return close.length > 1 ? word.split(close).join(`${close[0]} ${close.slice(1)}`) : word;
}

export function formatAsComment(text: string, options: CommentFormatOptions): string {
    const { syntax, indent, ruler, eol } = options;
    const tabSize = options.tabSize ?? 4;
    const indentWidth = visualWidth(indent, tabSize);
    const firstColumn = options.firstLineColumn ?? indentWidth;
    const paragraphs = toParagraphs(text);
    if (paragraphs.length === 0) {
        return '';
    }

    const line = syntax?.lineComment?.trim();
    if (line) {
        const prefix = `${line} `;
        const widthFor = (i: number) => ruler - (i === 0 ? firstColumn : indentWidth) - prefix.length;
        return wrapParagraphs(paragraphs, widthFor)
            .map((content, i) => (i === 0 ? '' : indent) + (content ? prefix + content : line))
            .join(eol);
    }

    const block = syntax?.blockComment;
    if (block && block[0].trim() && block[1].trim()) {
        const open = block[0].trim();
        const close = block[1].trim();
        const safe = paragraphs.map(words => words.map(w => defuse(w, close)));
        // Reserve room for the closing token on every line: any line may turn out to be the last.
        const tokens = open.length + 1 + close.length + 1;
        const widthFor = (i: number) => ruler - (i === 0 ? firstColumn : indentWidth) - tokens;
        const hanging = ' '.repeat(open.length + 1); // continuation lines line up with the first word
        const lines = wrapParagraphs(safe, widthFor).map((content, i) => {
            if (i === 0) {
                return `${open} ${content}`;
            }
            return content ? indent + hanging + content : '';
        });
        lines[lines.length - 1] += ` ${close}`;
        return lines.join(eol);
    }

    // No comment syntax known (plain text): insert the words as spoken, in the document's line breaks.
    return paragraphs.map((words, i) => (i === 0 || words.length === 0 ? '' : indent) + words.join(' ')).join(eol);
}
