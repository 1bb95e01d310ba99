// The remote speech backend in a real VS Code, against whisper.cpp's own whisper-server on a loopback port serving the
// generated test model: the backend item switches to the server and back, each side dictates, and a stopped server
// loses no words (the kept recording goes to the local model from the notification).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openWorkbench } from '../harness/ui.mjs';
import { REPO_ROOT } from '../harness/codeServer.mjs';
import { config, skip, wisprSettings } from '../harness/config.mjs';

const ORIGINAL = 'notes = """\n"""\n';

/** WISPR_WHISPER_SERVER (scripts/test-all.sh sets it), else built (once per source commit, cached) by the repository's script. */
async function whisperServerBinary() {
  const given = process.env.WISPR_WHISPER_SERVER;
  if (given) return { binary: given };
  console.log('  WISPR_WHISPER_SERVER unset: bash scripts/build-whisper-server.sh builds whisper-server (once per source commit) or finds it cached');
  return new Promise((resolve) => {
    execFile('bash', [path.join(REPO_ROOT, 'scripts', 'build-whisper-server.sh')], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const binary = stdout.trim().split('\n').at(-1);
      resolve(err || !binary ? { reason: `whisper-server could not be built: ${String(stderr).trim().split('\n').slice(-3).join(' ')}` } : { binary });
    });
  });
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The HTTP status of GET url, 0 when nothing answers. */
function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 5000 }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('timeout', () => { req.destroy(); resolve(0); });
    req.on('error', () => resolve(0));
  });
}

/**
 * whisper-server on 127.0.0.1 in its own process group, decoding as the sidecar's tests pin it. Ready once it answers HTTP
 * (a state, polled; its stdout is block-buffered into a pipe, so its "listening" line cannot be waited for); a port taken
 * meanwhile makes it exit, and it starts again on another. `requests()` counts the transcriptions it ran: the "processing
 * '<file>' (N samples" lines on its stderr, which is unbuffered.
 */
async function startWhisperServer(binary, model) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(binary, ['-m', model, '--host', '127.0.0.1', '--port', String(port),
      '--inference-path', '/v1/audio/transcriptions', '-bo', '5', '-nfa', '-t', '2'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let processed = 0;
    let logTail = [];
    child.stderr.on('data', (d) => {
      err += d;
      // count whole lines only, then keep the unfinished tail and a little context for failure messages
      const lines = err.split('\n');
      err = lines.pop();
      processed += lines.filter((l) => /processing '[^']*' \(\d+ samples/.test(l)).length;
      logTail = [...logTail, ...lines].slice(-30);
    });
    let gone = false;
    const exited = new Promise((resolve) => child.on('exit', () => { gone = true; resolve(); }));
    const server = {
      port,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      requests: () => processed,
      log: () => [...logTail, err].join('\n'),
      /** Kills the whole group and waits until it is gone; safe to call twice. */
      async stop() {
        if (!gone) {
          try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
          await exited;
        }
      },
    };
    // loading the 8 MB test model takes a second at rest; 3 minutes is a failure bound for a loaded machine
    const deadline = Date.now() + 180_000;
    let ready = false;
    while (!gone && !ready && Date.now() < deadline) {
      ready = (await httpStatus(`http://127.0.0.1:${port}/`)) > 0;
      if (!ready) await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
    }
    if (ready) return server;
    await server.stop();
    if (attempt >= 3) throw new Error(`whisper-server did not start (3 tries):\n${server.log()}`);
  }
}

