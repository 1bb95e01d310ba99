import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { allMessages, ErrorCodes, isRpcError, MessageDirection } from '../../../extension/src/sidecar/protocol';
import { repoRoot } from '../repoRoot';

const doc = fs.readFileSync(path.join(repoRoot(), 'docs', 'protocol.md'), 'utf8');

/** `### \`method\`` headings, split into the Requests and Notifications sections. */
function documentedMethods(section: 'Requests' | 'Notifications'): string[] {
    const start = doc.search(new RegExp(`^## ${section}\\b`, 'm'));
    assert.ok(start >= 0, `no "## ${section}" section in docs/protocol.md`);
    const rest = doc.slice(start + 3);
    const end = rest.search(/^## /m);
    const body = end < 0 ? rest : rest.slice(0, end);
    return [...body.matchAll(/^### `([^`]+)`/gm)].map(m => m[1]);
}

describe('protocol.ts matches docs/protocol.md', () => {
    test('every documented method is in protocol.ts, and every method in protocol.ts is documented', () => {
        const requests = documentedMethods('Requests');
        const notifications = documentedMethods('Notifications');
        assert.ok(requests.length >= 9 && notifications.length >= 2, 'the doc parser found the method headings');
        const code = allMessages.map(m => m.method as string);
        assert.deepEqual([...code].sort(), [...requests, ...notifications].sort());
        assert.equal(new Set(code).size, code.length, 'no method defined twice');
    });

    test('directions: requests go to the sidecar, notifications come from it', () => {
        const requests = new Set(documentedMethods('Requests'));
        for (const m of allMessages) {
            const expected = requests.has(m.method) ? MessageDirection.clientToServer : MessageDirection.serverToClient;
            assert.equal(m.messageDirection, expected, m.method);
            assert.equal(m.type.method, m.method);
        }
    });

    test('error codes agree with the table', () => {
        const rows = [...doc.matchAll(/^\|\s*(-?\d+)\s*\|\s*(\w+)\s*\|/gm)].map(m => [m[2], Number(m[1])] as const);
        assert.ok(rows.length > 0);
        assert.deepEqual(Object.fromEntries(rows), { ...ErrorCodes });
    });

    test('isRpcError narrows a JSON-RPC error', () => {
        assert.equal(isRpcError({ code: 3001, message: 'no dictation' }), true);
        assert.equal(isRpcError(new Error('x')), false);
        assert.equal(isRpcError(null), false);
    });
});
