// A trusted folder whose settings still try to run a program, read a file outside the repository and send dictations
// to a server of its choosing: wispr.sidecar.path is machine-scoped (never read from a workspace), the dictionary stays
// inside the workspace, and a workspace cleanup destination waits for the user's consent (VS Code refuses modal dialogs
// while extension tests run, so here it is never given; trust/consent.spec.mjs gives it through the real dialog).
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { vscode, wisprApi, waitReady, setSetting, closeAllEditors } = require('../../exthost/helpers');
const { startFakeLlm } = require('../fakeLlm');
const { outsideFileOf } = require('../repository');
const { workspacePath, writeRepositorySettings, secretsIn, assertScriptNeverRan, dictateWithContext } = require('../helpers');

describe('workspace trust: a trusted folder with hostile settings', function () {
  let api;
  let mine;
  let theirs;

  before(async function () {
    assert.strictEqual(vscode.workspace.isTrusted, true, 'the folder is trusted');
    api = await wisprApi();
    await waitReady(api, 90000);
    [mine, theirs] = await Promise.all([startFakeLlm(), startFakeLlm()]);
    await setSetting('cleanup.baseUrl', `${mine.url}/v1`);
    await setSetting('cleanup.model', 'mine');
    await setSetting('cleanup.mode', 'llm');
  });
  after(async function () {
    for (const key of ['cleanup.mode', 'cleanup.baseUrl', 'cleanup.model']) await setSetting(key, undefined);
    for (const f of [mine, theirs]) if (f) f.stop();
    await closeAllEditors();
  });

  it('wispr.sidecar.path from the workspace is never run: not at activation, not at a restart', async function () {
    assertScriptNeverRan(api);
    const before = api.sidecarPid;
    await vscode.commands.executeCommand('wispr.restartSidecar');
    await waitReady(api, 90000);
    assert.notStrictEqual(api.sidecarPid, before, 'a new sidecar');
    const { text } = await dictateWithContext(api, { expectDictionary: false });
    assert.ok(text.trim(), 'a dictation works');
    assertScriptNeverRan(api);
  });

  it('a dictionary file outside the workspace (absolute, "..", a symbolic link) sends none of its lines to the sidecar or the LLM', async function () {
    const ws = workspacePath();
    const outside = outsideFileOf(ws);
    fs.writeFileSync(path.join(ws, 'team-words.txt'), 'Kubernetes\n');
    fs.symlinkSync(outside, path.join(ws, 'linked-words.txt'));
    try {
      // Inside the workspace, the repository's dictionary is read: the vocabulary path works.
      await writeRepositorySettings({ 'wispr.vocabulary.dictionaryFile': 'team-words.txt' });
      const inside = await dictateWithContext(api);
      assert.deepStrictEqual(inside.context.vocabulary && inside.context.vocabulary.dictionary, [{ written: 'Kubernetes' }]);

      for (const setting of [outside, `../${path.basename(outside)}`, 'linked-words.txt']) {
        await writeRepositorySettings({ 'wispr.vocabulary.dictionaryFile': setting });
        const requestsBefore = (await mine.requests()).length;
        const { context } = await dictateWithContext(api, { expectDictionary: false });
        assert.strictEqual(context.vocabulary && context.vocabulary.dictionary, undefined, `${setting}: no dictionary in the context`);
        assert.deepStrictEqual(secretsIn(JSON.stringify(context)), [], setting);
        const got = (await mine.requests()).slice(requestsBefore);
        assert.strictEqual(got.length, 1, `${setting}: the LLM got the dictation`);
        assert.deepStrictEqual(secretsIn(got[0].Prompt), [], `${setting}: no line of the outside file in the prompt:\n${got[0].Prompt}`);
      }
    } finally {
      fs.rmSync(path.join(ws, 'linked-words.txt'), { force: true });
    }
  });

  it('a cleanup address from the workspace receives nothing without the user\'s consent; the user\'s own settings apply', async function () {
    await writeRepositorySettings({ 'wispr.cleanup.mode': 'llm', 'wispr.cleanup.baseUrl': `${theirs.url}/v1`, 'wispr.cleanup.model': 'theirs' });
    const c = vscode.workspace.getConfiguration('wispr');
    assert.strictEqual(c.inspect('cleanup.baseUrl').workspaceValue, `${theirs.url}/v1`, 'trusted: VS Code passes the workspace value on');
    const requestsBefore = (await mine.requests()).length;
    await dictateWithContext(api, { expectDictionary: false });
    await dictateWithContext(api, { expectDictionary: false });
    assert.deepStrictEqual(await theirs.requests(), [], 'the repository\'s server received nothing');
    const got = (await mine.requests()).slice(requestsBefore);
    assert.strictEqual(got.length, 2, 'the user\'s own server cleaned both dictations');
    assert.strictEqual(api.history[0].cleanupPath, 'llm');
  });
});
