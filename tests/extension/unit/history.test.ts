// The dictation history over a Memento-like store: newest first, at most 50, and it is the store that persists.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DictationHistory, entryFor, HISTORY_KEY, HistoryStore, MAX_HISTORY } from '../../../extension/src/history/dictationHistory';
import { TranscriptResult } from '../../../extension/src/sidecar/protocol';

class Store implements HistoryStore {
    readonly values = new Map<string, unknown>();
    get<T>(key: string): T | undefined {
        return structuredClone(this.values.get(key)) as T | undefined;
    }
    async update(key: string, value: unknown): Promise<void> {
        this.values.set(key, structuredClone(value));
    }
}

const result = (text: string): TranscriptResult => ({
    dictationId: 'd1', text, rawText: `um ${text}`, segments: [], audioDurationMs: 1000, backend: 'whisper', modelPath: '/m',
    cleanup: { requested: 'llm', path: 'rules', provider: 'openai', fallbackReason: 'timeout after 5000 ms', rulesMs: 1, llmMs: 5000 },
    timings: { stopToTextMs: 1, asrMs: 1, loadMs: 0, cleanupMs: 5001 },
});
const target = { file: '/w/a.py', languageId: 'python', mode: 'prose' as const };

describe('DictationHistory', () => {
    test('entryFor keeps text, raw text, the cleanup path and its fallback reason, the time and the target', () => {
        assert.deepEqual(entryFor(result('hello'), target, 1234), {
            text: 'hello', rawText: 'um hello', cleanupPath: 'rules', fallbackReason: 'timeout after 5000 ms', time: 1234,
            file: '/w/a.py', languageId: 'python', mode: 'prose',
        });
    });

    test('newest first, capped at 50', async () => {
        const history = new DictationHistory(new Store());
        for (let i = 0; i < MAX_HISTORY + 7; i++) {
            await history.add(entryFor(result(`take ${i}`), target, i));
        }
        const entries = history.entries;
        assert.equal(entries.length, MAX_HISTORY);
        assert.equal(entries[0].text, `take ${MAX_HISTORY + 6}`);
        assert.equal(entries[MAX_HISTORY - 1].text, 'take 7');
        assert.equal(history.latest?.text, `take ${MAX_HISTORY + 6}`);
    });

    test('a new instance over the same store (a window reload) sees the same entries; junk in the store is ignored', async () => {
        const store = new Store();
        await new DictationHistory(store).add(entryFor(result('kept'), target, 1));
        assert.equal(new DictationHistory(store).latest?.text, 'kept');
        store.values.set(HISTORY_KEY, [{ nonsense: true }, entryFor(result('valid'), target, 2)]);
        assert.deepEqual(new DictationHistory(store).entries.map(e => e.text), ['valid']);
        store.values.set(HISTORY_KEY, 'not a list');
        assert.deepEqual(new DictationHistory(store).entries, []);
    });
});
