// Comment tokens from language-configuration.json files, plus a built-in table for when no extension supplies them.
// Pure: no `vscode` import (unit-tested under plain node).
import { CommentSyntax } from './commentFormat';

/**
 * Parses JSON with comments and trailing commas, as VS Code's language-configuration.json files are written.
 * Comments and trailing commas are removed outside strings, then the rest is plain JSON.parse.
 */
export function parseJsonc(text: string): unknown {
    let out = '';
    let i = 0;
    const n = text.length;
    while (i < n) {
        const ch = text[i];
        if (ch === '"') {
            const start = i++;
            while (i < n && text[i] !== '"') {
                i += text[i] === '\\' ? 2 : 1;
            }
            out += text.slice(start, ++i);
        } else if (ch === '/' && text[i + 1] === '/') {
            while (i < n && text[i] !== '\n' && text[i] !== '\r') {
                i++;
            }
        } else if (ch === '/' && text[i + 1] === '*') {
            const end = text.indexOf('*/', i + 2);
            i = end < 0 ? n : end + 2;
            out += ' ';
        } else {
            out += ch;
            i++;
        }
    }
    // Trailing commas: a comma followed only by whitespace before } or ] (strings are intact, comments gone).
    return JSON.parse(stripTrailingCommas(out.replace(/^\uFEFF/, '')));
}

function stripTrailingCommas(json: string): string {
    let out = '';
    let i = 0;
    while (i < json.length) {
        const ch = json[i];
        if (ch === '"') {
            const start = i++;
            while (i < json.length && json[i] !== '"') {
                i += json[i] === '\\' ? 2 : 1;
            }
            out += json.slice(start, ++i);
            continue;
        }
        if (ch === ',') {
            let j = i + 1;
            while (j < json.length && /\s/.test(json[j])) {
                j++;
            }
            if (json[j] === '}' || json[j] === ']') {
                i++;
                continue;
            }
        }
        out += ch;
        i++;
    }
    return out;
}

/**
 * The comment tokens of a parsed language configuration. `lineComment` is a string, or in newer VS Code
 * an object `{ comment: string, noIndent?: boolean }`. Returns undefined when the configuration has neither.
 */
export function commentSyntaxFromConfig(config: unknown): CommentSyntax | undefined {
    if (typeof config !== 'object' || config === null) {
        return undefined;
    }
    const comments = (config as { comments?: unknown }).comments;
    if (typeof comments !== 'object' || comments === null) {
        return undefined;
    }
    const result: { lineComment?: string; blockComment?: [string, string] } = {};
    const line = (comments as { lineComment?: unknown }).lineComment;
    if (typeof line === 'string' && line.trim()) {
        result.lineComment = line;
    } else if (typeof line === 'object' && line !== null) {
        const comment = (line as { comment?: unknown }).comment;
        if (typeof comment === 'string' && comment.trim()) {
            result.lineComment = comment;
        }
    }
    const block = (comments as { blockComment?: unknown }).blockComment;
    if (Array.isArray(block) && block.length === 2 && typeof block[0] === 'string' && typeof block[1] === 'string' && block[0] && block[1]) {
        result.blockComment = [block[0], block[1]];
    }
    return result.lineComment || result.blockComment ? result : undefined;
}

const slashes: CommentSyntax = { lineComment: '//', blockComment: ['/*', '*/'] };
const hash: CommentSyntax = { lineComment: '#' };
const markup: CommentSyntax = { blockComment: ['<!--', '-->'] };
const cssBlock: CommentSyntax = { blockComment: ['/*', '*/'] };
// VS Code's git, diff, ini and properties configurations pair the line token with a space as a "block" (for the toggle
// command); kept as they declare it so the table and the configurations agree.
const hashLines: CommentSyntax = { lineComment: '#', blockComment: ['#', ' '] };

/**
 * Used when no installed extension contributes a configuration for the language. Every language of VS Code's built-in
 * extensions has the tokens its own language-configuration.json declares (checked against the code-server build the
 * e2e suite uses: tests/extension/fixtures/builtin-language-comments.json); the rest are common languages that only a
 * marketplace extension brings, which may be missing.
 */
