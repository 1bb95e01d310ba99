import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_COMMENTS, builtinCommentSyntax, commentSyntaxFromConfig, parseJsonc } from '../../../extension/src/dictation/languageConfig';

describe('parseJsonc', () => {
    test('line and block comments are removed, strings that look like comments are kept', () => {
        const text = `{
            // a line comment
            "comments": {
                /* a block
                   comment */
                "lineComment": "//", // trailing comment
                "blockComment": ["/*", "*/"]
            },
            "url": "http://example.invalid/*not a comment*/"
        }`;
        assert.deepEqual(parseJsonc(text), {
            comments: { lineComment: '//', blockComment: ['/*', '*/'] },
            url: 'http://example.invalid/*not a comment*/',
        });
    });

    test('trailing commas in objects and arrays, and escaped quotes in strings', () => {
        const text = '{ "a": [1, 2, ], "b": { "c": "say \\"hi\\", ok", }, }';
        assert.deepEqual(parseJsonc(text), { a: [1, 2], b: { c: 'say "hi", ok' } });
    });

    test('a BOM and CRLF line endings', () => {
        assert.deepEqual(parseJsonc('\uFEFF{\r\n  // c\r\n  "x": 1,\r\n}\r\n'), { x: 1 });
    });

    test('broken JSON still throws', () => {
        assert.throws(() => parseJsonc('{ "a": }'));
    });
});

describe('commentSyntaxFromConfig', () => {
    test('string lineComment and blockComment', () => {
        assert.deepEqual(commentSyntaxFromConfig({ comments: { lineComment: '#', blockComment: ['"""', '"""'] } }), {
            lineComment: '#',
            blockComment: ['"""', '"""'],
        });
    });

    test('object-form lineComment of newer VS Code', () => {
        const config = parseJsonc('{ "comments": { "lineComment": { "comment": "//", "noIndent": false }, }, }');
        assert.deepEqual(commentSyntaxFromConfig(config), { lineComment: '//' });
    });

    test('block-only configuration', () => {
        assert.deepEqual(commentSyntaxFromConfig({ comments: { blockComment: ['<!--', '-->'] } }), { blockComment: ['<!--', '-->'] });
    });

    test('missing or malformed comments give undefined', () => {
        assert.equal(commentSyntaxFromConfig({}), undefined);
        assert.equal(commentSyntaxFromConfig(null), undefined);
        assert.equal(commentSyntaxFromConfig({ comments: { lineComment: '', blockComment: ['/*'] } }), undefined);
        assert.equal(commentSyntaxFromConfig({ comments: { lineComment: 42 } }), undefined);
    });
});

describe('built-in comment table', () => {
    const required = [
        'python', 'csharp', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact', 'java', 'c', 'cpp', 'go', 'rust',
        'php', 'ruby', 'shellscript', 'powershell', 'yaml', 'toml', 'sql', 'lua', 'html', 'xml', 'css', 'scss', 'less', 'markdown',
        'haskell', 'elixir', 'clojure', 'lisp', 'r', 'perl', 'fsharp', 'vb', 'swift', 'kotlin', 'dart', 'ini', 'makefile',
        'dockerfile', 'latex', 'matlab', 'bat',
    ];

    test('covers every required language', () => {
        for (const id of required) {
            const s = builtinCommentSyntax(id);
            assert.ok(s && (s.lineComment || s.blockComment), `missing ${id}`);
        }
        assert.ok(Object.keys(BUILTIN_COMMENTS).length >= 30);
    });

    test('unknown languages and prototype keys have no syntax', () => {
        assert.equal(builtinCommentSyntax('plaintext'), undefined);
        assert.equal(builtinCommentSyntax('toString'), undefined);
        assert.equal(builtinCommentSyntax('__proto__'), undefined);
    });
});
