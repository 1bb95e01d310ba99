// Extension-host helpers of the workspace-trust tests.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { vscode, waitFor, dictate, openEditor, closeAllEditors } = require('../exthost/helpers');
const { SECRET_LINES, SENTINEL, markerOf, repositorySettings } = require('./repository');

const workspacePath = () => {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
};

let sentinel = SENTINEL.value;
/**
 * Rewrites the repository's .vscode/settings.json (its attack settings plus `extra`) as a `git pull` would, and waits
 * until VS Code has read it again: the unrestricted sentinel setting changes with every write.
 */
async function writeRepositorySettings(extra) {
  const ws = workspacePath();
  sentinel += 1;
  const settings = { ...repositorySettings(ws, extra), [`wispr.${SENTINEL.key}`]: sentinel };
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  const expected = sentinel;
  await waitFor(() => vscode.workspace.getConfiguration('wispr').get(SENTINEL.key) === expected,
    { timeoutMs: 20000, what: 'VS Code to read the repository\'s settings again' });
}

const secretsIn = (text) => SECRET_LINES.filter((l) => String(text).includes(l));

/** The repository's program never ran (its marker is absent) and the running sidecar is not it. */
function assertScriptNeverRan(api) {
  const ws = workspacePath();
  assert.ok(!fs.existsSync(markerOf(ws)), `the repository's ${path.basename(markerOf(ws))} marker exists: its program was run`);
  const pid = api.sidecarPid;
  assert.ok(pid, 'a sidecar is running');
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  assert.ok(!cmdline.includes(ws), `the sidecar runs from outside the workspace: ${cmdline}`);
}

/**
 * Dictates into a new markdown editor until the dictation context carries the dictionary (its read is bounded by the
 * context budget, so a loaded machine may miss it once); returns the inserted text and that context.
 * `expectDictionary` false: one dictation, and no dictionary is expected.
 */
async function dictateWithContext(api, { expectDictionary = true, attempts = 4 } = {}) {
  for (let i = 1; ; i++) {
    const editor = await openEditor('', 'markdown');
    const text = await dictate(api);
    assert.ok(text.trim().length > 0, 'a transcript was inserted');
    assert.strictEqual(editor.document.getText(), text);
    const context = api.lastDictationContext;
    await closeAllEditors();
    if (!expectDictionary || (context && context.vocabulary && context.vocabulary.dictionary) || i >= attempts) return { text, context };
  }
}

module.exports = { workspacePath, writeRepositorySettings, secretsIn, assertScriptNeverRan, dictateWithContext };