export const BUILTIN_COMMENTS: Readonly<Record<string, CommentSyntax>> = {
    // Built-in (tests/extension/fixtures/builtin-language-comments.json).
    bat: { lineComment: '@REM' },
    c: slashes,
    clojure: { lineComment: ';;' },
    coffeescript: { lineComment: '#', blockComment: ['###', '###'] },
    cpp: slashes,
    cpp_embedded_latex: slashes,
    csharp: slashes,
    css: cssBlock,
    'cuda-cpp': slashes,
    dart: slashes,
    diff: hashLines,
    dockercompose: hash,
    dockerfile: hash,
    fsharp: { lineComment: '//', blockComment: ['(*', '*)'] },
    'git-commit': hashLines,
    'git-rebase': hashLines,
    go: slashes,
    groovy: slashes,
    handlebars: { blockComment: ['{{!--', '--}}'] },
    hlsl: slashes,
    html: markup,
    ignore: hash,
    ini: { lineComment: ';', blockComment: [';', ' '] },
    instructions: markup,
    jade: { lineComment: '//-' },
    java: slashes,
    javascript: slashes,
    javascriptreact: slashes,
    json: slashes,
    jsonc: slashes,
    jsonl: slashes,
    'jsx-tags': { blockComment: ['{/*', '*/}'] },
    julia: { lineComment: '#', blockComment: ['#=', '=#'] },
    latex: { lineComment: '%' },
    less: slashes,
    lua: { lineComment: '--', blockComment: ['--[[', ']]'] },
    makefile: hash,
    markdown: markup,
    markdown_latex_combined: markup,
    'objective-c': slashes,
    'objective-cpp': slashes,
    perl: hash,
    php: slashes,
    powershell: { lineComment: '#', blockComment: ['<#', '#>'] },
    prompt: markup,
    properties: hashLines,
    python: { lineComment: '#', blockComment: ['"""', '"""'] },
    r: hash,
    raku: hash,
    razor: markup,
    restructuredtext: { lineComment: '..' },
    ruby: { lineComment: '#', blockComment: ['=begin', '=end'] },
    rust: slashes,
    scss: slashes,
    shaderlab: slashes,
    shellscript: hash,
    snippets: slashes,
    sql: { lineComment: '--', blockComment: ['/*', '*/'] },
    swift: slashes,
    tex: { lineComment: '%' },
    typescript: slashes,
    typescriptreact: slashes,
    vb: { lineComment: "'" },
    wat: { lineComment: ';;', blockComment: ['(; ', ' ;)'] },
    xml: markup,
    xsl: markup,
    yaml: hash,

    // From marketplace extensions only.
    ada: { lineComment: '--' },
    awk: hash,
    cmake: hash,
    cuda: slashes,
    d: { lineComment: '//', blockComment: ['/*', '*/'] },
    dotenv: hash,
    elixir: hash,
    elm: { lineComment: '--', blockComment: ['{-', '-}'] },
    erlang: { lineComment: '%' },
    fortran: { lineComment: '!' },
    gdscript: hash,
    glsl: slashes,
    graphql: hash,
    haskell: { lineComment: '--', blockComment: ['{-', '-}'] },
    haxe: slashes,
    hcl: { lineComment: '#', blockComment: ['/*', '*/'] },
    kotlin: slashes,
    lisp: { lineComment: ';', blockComment: ['#|', '|#'] },
    matlab: { lineComment: '%', blockComment: ['%{', '%}'] },
    nim: hash,
    nix: { lineComment: '#', blockComment: ['/*', '*/'] },
    ocaml: { blockComment: ['(*', '*)'] }, // OCaml has block comments only
    pascal: { lineComment: '//', blockComment: ['{', '}'] },
    prolog: { lineComment: '%', blockComment: ['/*', '*/'] },
    proto3: slashes,
    purescript: { lineComment: '--', blockComment: ['{-', '-}'] },
    racket: { lineComment: ';', blockComment: ['#|', '|#'] },
    reason: slashes,
    scala: slashes,
    scheme: { lineComment: ';', blockComment: ['#|', '|#'] },
    solidity: slashes,
    svelte: markup,
    systemverilog: slashes,
    tcl: hash,
    terraform: { lineComment: '#', blockComment: ['/*', '*/'] },
    toml: hash,
    verilog: slashes,
    vhdl: { lineComment: '--' },
    vue: markup,
    wgsl: slashes,
    zig: { lineComment: '//' },
};

export function builtinCommentSyntax(languageId: string): CommentSyntax | undefined {
    return Object.prototype.hasOwnProperty.call(BUILTIN_COMMENTS, languageId) ? BUILTIN_COMMENTS[languageId] : undefined;
}
