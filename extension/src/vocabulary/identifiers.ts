// Identifiers near the cursor and the file's symbols, as vocabulary for the recogniser and the cleaner.
// Pure (no `vscode` import): the extension passes lines and symbol trees in.

/** How far (lines) around the cursor identifiers are collected. */
export const DEFAULT_RADIUS = 50;
/** Identifiers sent with a dictation at most (nearby ones first, then the file's symbols). */
export const MAX_IDENTIFIERS = 300;
const MAX_NEARBY = 200;
const MIN_LENGTH = 3;
const MAX_LENGTH = 64;

// Languages whose names may contain '-' (CSS classes, Lisp symbols, HTML attributes, shell options are not identifiers).
const KEBAB_LANGUAGES = new Set(['css', 'scss', 'less', 'sass', 'html', 'vue-html', 'clojure', 'lisp', 'scheme', 'racket', 'elisp', 'yaml', 'dockercompose']);
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/g;
const KEBAB_WORD = /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/g;

// Keywords of the common languages: they are spelled right anyway and would only crowd the bounded list.
const KEYWORDS = new Set((
    'and as assert async await break case catch class const continue def default del delete do elif else enum export extends '
    + 'false final finally for foreach from func function get global if impl import in instanceof interface internal is lambda let '
    + 'match mod module mut namespace new nil none not null object of or override package pass private protected pub public raise '
    + 'readonly ref return self set static struct super switch this throw throws true try type typeof undefined unsafe use using '
    + 'val var void where while with yield string number boolean int bool char float double long short byte void uint'
).split(' '));

export function identifierPattern(languageId: string): RegExp {
    return new RegExp((KEBAB_LANGUAGES.has(languageId) ? KEBAB_WORD : WORD).source, 'g');
}

/** The identifiers in one piece of text, in order, `$` prefixes (PHP, shell) dropped. */
export function identifiersIn(text: string, languageId: string): string[] {
    const out: string[] = [];
    for (const m of text.matchAll(identifierPattern(languageId))) {
        const word = m[0].replace(/^\$+/, '');
        if (word.length >= MIN_LENGTH && word.length <= MAX_LENGTH && !KEYWORDS.has(word.toLowerCase()) && !/^\d/.test(word)) {
            out.push(word);
        }
    }
    return out;
}

/**
 * Identifiers within `radius` lines of `cursorLine`, nearest line first (the cursor's line, then one above, one below…),
 * without duplicates, at most `max`.
 */
export function collectNearbyIdentifiers(
    lineAt: (line: number) => string,
    lineCount: number,
    cursorLine: number,
    languageId: string,
    radius = DEFAULT_RADIUS,
    max = MAX_NEARBY,
): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    const take = (line: number) => {
        if (line < 0 || line >= lineCount) {
            return;
        }
        for (const word of identifiersIn(lineAt(line), languageId)) {
            if (out.length >= max) {
                return;
            }
            if (!seen.has(word)) {
                seen.add(word);
                out.push(word);
            }
        }
    };
    for (let d = 0; d <= radius && out.length < max; d++) {
        take(cursorLine - d);
        if (d > 0) {
            take(cursorLine + d);
        }
    }
    return out;
}

/** A DocumentSymbol or SymbolInformation, as far as names go. */
export interface SymbolLike {
    name: string;
    children?: SymbolLike[];
}

/** The names in a symbol tree, depth first, split into identifiers (a name like `get userName` or `foo()` yields the words). */
export function flattenSymbols(symbols: readonly SymbolLike[] | undefined, languageId: string, max = MAX_IDENTIFIERS): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    const visit = (list: readonly SymbolLike[]) => {
        for (const s of list) {
            if (out.length >= max) {
                return;
            }
            for (const word of identifiersIn(s.name ?? '', languageId)) {
                if (!seen.has(word) && out.length < max) {
                    seen.add(word);
                    out.push(word);
                }
            }
            if (Array.isArray(s.children)) {
                visit(s.children);
            }
        }
    };
    visit(symbols ?? []);
    return out;
}

/** Nearby identifiers first, then symbols not already there, at most `max`. */
export function mergeIdentifiers(nearby: readonly string[], symbols: readonly string[], max = MAX_IDENTIFIERS): string[] {
    return [...new Set([...nearby, ...symbols])].slice(0, max);
}

/** Resolves with the promise's value, or `undefined` once `deadline` has settled (the work itself is not stopped). */
export function settleBefore<T>(promise: PromiseLike<T>, deadline: PromiseLike<unknown>): Promise<T | undefined> {
    return Promise.race([
        Promise.resolve(promise).catch(() => undefined),
        Promise.resolve(deadline).then(() => undefined, () => undefined),
    ]);
}

/** Resolves with the promise's value, or `undefined` once `ms` have passed (the work itself is not stopped). */
export function settleWithin<T>(promise: PromiseLike<T>, ms: number): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
        Promise.resolve(promise).catch(() => undefined),
        new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), ms); }),
    ]).finally(() => clearTimeout(timer));
}
