// The extension's leg of the benchmark: the same dictation as the C# bench's sidecar leg, but driven from Node through
// the extension's own SidecarConnection (vscode-jsonrpc; no `vscode` import), so its cost over the C# client shows.
// Usage: node bench/extension-leg.mjs --sidecar DLL --model MODEL --wav WAV [--maxTokens N] [--reps 5]
// Prints one JSON line: { coldStartMs, stopToTextMs: [...], asrMs: [...] }. Needs `npm run build` (out/).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { SidecarConnection } = require(path.join(root, 'out/extension/src/sidecar/sidecarConnection.js'));

const opts = { reps: '5' };
for (let i = 2; i < process.argv.length; i += 2) opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['sidecar', 'model', 'wav']) if (!opts[k]) throw new Error(`--${k} is required`);

const args = [path.resolve(opts.sidecar), 'serve', '--model', path.resolve(opts.model)];
if (opts.maxTokens) args.push('--maxTokens', opts.maxTokens);
const started = performance.now();
const sidecar = SidecarConnection.start({ command: 'dotnet', args }, { logLevel: 'Warning', clientProcessId: process.pid });
let ended; // resolver of the current dictation's sourceEnded wait
sidecar.connection.onNotification('dictation/sourceEnded', n => ended?.(n));
sidecar.connection.onNotification('dictation/stateChanged', () => undefined);
sidecar.connection.onNotification('model/progress', () => undefined);
try {
    await sidecar.initialize({ clientName: 'wispr-bench-node', clientVersion: '0' });
    const coldStartMs = performance.now() - started;
    await sidecar.connection.sendRequest('model/prepare', {});
    const dictate = async () => {
        const sourceEnded = new Promise(resolve => (ended = resolve)); // armed before start: a fast source cannot be missed
        const { dictationId } = await sidecar.connection.sendRequest('dictation/start', {
            source: { kind: 'wavFile', path: path.resolve(opts.wav), realtime: false },
        });
        const n = await sourceEnded;
        if (n.dictationId !== dictationId || n.error) throw new Error(`source ended badly: ${JSON.stringify(n)}`);
        const t0 = performance.now();
        const result = await sidecar.connection.sendRequest('dictation/stop', { dictationId });
        return { ms: performance.now() - t0, asrMs: result.timings.asrMs };
    };
    await dictate(); // untimed, as in the C# legs
    const stopToTextMs = [];
    const asrMs = [];
    for (let r = 0; r < Number(opts.reps); r++) {
        const d = await dictate();
        stopToTextMs.push(d.ms);
        asrMs.push(d.asrMs);
    }
    console.log(JSON.stringify({ coldStartMs, stopToTextMs, asrMs }));
} finally {
    await sidecar.stop(10_000); // shutdown, then kill if it lingers
}
