// The fallback comment table must say what VS Code's own language configurations say: it is the only source when no
// installed extension contributes a configuration for the language (a disabled built-in, a language from a marketplace
// extension that is not installed), and comment mode then must not insert the text uncommented or with other tokens.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CommentSyntax, formatAsComment } from '../../../extension/src/dictation/commentFormat';
import { BUILTIN_COMMENTS, builtinCommentSyntax } from '../../../extension/src/dictation/languageConfig';
import { repoRoot } from '../repoRoot';
import { LanguageCommentsFixture, codeServerVersion, readBuiltinLanguageComments } from '../tools/builtinLanguageComments';

const root = repoRoot();
const fixturePath = path.join(root, 'tests', 'extension', 'fixtures', 'builtin-language-comments.json');
const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8')) as LanguageCommentsFixture;
const codeServer = path.join(root, 'tests', 'e2e', 'node_modules', 'code-server');

function plain(syntax: CommentSyntax | undefined | null): CommentSyntax | null {
    if (!syntax) {
        return null;
    }
    const result: { lineComment?: string; blockComment?: [string, string] } = {};
    if (syntax.lineComment) {
        result.lineComment = syntax.lineComment;
    }
    if (syntax.blockComment) {
        result.blockComment = [syntax.blockComment[0], syntax.blockComment[1]];
    }
    return result;
}

describe('fallback comment table against the built-in language configurations', () => {
    test('the fixture covers the built-in languages', () => {
        assert.match(fixture.source, /^code-server \d+\.\d+\.\d+$/);
        const ids = Object.keys(fixture.languages);
        assert.ok(ids.length >= 50, `only ${ids.length} languages in ${fixturePath}`);
        for (const id of ['typescript', 'python', 'c', 'html', 'css', 'markdown', 'shellscript', 'sql', 'lua', 'bat']) {
            assert.ok(ids.includes(id), `${id} missing from the fixture`);
        }
    });

    test('every built-in language id has the same tokens in the table', () => {
        const disagreements: string[] = [];
        for (const [id, expected] of Object.entries(fixture.languages)) {
            const actual = plain(builtinCommentSyntax(id));
            if (JSON.stringify(actual) !== JSON.stringify(plain(expected))) {
                disagreements.push(`${id}: table ${JSON.stringify(actual)}, ${fixture.source} ${JSON.stringify(expected)}`);
            }
        }
        assert.deepEqual(disagreements, []);
    });

    test('the fixture is what the installed code-server says', t => {
        if (!fs.existsSync(path.join(codeServer, 'lib', 'vscode', 'extensions'))) {
            t.skip('code-server is not installed (tests/e2e/setup.sh installs it); the committed fixture is checked above');
            return;
        }
        const live = readBuiltinLanguageComments(codeServer);
        if (live.source !== fixture.source) {
            t.skip(`installed code-server ${codeServerVersion(codeServer)} is not the fixture's ${fixture.source}; regenerate with tests/extension/tools/generateLanguageComments.ts`);
            return;
        }
        assert.deepEqual(live, fixture);
    });
});

describe('fallback comment table: languages without a built-in configuration', () => {
    test('OCaml and other languages VS Code does not ship have their tokens', () => {
        const expected: Record<string, CommentSyntax> = {
            ocaml: { blockComment: ['(*', '*)'] },
            elm: { lineComment: '--', blockComment: ['{-', '-}'] },
            haskell: { lineComment: '--', blockComment: ['{-', '-}'] },
            erlang: { lineComment: '%' },
            elixir: { lineComment: '#' },
            fortran: { lineComment: '!' },
            ada: { lineComment: '--' },
            scheme: { lineComment: ';', blockComment: ['#|', '|#'] },
            racket: { lineComment: ';', blockComment: ['#|', '|#'] },
            prolog: { lineComment: '%', blockComment: ['/*', '*/'] },
            nix: { lineComment: '#', blockComment: ['/*', '*/'] },
            solidity: { lineComment: '//', blockComment: ['/*', '*/'] },
            toml: { lineComment: '#' },
            zig: { lineComment: '//' },
        };
        for (const [id, syntax] of Object.entries(expected)) {
            assert.deepEqual(plain(builtinCommentSyntax(id)), plain(syntax), id);
        }
    });

    test('an OCaml dictation goes in as an OCaml comment, not as bare text', () => {
        const text = formatAsComment('check the bounds first', { syntax: builtinCommentSyntax('ocaml'), indent: '  ', ruler: 80, eol: '\n' });
        assert.equal(text, '(* check the bounds first *)');
    });

    test('every table entry is usable: a non-blank line token or a pair of non-blank block tokens', () => {
        for (const [id, syntax] of Object.entries(BUILTIN_COMMENTS)) {
            const line = syntax.lineComment?.trim();
            const block = syntax.blockComment;
            assert.ok(line || (block && block[0].trim() && block[1].trim()), id);
        }
    });
});
