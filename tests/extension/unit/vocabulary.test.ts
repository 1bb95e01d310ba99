// The pure parts of the dictation context: the dictionary format, identifiers near the cursor, symbol trees, the time cap.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_DICTIONARY_ENTRIES, parseDictionary } from '../../../extension/src/vocabulary/dictionary';
import {
    collectNearbyIdentifiers,
    flattenSymbols,
    identifiersIn,
    MAX_IDENTIFIERS,
    mergeIdentifiers,
    settleBefore,
    settleWithin,
} from '../../../extension/src/vocabulary/identifiers';

describe('parseDictionary', () => {
    const cases: [string, string, ReturnType<typeof parseDictionary>][] = [
        ['spoken => Written', 'package dot json => package.json', { entries: [{ spoken: 'package dot json', written: 'package.json' }], problems: [] }],
        ['a bare spelling to keep', 'Kubernetes', { entries: [{ written: 'Kubernetes' }], problems: [] }],
        ['mixed case kept as written', 'gRPC', { entries: [{ written: 'gRPC' }], problems: [] }],
        ['spaces around the arrow and inside are collapsed', '  wispr   =>   Wispr  ', { entries: [{ spoken: 'wispr', written: 'Wispr' }], problems: [] }],
        ['comments and blank lines', '# team words\n\n   \n  # indented comment\nKubernetes', { entries: [{ written: 'Kubernetes' }], problems: [] }],
        ['a # inside an entry is not a comment', 'c sharp => C#', { entries: [{ spoken: 'c sharp', written: 'C#' }], problems: [] }],
        ['CRLF and a BOM', '\uFEFFgRPC\r\nwispr => Wispr\r\n', { entries: [{ written: 'gRPC' }, { spoken: 'wispr', written: 'Wispr' }], problems: [] }],
        ['duplicates once', 'gRPC\ngRPC\nx y => XY\nx  y => XY', { entries: [{ written: 'gRPC' }, { spoken: 'x y', written: 'XY' }], problems: [] }],
        ['same on both sides is a spelling', 'Wispr => Wispr', { entries: [{ written: 'Wispr' }], problems: [] }],
        ['an empty side is an error with its line, the rest counts', 'gRPC\n => Foo\nbar =>\nKubernetes', {
            entries: [{ written: 'gRPC' }, { written: 'Kubernetes' }],
            problems: [{ line: 2, message: '"=>" needs words on both sides ("spoken words => Written")' }, { line: 3, message: '"=>" needs words on both sides ("spoken words => Written")' }],
        }],
        ['two arrows', 'a => b => c', { entries: [], problems: [{ line: 1, message: 'more than one "=>"' }] }],
        ['an over-long line', 'x'.repeat(201), { entries: [], problems: [{ line: 1, message: 'longer than 200 characters' }] }],
        ['empty file', '', { entries: [], problems: [] }],
    ];
    for (const [name, input, expected] of cases) {
        test(name, () => assert.deepEqual(parseDictionary(input), expected));
    }

    test('bounded: entries past the limit are reported once and dropped', () => {
        const text = Array.from({ length: MAX_DICTIONARY_ENTRIES + 5 }, (_, i) => `Word${i}`).join('\n');
        const parsed = parseDictionary(text);
        assert.equal(parsed.entries.length, MAX_DICTIONARY_ENTRIES);
        assert.deepEqual(parsed.problems, [{ line: MAX_DICTIONARY_ENTRIES + 1, message: `more than ${MAX_DICTIONARY_ENTRIES} entries; the rest are ignored` }]);
    });
});

