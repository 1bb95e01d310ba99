// A model mirror on loopback in Hugging Face's layout (BASE/owner/repo/resolve/main/FILE): what WISPR_MODEL_BASE_URL points
// at in the first-run case and in bench/download.sh. Files are streamed from disk; one of them can be held part-way, so a test
// sees the download's progress as a state (the server waits for the test, not the test for a time).
import fs from 'node:fs';
import http from 'node:http';

/**
 * Starts the server on a free loopback port.
 * @returns {Promise<{url: string, requests: {method: string, path: string, range: string|null}[],
 *   serve: (urlPath: string, file: string, o?: {holdAt?: number}) => {release: () => void},
 *   close: () => Promise<void>}>}
 */
export async function startModelServer() {
  const routes = new Map();
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy()); // the client went away: nothing to answer
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  async function handle(req, res) {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push({ method: req.method, path: urlPath, range: req.headers.range ?? null });
    const route = routes.get(urlPath);
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    // No Range support: the downloader restarts such a server cleanly, and a fresh download never asks for one.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': route.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const holdAt = Math.min(route.holdAt ?? route.size, route.size);
    let at = await copy(route.file, 0, holdAt, res);
    if (at < route.size) {
      // Held until the test releases it. A real slow server still sends now and then, and so does this one (1 KiB every
      // 2 s), so the downloader's 20 s idle timeout never fires however long the test takes to look: keeping the connection
      // alive, not timing the test.
      while (!route.released && at < route.size - 1024) {
        at = await copy(route.file, at, at + 1024, res);
        await Promise.race([route.releasedPromise, new Promise((r) => setTimeout(r, 2000).unref())]);
      }
      at = await copy(route.file, at, route.size, res);
    }
    res.end();
  }

  /** Writes bytes [start, end) of the file, waiting for the socket to drain (so a held file is held at the client too). */
  async function copy(file, start, end, res) {
    if (end <= start) return start;
    for await (const chunk of fs.createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 })) {
      if (!res.write(chunk)) await drained(res);
    }
    return end;
  }

  /** Resolves on 'drain', rejects when the client closes first (either way both listeners go). */
  function drained(res) {
    return new Promise((resolve, reject) => {
      const done = (error) => { res.off('drain', onDrain); res.off('close', onClose); if (error) reject(error); else resolve(); };
      const onDrain = () => done();
      const onClose = () => done(new Error('the client closed the connection'));
      res.on('drain', onDrain);
      res.on('close', onClose);
    });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    serve(urlPath, file, o = {}) {
      const route = { file, size: fs.statSync(file).size, holdAt: o.holdAt, released: false };
      route.releasedPromise = new Promise((resolve) => { route.release = () => { route.released = true; resolve(); }; });
      routes.set(urlPath.startsWith('/') ? urlPath : `/${urlPath}`, route);
      return { release: () => route.release() };
    },
    async close() {
      for (const route of routes.values()) route.release();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
