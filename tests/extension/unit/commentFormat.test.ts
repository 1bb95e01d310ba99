import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommentFormatOptions, CommentSyntax, formatAsComment, normalizeEol, rulerColumn, toParagraphs, visualWidth } from '../../../extension/src/dictation/commentFormat';
import { BUILTIN_COMMENTS } from '../../../extension/src/dictation/languageConfig';

function syntax(languageId: string): CommentSyntax {
    const s = BUILTIN_COMMENTS[languageId];
    assert.ok(s, `no built-in comment syntax for ${languageId}`);
    return s;
}

function format(text: string, languageId: string, options: Partial<CommentFormatOptions> = {}): string {
    return formatAsComment(text, { syntax: syntax(languageId), indent: '', ruler: 80, eol: '\n', ...options });
}

/** No line may pass the ruler, unless it is a single over-long word. */
function assertWithinRuler(output: string, options: { ruler: number; firstLineColumn?: number; eol?: string }): void {
    output.split(options.eol ?? '\n').forEach((line, i) => {
        const width = (i === 0 ? options.firstLineColumn ?? 0 : 0) + line.length;
        assert.ok(width <= options.ruler, `line ${i} is ${width} columns, past the ruler ${options.ruler}: ${JSON.stringify(line)}`);
    });
}

describe('formatAsComment: one short line per language', () => {
    const cases: [string, string][] = [
        ['python', '# hello world'],
        ['csharp', '// hello world'],
        ['typescript', '// hello world'],
        ['javascriptreact', '// hello world'],
        ['rust', '// hello world'],
        ['sql', '-- hello world'],
        ['lua', '-- hello world'],
        ['haskell', '-- hello world'],
        ['yaml', '# hello world'],
        ['shellscript', '# hello world'],
        ['vb', "' hello world"],
        ['latex', '% hello world'],
        ['bat', '@REM hello world'],
        ['clojure', ';; hello world'],
        ['ini', '; hello world'],
        ['html', '<!-- hello world -->'],
        ['xml', '<!-- hello world -->'],
        ['markdown', '<!-- hello world -->'],
        ['css', '/* hello world */'],
        ['razor', '<!-- hello world -->'], // what VS Code's razor configuration declares
        ['ocaml', '(* hello world *)'],
    ];
    for (const [languageId, expected] of cases) {
        test(languageId, () => assert.equal(format('hello world', languageId), expected));
    }
});

describe('formatAsComment: wrapping', () => {
    test('wraps at the ruler, counting indentation and the comment token; continuation lines are indented', () => {
        const out = format('the quick brown fox jumps over the lazy dog', 'python', { indent: '    ', ruler: 20 });
        assert.equal(out, '# the quick\n    # brown fox\n    # jumps over the\n    # lazy dog');
        assertWithinRuler(out, { ruler: 20, firstLineColumn: 4 });
    });

    test('C# with a deeper indentation and the default ruler', () => {
        const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
        const out = format(words, 'csharp', { indent: '        ' });
        const lines = out.split('\n');
        assert.ok(lines.length > 1);
        assert.ok(lines[0].startsWith('// word0 '));
        for (const line of lines.slice(1)) {
            assert.match(line, /^ {8}\/\/ word\d+/);
        }
        assertWithinRuler(out, { ruler: 80, firstLineColumn: 8 });
        assert.equal(out.replace(/\n {8}\/\/ /g, ' ').replace(/^\/\/ /, ''), words, 'no word lost, none split');
    });

    test('tabs in the indentation count to the next tab stop', () => {
        assert.equal(visualWidth('\t', 4), 4);
        assert.equal(visualWidth('  \t', 4), 4);
        assert.equal(visualWidth('\t\t', 2), 4);
        const out = format('aaaa bbbb cccc dddd', 'python', { indent: '\t', ruler: 18, tabSize: 4 });
        // room per line: 18 - 4 (tab) - 2 ("# ") = 12
        assert.equal(out, '# aaaa bbbb\n\t# cccc dddd');
    });

    test('a word longer than the room goes on its own line, unsplit', () => {
        const out = format('a supercalifragilisticexpialidocious word', 'python', { ruler: 20 });
        assert.equal(out, '# a\n# supercalifragilisticexpialidocious\n# word');
    });

    test('a tiny ruler still makes progress: one word per line', () => {
        assert.equal(format('one two', 'python', { ruler: 1 }), '# one\n# two');
    });

    test('a comment after code starts at the cursor column and continues at the indentation', () => {
        const out = format('alpha beta gamma', 'python', { ruler: 20, firstLineColumn: 10 });
        assert.equal(out, '# alpha\n# beta gamma');
        assertWithinRuler(out, { ruler: 20, firstLineColumn: 10 });
    });
});

