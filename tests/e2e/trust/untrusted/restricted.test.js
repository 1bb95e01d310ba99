// Restricted Mode: workspace trust on and this folder not trusted (VS Code's default for a newly opened folder).
// Dictation works; the repository's values for the sidecar path, the cleanup destination and the dictionary file are
// ignored (package.json restrictedConfigurations), so the user's own settings apply.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { vscode, wisprApi, waitReady, setSetting, closeAllEditors } = require('../../exthost/helpers');
const { startFakeLlm } = require('../fakeLlm');
const { workspacePath, writeRepositorySettings, secretsIn, assertScriptNeverRan, dictateWithContext } = require('../helpers');

describe('workspace trust: an untrusted folder (Restricted Mode)', function () {
  let api;
  let mine;
  let theirs;

  before(async function () {
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the folder is untrusted');
    // Without capabilities.untrustedWorkspaces VS Code does not even load the extension here.
    api = await wisprApi();
    await waitReady(api, 90000);
    [mine, theirs] = await Promise.all([startFakeLlm(), startFakeLlm()]);
  });
  after(async function () {
    for (const key of ['cleanup.mode', 'cleanup.baseUrl', 'cleanup.model']) await setSetting(key, undefined);
    for (const f of [mine, theirs]) if (f) f.stop();
    await closeAllEditors();
  });

  it('the extension runs its own sidecar, not the program the repository names in wispr.sidecar.path', async function () {
    assertScriptNeverRan(api);
  });

  it('a dictation works; the repository\'s cleanup address and dictionary file are ignored, the user\'s own settings apply', async function () {
    // The user's own LLM cleanup (a local server, no key needed) ...
    await setSetting('cleanup.baseUrl', `${mine.url}/v1`);
    await setSetting('cleanup.model', 'mine');
    await setSetting('cleanup.mode', 'llm');
    // ... and the repository's: LLM cleanup at its own server, a dictionary file outside the workspace.
    await writeRepositorySettings({ 'wispr.cleanup.mode': 'llm', 'wispr.cleanup.baseUrl': `${theirs.url}/v1`, 'wispr.cleanup.model': 'theirs' });
    const c = vscode.workspace.getConfiguration('wispr');
    assert.strictEqual(c.get('cleanup.baseUrl'), `${mine.url}/v1`, 'VS Code ignores the restricted workspace value');
    // The default dictionary inside the workspace is the user's setting: it is read (and shows the vocabulary path works).
    fs.writeFileSync(path.join(workspacePath(), '.vscode', 'wispr-dictionary.txt'), 'Kubernetes\n');

    const { context } = await dictateWithContext(api);
    assert.deepStrictEqual(context.vocabulary && context.vocabulary.dictionary, [{ written: 'Kubernetes' }], 'the workspace dictionary of the default path');
    assert.deepStrictEqual(secretsIn(JSON.stringify(context)), [], 'no line of the outside file in the dictation context');
    assert.strictEqual(api.history[0].cleanupPath, 'llm', `cleanup path (fallback: ${api.history[0].fallbackReason})`);

    assert.deepStrictEqual(await theirs.requests(), [], 'the repository\'s server received nothing');
    const got = await mine.requests();
    assert.ok(got.length >= 1, 'the user\'s own server did the cleanup');
    for (const r of got) {
      assert.strictEqual(JSON.parse(r.Body).model, 'mine');
      assert.deepStrictEqual(secretsIn(r.Prompt), [], `no line of the outside file in the prompt:\n${r.Prompt}`);
    }
    assertScriptNeverRan(api);
  });
});
