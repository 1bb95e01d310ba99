// Model download throughput: the sidecar's downloader (models/download over JSON-RPC, as the extension asks for it) against
// `curl -o` of the same file from the same loopback server, alternating, in one run. Driven by bench/download.sh.
//   node bench/download.mjs --dll Wispr.Sidecar.dll --file FILE [--reps N]
import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import { startModelServer } from '../tests/e2e/harness/modelServer.mjs';

const { values: args } = parseArgs({ options: { dll: { type: 'string' }, file: { type: 'string' }, reps: { type: 'string', default: '3' } } });
if (!args.dll || !args.file) throw new Error('usage: node bench/download.mjs --dll Wispr.Sidecar.dll --file FILE [--reps N]');
const reps = Number(args.reps);
const size = fs.statSync(args.file).size;
const mb = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const sha1 = crypto.createHash('sha1');
for await (const chunk of fs.createReadStream(args.file, { highWaterMark: 1 << 20 })) sha1.update(chunk);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-bench-download-'));
const urlPath = 'bench/model/resolve/main/ggml-bench.bin';
const catalog = path.join(root, 'catalog.json');
fs.writeFileSync(catalog, JSON.stringify({
  version: 1,
  models: [{ id: 'bench', backend: 'whisper', label: 'bench', variant: 'bench', languages: ['en'], note: 'bench', ramMb: 1,
    files: [{ name: 'ggml-bench.bin', path: urlPath, sizeBytes: size, sha1: sha1.digest('hex') }] }],
}));
const server = await startModelServer();
server.serve(urlPath, args.file);
const url = new URL(urlPath, server.url).toString();

// One sidecar for every rep: its start-up is not part of a download.
const sidecar = spawn('dotnet', [args.dll, 'serve', '--logLevel', 'Warning'], {
  stdio: ['pipe', 'pipe', 'inherit'],
  env: { ...process.env, WISPR_MODEL_CATALOG: catalog, WISPR_MODEL_BASE_URL: server.url, WISPR_CACHE_DIR: path.join(root, 'cache'),
    WISPR_RECORDINGS_DIR: path.join(root, 'recordings'), NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' },
});
const rpc = createMessageConnection(new StreamMessageReader(sidecar.stdout), new StreamMessageWriter(sidecar.stdin));
rpc.listen();

const results = { curl: [], sidecar: [] };
try {
  // Rep 0 is untimed: it warms the sidecar's download path (JIT) and the page cache of the served file for both.
  for (let rep = 0; rep <= reps; rep++) {
    const out = path.join(root, 'curl.bin');
    let t0 = performance.now();
    // Asynchronously: the server runs in this process's event loop.
    await promisify(execFile)('curl', ['-sSf', '--noproxy', '*', '-o', out, url]);
    const curlMs = performance.now() - t0;
    if (fs.statSync(out).size !== size) throw new Error('curl fetched a different size');
    fs.rmSync(out);

    t0 = performance.now();
    const result = await rpc.sendRequest('models/download', { id: 'bench' });
    const sidecarMs = performance.now() - t0;
    if (!result.downloaded) throw new Error(`the sidecar did not download: ${JSON.stringify(result)}`);
    await rpc.sendRequest('models/delete', { id: 'bench' });

    if (rep === 0) continue;
    results.curl.push(mb(size, curlMs));
    results.sidecar.push(mb(size, sidecarMs));
    console.log(`rep ${rep}: curl ${results.curl.at(-1).toFixed(1)} MB/s, sidecar ${results.sidecar.at(-1).toFixed(1)} MB/s`);
  }
  const curl = median(results.curl);
  const side = median(results.sidecar);
  console.log(`${(size / 1e6).toFixed(1)} MB, ${reps} reps, medians: curl ${curl.toFixed(1)} MB/s, sidecar ${side.toFixed(1)} MB/s, `
    + `sidecar/curl ${(side / curl).toFixed(2)} (the sidecar also checks the SHA-1 and renames the file)`);
} finally {
  await rpc.sendRequest('shutdown', {}).catch(() => {});
  rpc.dispose();
  sidecar.kill();
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
}