describe('identifiers', () => {
    test('identifiersIn drops keywords, short words, numbers and $ prefixes', () => {
        assert.deepEqual(identifiersIn('const userName = getUserById(id) + 42; return $total_count;', 'typescript'),
            ['userName', 'getUserById', 'total_count']);
        assert.deepEqual(identifiersIn('$request->getBody()', 'php'), ['request', 'getBody']);
    });

    test('kebab-case names in CSS-like languages, not in C-like ones', () => {
        assert.deepEqual(identifiersIn('.nav-bar { margin-top: 0 }', 'css'), ['nav-bar', 'margin-top']);
        assert.deepEqual(identifiersIn('a = nav-bar', 'python'), ['nav', 'bar']);
    });

    test('nearest lines first (cursor line, then above, below…), deduplicated, within the radius', () => {
        const lines = ['farAway = 1', 'aboveTwo = 2', 'aboveOne = 3', 'cursorLine = aboveOne', 'belowOne = 4', 'belowTwo = 5'];
        assert.deepEqual(collectNearbyIdentifiers(l => lines[l], lines.length, 3, 'python', 2),
            ['cursorLine', 'aboveOne', 'belowOne', 'aboveTwo', 'belowTwo']);
    });

    test('bounded by max, even in a huge file, and safe at the edges', () => {
        const lines = Array.from({ length: 10_000 }, (_, i) => `value${i} = other${i}`);
        const got = collectNearbyIdentifiers(l => lines[l], lines.length, 0, 'python', 50, 20);
        assert.equal(got.length, 20);
        assert.deepEqual(got.slice(0, 4), ['value0', 'other0', 'value1', 'other1']);
        assert.deepEqual(collectNearbyIdentifiers(l => lines[l], 0, 0, 'python'), []);
    });

    test('flattenSymbols walks DocumentSymbol trees and flat SymbolInformation lists', () => {
        const tree = [
            { name: 'UserService', children: [{ name: 'constructor', children: [] }, { name: 'getUserById', children: [{ name: 'cacheKey' }] }] },
            { name: 'formatDate()' },
            { name: 'get userName' },
            { name: 'UserService' },
        ];
        assert.deepEqual(flattenSymbols(tree, 'typescript'), ['UserService', 'constructor', 'getUserById', 'cacheKey', 'formatDate', 'userName']);
        assert.deepEqual(flattenSymbols(undefined, 'typescript'), []);
        const many = Array.from({ length: 1000 }, (_, i) => ({ name: `symbol${i}` }));
        assert.equal(flattenSymbols(many, 'go').length, MAX_IDENTIFIERS);
    });

    test('mergeIdentifiers: nearby first, symbols after, no duplicates, bounded', () => {
        assert.deepEqual(mergeIdentifiers(['b', 'a'], ['a', 'c']), ['b', 'a', 'c']);
        assert.equal(mergeIdentifiers(Array.from({ length: 400 }, (_, i) => `n${i}`), ['s']).length, MAX_IDENTIFIERS);
    });

    test('settleBefore: the value when it comes before the deadline settles, else undefined once it does', async () => {
        let close!: () => void;
        const deadline = new Promise<void>(resolve => { close = resolve; });
        let answer!: (v: number[]) => void;
        const late = settleBefore(new Promise<number[]>(resolve => { answer = resolve; }), deadline);
        assert.deepEqual(await settleBefore(Promise.resolve([1]), deadline), [1]);
        close();
        assert.equal(await late, undefined);
        answer([2]); // after the deadline: too late to count
        assert.equal(await late, undefined);
        assert.equal(await settleBefore(Promise.reject(new Error('no provider')), new Promise(() => undefined)), undefined);
    });

    test('settleWithin: a slow provider yields undefined at the deadline; a fast or failing one does not delay', async () => {
        const t0 = Date.now();
        assert.equal(await settleWithin(new Promise(() => undefined), 50), undefined);
        assert.ok(Date.now() - t0 < 5000, 'returns at the deadline (a generous bound: the promise never settles)');
        assert.deepEqual(await settleWithin(Promise.resolve([1]), 10_000), [1]);
        assert.equal(await settleWithin(Promise.reject(new Error('no provider')), 10_000), undefined);
    });
});
