// The sidecar process: restart after a kill, restart on settings that need a new process.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { vscode, toggle, wisprApi, waitReady, waitFor, openEditor, setCursors, dictate, setSetting, closeAllEditors } = require('./helpers');

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
      await setSetting('whisper.modelPath', model || undefined);
      await waitFor(() => api.sidecarState === 'ready' && api.sidecarPid !== pid2, { timeoutMs: 60000, what: 'restart back to the original model' });
      if (copy) fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
  });

  it('a failed dictation (missing model) does not block the next one', async function () {
    const model = vscode.workspace.getConfiguration('wispr').get('whisper.modelPath');
    let pid = await waitReady(api);
    await setSetting('whisper.modelPath', path.join(os.tmpdir(), 'wispr-e2e-no-such-model.bin'));
    try {
      await waitFor(() => api.sidecarState === 'ready' && api.sidecarPid !== pid, { timeoutMs: 60000, what: 'restart for the missing model' });
      const editor = await openEditor('x', 'plaintext');
      setCursors(editor, [[0, 1]]);
      const stages = [];
      const watch = api.onDidChangeDictationStage((s) => stages.push(s));
      const before = api.lastProblem;
      try {
        await toggle();
        // No model, no recording: the start itself fails with ModelNotFound (2001); nothing listens, nothing is inserted.
        await waitFor(() => api.lastProblem !== before && api.lastProblem?.code === 2001, { timeoutMs: 30000, what: 'the ModelNotFound message' });
      } finally {
        watch.dispose();
      }
      assert.deepStrictEqual(stages, [], 'the dictation never listened');
      assert.strictEqual(api.dictationStage, 'idle');
      assert.strictEqual(editor.document.getText(), 'x');
    } finally {
      pid = api.sidecarPid;
      await setSetting('whisper.modelPath', model || undefined);
      await waitFor(() => api.sidecarState === 'ready' && api.sidecarPid !== pid, { timeoutMs: 60000, what: 'restart with the good model' });
    }
    const editor = await openEditor('y', 'plaintext');
    setCursors(editor, [[0, 1]]);
    const text = await dictate(api);
    assert.ok(text.length > 1, `the next dictation works: ${JSON.stringify(text)}`);
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
