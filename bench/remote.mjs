// The remote backend against the same model in process, both warm, as a user meets them: one resident sidecar (`serve`, the
// path the extension uses), each file transcribed N times on the local Whisper backend, then, after `backend/select remote`,
// N times through whisper-server. One untimed transcription per backend first (whisper.cpp allocates its buffers, the JIT
// warms up). Timed: the sidecar's recognition time (`timings.asrMs`: for remote the HTTP round trip with the upload) and the
// client's wall clock of `transcribeFile`. Bytes are what the sidecar logs as sent. Driven by bench/remote.sh.
//   node bench/remote.mjs --dll Wispr.Sidecar.dll --model M.bin --url http://127.0.0.1:PORT/v1 --threads N --reps N FILE.wav...
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';

const { values: a, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { dll: { type: 'string' }, model: { type: 'string' }, url: { type: 'string' }, threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' } },
});
if (!a.dll || !a.model || !a.url || files.length === 0) throw new Error('usage: node bench/remote.mjs --dll DLL --model M.bin --url URL [--threads N] [--reps N] FILE.wav...');
const reps = Number(a.reps);
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const wavSeconds = (f) => { const b = fs.readFileSync(f); let o = 12; while (o < b.length) { const id = b.toString('ascii', o, o + 4); const n = b.readUInt32LE(o + 4); if (id === 'fmt ') var rate = b.readUInt32LE(o + 12), align = b.readUInt16LE(o + 20); if (id === 'data') return n / align / rate; o += 8 + n + (n & 1); } throw new Error(`${f}: no data chunk`); };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-bench-remote-'));
const sent = []; // "(N bytes sent" from the sidecar's log, in order
const sidecar = spawn('dotnet', [a.dll, 'serve', '--model', a.model, '--threads', a.threads, '--audioContext', 'full', '--remoteUrl', a.url,
  '--logLevel', 'Information'], {
  stdio: ['pipe', 'pipe', 'pipe'],
  env: { ...process.env, WISPR_RECORDINGS_DIR: path.join(root, 'recordings'), NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' },
});
let tail = '';
let onSent = () => {};
sidecar.stderr.setEncoding('utf8');
sidecar.stderr.on('data', (d) => {
  tail = (tail + d).slice(-4000);
  for (const m of d.matchAll(/\((\d+) bytes sent/g)) sent.push(Number(m[1]));
  onSent();
});
/** The log line can follow the reply (stderr and stdout are separate pipes): waits for the count to pass `n` (bounded). */
function sentAfter(n) {
  if (sent.length > n) return Promise.resolve(sent.at(-1));
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error('no "bytes sent" logged within 10 s')), 10_000);
    onSent = () => { if (sent.length > n) { clearTimeout(limit); onSent = () => {}; resolve(sent.at(-1)); } };
  });
}
const rpc = createMessageConnection(new StreamMessageReader(sidecar.stdout), new StreamMessageWriter(sidecar.stdin));
rpc.listen();

async function transcribe(file) {
  const t0 = performance.now();
  const r = await rpc.sendRequest('transcribeFile', { path: file });
  return { asr: r.timings.asrMs, wall: performance.now() - t0 };
}

const rows = files.map((f) => ({ file: f, secs: wavSeconds(f), local: [], localWall: [], remote: [], remoteWall: [], bytes: 0 }));
try {
  await rpc.sendRequest('initialize', { clientName: 'wispr-bench-remote', clientVersion: '0' });
  await rpc.sendRequest('model/prepare', {});
  await transcribe(files[0]); // untimed
  for (const row of rows) for (let i = 0; i < reps; i++) { const t = await transcribe(row.file); row.local.push(t.asr); row.localWall.push(t.wall); }
  await rpc.sendRequest('backend/select', { backend: 'remote' });
  await transcribe(files[0]); // untimed: the HTTP connection and the server's first request
  for (const row of rows) {
    for (let i = 0; i < reps; i++) {
      const before = sent.length;
      const t = await transcribe(row.file);
      row.remote.push(t.asr); row.remoteWall.push(t.wall);
      row.bytes = await sentAfter(before);
    }
  }
} catch (e) {
  console.error(`sidecar stderr (tail):\n${tail}`);
  throw e;
} finally {
  await rpc.sendRequest('shutdown', {}).catch(() => {});
  rpc.dispose();
  sidecar.kill();
  fs.rmSync(root, { recursive: true, force: true });
}

console.log('| file | audio s | bytes sent | bytes/s of speech | in process ms | remote ms | added ms | ratio | wall in process / remote ms |');
console.log('|---|---|---|---|---|---|---|---|---|');
let tl = 0, tr = 0, tb = 0, ts = 0;
const added = [];
for (const r of rows) {
  const l = median(r.local), m = median(r.remote);
  tl += l; tr += m; tb += r.bytes; ts += r.secs; added.push(m - l);
  console.log(`| ${path.basename(r.file)} | ${r.secs.toFixed(2)} | ${r.bytes} | ${(r.bytes / r.secs).toFixed(0)} | ${l.toFixed(0)} | ${m.toFixed(0)} | `
    + `${(m - l).toFixed(0)} | ${(m / l).toFixed(2)} | ${median(r.localWall).toFixed(0)} / ${median(r.remoteWall).toFixed(0)} |`);
}
console.log(`\nmodel ${path.basename(a.model)}, ${a.threads} threads, ${reps} rep(s) per cell (median), ${rows.length} file(s), ${ts.toFixed(1)} s of speech; both warm, one resident sidecar`);
console.log(`upload: ${(tb / ts).toFixed(0)} bytes per second of speech`);
console.log(`added latency per dictation: median ${median(added).toFixed(0)} ms; remote/in-process over the whole set = ${(tr / tl).toFixed(2)}`);
