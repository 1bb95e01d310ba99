// The sidecar process: restart after a kill, restart on settings that need a new process.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { vscode, wisprApi, waitReady, waitFor, openEditor, setCursors, dictate, setSetting, closeAllEditors } = require('./helpers');

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('sidecar lifecycle', function () {
  let api;
  before(async function () {
    api = await wisprApi();
    await waitReady(api, 90000);
  });
  afterEach(closeAllEditors);

  it('restarts the sidecar after it is killed, and dictation works again', async function () {
    const pid = await waitReady(api);
    assert.ok(alive(pid), `sidecar pid ${pid} is a live process`);
    const states = [];
    const sub = api.onDidChangeSidecarState((s) => states.push(s));
    try {
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !alive(pid), { what: 'the killed sidecar to be gone' });
      await waitFor(() => api.sidecarState === 'ready' && api.sidecarPid && api.sidecarPid !== pid,
        { timeoutMs: 60000, what: `a new sidecar (state ${api.sidecarState})` });
    } finally {
      sub.dispose();
    }
    assert.ok(states.includes('crashed'), `the crash was seen: ${states.join(' → ')}`);
    assert.strictEqual(states[states.length - 1], 'ready');
    assert.ok(alive(api.sidecarPid));
    const editor = await openEditor('after restart: ', 'plaintext');
    setCursors(editor, [[0, 15]]);
    const text = await dictate(api);
    assert.ok(text.length > 'after restart: '.length && text.slice(15).trim(), `dictation after the restart: ${JSON.stringify(text)}`);
  });

  it('"Wispr: Restart Sidecar" replaces the process', async function () {
    const pid = await waitReady(api);
    await vscode.commands.executeCommand('wispr.restartSidecar');
    const next = await waitReady(api);
    assert.notStrictEqual(next, pid);
    await waitFor(() => !alive(pid), { what: 'the old sidecar to exit' });
  });

  it('a changed model path restarts the sidecar with that model', async function () {
    const model = vscode.workspace.getConfiguration('wispr').get('whisper.modelPath');
    const pid = await waitReady(api);
    let copy;
    if (model && fs.existsSync(model)) {
      copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-e2e-model-')), path.basename(model));
      fs.copyFileSync(model, copy);
    }
    try {
      await setSetting('whisper.modelPath', copy ?? '');
      await waitFor(() => api.sidecarState === 'ready' && api.sidecarPid && api.sidecarPid !== pid,
        { timeoutMs: 60000, what: `the sidecar restarted for the new model (state ${api.sidecarState})` });
      if (copy) {
        const editor = await openEditor('', 'plaintext');
        setCursors(editor, [[0, 0]]);
        assert.ok((await dictate(api)).trim(), 'dictation with the copied model');
      }
    } finally {
      const pid2 = api.sidecarPid;
      await setSetting('whisper.modelPath', undefined);
      await waitFor(() => api.sidecarState === 'ready' && api.sidecarPid !== pid2, { timeoutMs: 60000, what: 'restart back to the original model' });
      if (copy) fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
  });

  it('"Wispr: Toggle Inserting as Comment" flips the insertion.mode setting', async function () {
    const get = () => vscode.workspace.getConfiguration('wispr').get('insertion.mode');
    const before = get();
    await vscode.commands.executeCommand('wispr.insertAsComment');
    assert.strictEqual(get(), before === 'comment' ? 'text' : 'comment');
    await vscode.commands.executeCommand('wispr.insertAsComment');
    assert.strictEqual(get(), before);
    await setSetting('insertion.mode', undefined);
  });
});