describe('UI: the remote backend against whisper-server', function () {
  let wb;
  let server;
  let home;
  before(async function () {
    // building whisper-server (only when WISPR_WHISPER_SERVER is unset), code-server, the workbench and a ready sidecar on a
    // loaded 2-core machine: a failure bound, not a wait
    this.timeout(900_000);
    if (!config.modelPath) skip(this, 'no generated test model (WISPR_E2E_MODEL unset: run the suite through tests/e2e/run.sh)');
    const { binary, reason } = await whisperServerBinary();
    if (!binary) skip(this, reason);
    server = await startWhisperServer(binary, config.modelPath);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-e2e-remote-'));
    wb = await openWorkbench({
      extensionDevelopmentPath: config.extensionDevelopmentPath,
      // the test hooks show the press detector's phase, so each palette toggle waits until the previous press is over;
      // a recordings folder of its own, to see the kept recording of the failed dictation
      env: { ...config.env, WISPR_E2E_TEST_HOOKS: '1', WISPR_RECORDINGS_DIR: path.join(home, 'recordings') },
      // the user's own (machine) settings point the remote backend at the server
      settings: wisprSettings({ 'wispr.remote.baseUrl': server.baseUrl }),
      files: { 'notes.py': ORIGINAL },
    });
    await wb.openFile('notes.py');
    await wb.wisprBackend(/Whisper/).waitFor({ timeout: 90_000 });
    await wb.wisprReady().waitFor({ timeout: 90_000 });
  });
  after(async function () {
    // every outcome: the browser, code-server's group and whisper-server's group
    if (wb) await wb.close();
    if (server) await server.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      await wb.screenshot(this.currentTest.title);
      if (server) console.log(`  whisper-server output (tail):\n${server.log()}`);
    }
  });

  const host = () => `127.0.0.1:${server.port}`;
  const wavs = () => (fs.existsSync(path.join(home, 'recordings')) ? fs.readdirSync(path.join(home, 'recordings')) : []).filter((f) => f.endsWith('.wav'));

  /** Polls a condition of the world outside the page until it holds (a state), bounded; false if it never did. */
  async function until(pred, timeoutMs) {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > timeoutMs) return false;
      await wb.page.waitForTimeout(100);
    }
    return true;
  }
  const rows = () => wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');

  /** Opens the backend pick from the status bar and returns its rows' texts. */
  async function openPick() {
    await wb.wisprBackend().click();
    await rows().first().waitFor({ timeout: 30_000 });
    return rows().allTextContents();
  }

  async function pick(label) {
    await rows().filter({ hasText: label }).first().click();
    await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  async function pickRemote() {
    const labels = await openPick();
    const remote = labels.find((l) => l.includes('Remote server'));
    assert.ok(remote, `the remote backend is offered: ${JSON.stringify(labels)}`);
    assert.ok(remote.includes(host()), `it names the server: ${JSON.stringify(remote)}`);
    return pick('Remote server');
  }

  async function dictate() {
    const { before, after } = await wb.dictateFromPalette(config.listenMs);
    assert.ok(after.startsWith(before.trimEnd()), `the file keeps its text: ${JSON.stringify(after)}`);
    const inserted = after.slice(before.trimEnd().length);
    assert.ok(inserted.trim(), `text inserted: ${JSON.stringify(after)}`);
    return inserted;
  }

  /** "Wispr: Show Diagnostics" (a modal dialog): its text, once closed. */
  async function diagnostics() {
    await wb.runCommand('Wispr: Show Diagnostics');
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'Wispr diagnostics' });
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    await wb.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    return text;
  }

  it('the backend item switches to the remote server (the local model unloaded), which dictates; back to Whisper dictates locally', async function () {
    this.timeout(300_000); // a failure bound on a loaded machine
    const labels = await openPick();
    assert.ok(labels.some((l) => l.includes('Remote server') && l.includes(host())), `the pick lists the server: ${JSON.stringify(labels)}`);
    const dir = process.env.WISPR_E2E_ARTIFACTS;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      await wb.page.screenshot({ path: path.join(dir, 'remote-backend-pick.png') });
      console.log(`  screenshot: ${path.join(dir, 'remote-backend-pick.png')}`);
    }
    await pick('Remote server');
    await wb.wisprBackend(`remote: ${host()}`).waitFor({ timeout: 60_000 });
    await wb.wisprReady().waitFor({ timeout: 60_000 });
    // one backend resident: the server's client, no local model
    const shown = await diagnostics();
    assert.match(shown, new RegExp(`Resident backend: remote: ${host().replace(/\./g, '\\.')}`), shown);
    assert.match(shown, /Model size on disk: none \(the remote backend holds one HTTP client/, shown);

    const sent = server.requests();
    await dictate();
    // one request per finished segment: a long or paused dictation (a loaded machine stretches it) may send more than one
    assert.ok(await until(() => server.requests() > sent, 30_000), `whisper-server received the dictation:\n${server.log()}`);
    const sentRemote = server.requests();
    await wb.wisprReady().waitFor();

    await openPick();
    await pick('Whisper');
    await wb.wisprBackend(/Whisper/).waitFor({ timeout: 60_000 });
    await wb.wisprReady().waitFor({ timeout: 60_000 });
    assert.match(await diagnostics(), /Resident backend: Whisper/);
    await dictate();
    assert.equal(server.requests(), sentRemote, 'the local model transcribed it: nothing more went to the server');
    await wb.wisprReady().waitFor();
  });

  it('a stopped server: the notification offers the local model, and the kept recording is transcribed by it', async function () {
    this.timeout(300_000); // a failure bound on a loaded machine
    await pickRemote();
    await wb.wisprBackend(`remote: ${host()}`).waitFor({ timeout: 60_000 });
    await wb.wisprReady().waitFor({ timeout: 60_000 });
    await server.stop();
    const earlier = wavs();

    await wb.gotoEnd();
    const before = await wb.editorText();
    await wb.runCommand('Wispr: Toggle Dictation');
    await wb.wisprStatus(/listening/i).waitFor({ timeout: 20_000 });
    await wb.page.waitForTimeout(config.listenMs); // speak (the WAV source plays meanwhile)
    await wb.runCommand('Wispr: Toggle Dictation');

    const toast = wb.page.locator('.notification-toast', { hasText: 'transcription server' }).first();
    await toast.waitFor({ timeout: 60_000 });
    const message = (await toast.locator('.notification-list-item-message').textContent()).trim();
    assert.match(message, new RegExp(`transcription server at ${host().replace(/\./g, '\\.')} could not be reached`), message);
    const buttons = (await toast.locator('.notification-list-item-buttons-container .monaco-button').allTextContents()).map((b) => b.trim());
    assert.deepEqual(buttons, ['Retry', 'Transcribe with local model'], `buttons: ${JSON.stringify(buttons)}`);
    // the words are on disk, not lost, and nothing was inserted yet
    const kept = wavs().filter((f) => !earlier.includes(f));
    assert.equal(kept.length, 1, `this dictation's recording is kept: ${JSON.stringify(wavs())}`);
    assert.equal(await wb.editorText(), before);

    await toast.locator('.monaco-button', { hasText: 'Transcribe with local model' }).click();
    const after = await wb.waitForEditorText((t) => t !== before, 120_000);
    assert.ok(after.startsWith(before.trimEnd()) && after.slice(before.trimEnd().length).trim(), `the kept words inserted: ${JSON.stringify(after)}`);
    await wb.wisprBackend(/Whisper/).waitFor({ timeout: 60_000 });
    await wb.wisprReady().waitFor({ timeout: 60_000 });
    // once its text is out the recording goes (bounded: the delete follows the insertion)
    assert.ok(await until(() => !wavs().includes(kept[0]), 30_000), `the recording is deleted once transcribed: ${JSON.stringify(wavs())}`);
  });
});