describe('formatAsComment: block-only languages wrap inside one block', () => {
    test('CSS', () => {
        const out = format('set the margin to zero for small screens only please', 'css', { indent: '  ', ruler: 30 });
        assert.equal(out, '/* set the margin to zero\n     for small screens only\n     please */');
        assertWithinRuler(out, { ruler: 30, firstLineColumn: 2 });
    });

    test('HTML', () => {
        const out = format('this paragraph explains the navigation menu for screen readers', 'html', { indent: '    ', ruler: 40 });
        const lines = out.split('\n');
        assert.ok(lines[0].startsWith('<!-- this'));
        assert.ok(lines[lines.length - 1].endsWith(' -->'));
        assert.equal(out.match(/<!--/g)?.length, 1, 'one block');
        assert.equal(out.match(/-->/g)?.length, 1, 'one block');
        for (const line of lines.slice(1)) {
            assert.ok(line.startsWith('         '), 'indent + hanging indent under the first word');
        }
        assertWithinRuler(out, { ruler: 40, firstLineColumn: 4 });
    });

    test('dictated text cannot close the block early', () => {
        assert.equal(format('a */ b', 'css'), '/* a * / b */');
        assert.equal(format('x --> y', 'html'), '<!-- x - -> y -->');
    });

    test('a language with both kinds uses the line comment', () => {
        assert.equal(format('note', 'sql'), '-- note');
        assert.equal(format('note', 'fsharp'), '// note');
    });
});

describe('formatAsComment: line breaks', () => {
    test('multi-line text keeps its lines and paragraphs', () => {
        assert.equal(format('first line\nsecond line', 'python'), '# first line\n# second line');
        assert.equal(format('para one\n\n\npara two', 'typescript', { indent: '  ' }), '// para one\n  //\n  // para two');
        assert.equal(format('\n\n  only  words  \n\n', 'python'), '# only words');
    });

    test('a CRLF document gets CRLF between every line', () => {
        const out = format('alpha beta gamma delta\nepsilon', 'python', { ruler: 15, eol: '\r\n', indent: '  ' });
        assert.equal(out, '# alpha beta\r\n  # gamma delta\r\n  # epsilon');
        assert.equal(out.replace(/\r\n/g, '').includes('\n'), false);
    });

    test('CRLF inside a block comment', () => {
        assert.equal(format('one two three', 'css', { ruler: 16, eol: '\r\n' }), '/* one two\r\n   three */');
    });

    test('plain text (no comment syntax) is inserted as spoken', () => {
        const out = formatAsComment('hello\nworld', { syntax: undefined, indent: '    ', ruler: 80, eol: '\r\n' });
        assert.equal(out, 'hello\r\n    world');
        assert.equal(formatAsComment('  ', { syntax: undefined, indent: '', ruler: 80, eol: '\n' }), '');
    });

    test('normalizeEol and toParagraphs', () => {
        assert.equal(normalizeEol('a\nb\r\nc\rd', '\r\n'), 'a\r\nb\r\nc\r\nd');
        assert.equal(normalizeEol('a\r\nb', '\n'), 'a\nb');
        assert.deepEqual(toParagraphs('a b\n\n\nc'), [['a', 'b'], [], ['c']]);
    });
});

describe('rulerColumn', () => {
    test('first ruler, numbers or objects; 80 without one', () => {
        assert.equal(rulerColumn(undefined), 80);
        assert.equal(rulerColumn([]), 80);
        assert.equal(rulerColumn([100, 120]), 100);
        assert.equal(rulerColumn([{ column: 72, color: '#f00' }, 100]), 72);
        assert.equal(rulerColumn(['x', 90]), 90);
    });
});
