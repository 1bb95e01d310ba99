// Shared helpers for the extension-host tests (they run inside VS Code's extension host, with the `vscode` API).
'use strict';
const vscode = require('vscode');

const EXTENSION_ID = process.env.WISPR_E2E_EXTENSION_ID || 'wispr.wispr-vscode';
/** How long a dictation listens before it is stopped (the WAV source plays in real time). */
const LISTEN_MS = Number(process.env.WISPR_E2E_LISTEN_MS || 1500);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, { timeoutMs = 30000, what = 'condition', intervalMs = 50 } = {}) {
  const t0 = Date.now();
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * Skips the running test (or, from a hook, its suite) and records why: the harness prints the reason with the test's name,
 * and scripts/test-all.sh lists it in its summary. Use it instead of a bare this.skip().
 */
function skip(ctx, reason) {
  const runnable = ctx.currentTest || ctx.test;
  if (runnable) {
    runnable.skipReason = reason;
    if (runnable.type === 'hook' && runnable.parent) runnable.parent.skipReason = reason;
  }
  ctx.skip();
}

/** The extension's exported API (activate() result). */
async function wisprApi() {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  if (!api || typeof api.sidecarState !== 'string') throw new Error('the extension exports no API from activate()');
  return api;
}

/** Waits until the sidecar is ready (starting it when it is stopped); returns its pid. */
async function waitReady(api, timeoutMs = 60000) {
  if (api.sidecarState === 'stopped') await vscode.commands.executeCommand('wispr.restartSidecar');
  await waitFor(() => api.sidecarState === 'ready' && api.sidecarPid, { timeoutMs, what: 'the sidecar to be ready' });
  return api.sidecarPid;
}

async function openEditor(content, language) {
  const doc = await vscode.workspace.openTextDocument({ content, language });
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  return editor;
}

function setCursors(editor, positions) {
  editor.selections = positions.map(([l, c]) => new vscode.Selection(l, c, l, c));
}

/**
 * Toggle Dictation is also the push-to-talk command: a call within wispr.pushToTalk.repeatDelayMs + graceMs (600 + 650 ms
 * by default) of a lone key-down reads as the key's late first auto-repeat (a hold), not as a new tap. Taps are spaced
 * accordingly.
 */
const TAP_GAP_MS = Number(process.env.WISPR_E2E_TAP_GAP_MS || 1500);
let lastToggle = 0;
async function toggle() {
  const wait = lastToggle + TAP_GAP_MS - Date.now();
  if (wait > 0) await sleep(wait);
  lastToggle = Date.now();
  await vscode.commands.executeCommand('wispr.toggleDictation');
}

/**
 * Dictates into the active editor as a user would: Toggle Dictation (start), listen LISTEN_MS of the WAV source,
 * Toggle Dictation (stop), then waits until the transcript is in the document and the dictation is idle again.
 * `contextReady(context)`: the stop waits until the context collected while listening (api.lastDictationContext, the one
 * the stop sends) satisfies it, so a test of the vocabulary never depends on how fast a busy machine collects it.
 */
async function dictate(api, { timeoutMs = 60000, contextReady } = {}) {
  const editor = vscode.window.activeTextEditor;
  if (!editor) throw new Error('no active editor');
  const before = editor.document.version;
  await toggle();
  await waitFor(() => api.dictationStage === 'listening', { timeoutMs: 20000, what: 'dictation listening' });
  await sleep(LISTEN_MS);
  if (contextReady) {
    await waitFor(() => api.dictationStage === 'listening' && contextReady(api.lastDictationContext),
      { timeoutMs: 30000, what: `the vocabulary collected while listening (${JSON.stringify(api.lastDictationContext)}, stage ${api.dictationStage})` });
  }
  await toggle();
  await waitFor(() => api.dictationStage === 'idle' && editor.document.version !== before,
    { timeoutMs, what: `the transcript in the editor (stage ${api.dictationStage})` });
  return editor.document.getText();
}

async function setSetting(key, value) {
  await vscode.workspace.getConfiguration('wispr').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Closes every editor without a save prompt (the test documents are untitled and dirty). */
async function closeAllEditors() {
  for (let i = 0; i < 50 && vscode.window.visibleTextEditors.length > 0; i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Writes the workspace dictionary (package dot json => package.json, Kubernetes) and a markdown file whose first heading is
 * more than 50 lines above the cursor (so only the symbol provider can contribute it), opens it with the cursor at its end
 * and warms the markdown symbol provider (a cold one may miss the dictation's 150 ms budget, by design).
 * Returns { doc, editor, cleanUp }; cleanUp reverts the editor and removes both files.
 */
async function openVocabularyNotes(folder, fileName) {
  const fs = require('fs');
  const path = require('path');
  const dictionary = path.join(folder.uri.fsPath, '.vscode', 'wispr-dictionary.txt');
  const file = path.join(folder.uri.fsPath, fileName);
  fs.mkdirSync(path.dirname(dictionary), { recursive: true });
  fs.writeFileSync(dictionary, '# team words\npackage dot json => package.json\nKubernetes\n');
  fs.writeFileSync(file, `# Farawayheading notes\n${'\n'.repeat(60)}## fetchUserProfile\n\nsome text\n`);
  const cleanUp = async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    fs.rmSync(dictionary, { force: true });
    fs.rmSync(file, { force: true });
  };
  const doc = await vscode.workspace.openTextDocument(file);
  const editor = await vscode.window.showTextDocument(doc);
  await waitFor(async () => {
    const symbols = await vscode.commands.executeCommand('vscode.executeDocumentSymbolProvider', doc.uri);
    return symbols && symbols.length > 0;
  }, { timeoutMs: 30000, what: 'markdown symbols' });
  setCursors(editor, [[doc.lineCount - 2, 9]]);
  return { doc, editor, cleanUp };
}

module.exports = { vscode, EXTENSION_ID, LISTEN_MS, skip, sleep, waitFor, toggle, wisprApi, waitReady, openEditor, setCursors, dictate, setSetting, closeAllEditors, openVocabularyNotes };
