// Code-aware cleanup, extension side, in the real extension host: the history brings a dictation back (editor closed
// before or after), Dictate Commit Message fills the Source Control box of a real Git repository, and the vocabulary
// (a real symbol provider, the workspace dictionary) goes out with the dictation. Transcripts from the generated model
// are nonsense, so every check compares with what the sidecar returned (the history), never with fixed words. That the
// sidecar uses the vocabulary (it reaches the LLM's prompt) and the LLM cleanup itself are in llm.test.js.
'use strict';
const assert = require('assert');
const cp = require('child_process');
const { vscode, wisprApi, waitReady, openEditor, setCursors, dictate, toggle, waitFor, sleep, skip, LISTEN_MS, setSetting, closeAllEditors, openVocabularyNotes } = require('./helpers');

describe('cleanup: history, commit message, vocabulary', function () {
  let api;
  before(async function () {
    api = await wisprApi();
    await waitReady(api, 90000);
    await setSetting('insertion.mode', 'text');
  });
  afterEach(async function () {
    await closeAllEditors();
  });
  after(async function () {
    await setSetting('insertion.mode', undefined);
  });

  it('history: a dictation whose editor closed while listening is inserted by Insert Last Dictation in a new editor', async function () {
    const before = api.history.length;
    await openEditor('', 'plaintext');
    await toggle();
    await waitFor(() => api.dictationStage === 'listening', { timeoutMs: 20000, what: 'listening' });
    await sleep(LISTEN_MS);
    await closeAllEditors();
    await toggle();
    await waitFor(() => api.dictationStage === 'idle' && api.history.length > before, { timeoutMs: 60000, what: 'the transcript in the history' });
    const text = api.history[0].text;
    assert.ok(text.trim().length > 0, 'a non-empty transcript');
    assert.strictEqual(api.history[0].languageId, 'plaintext');

    const editor = await openEditor('', 'plaintext');
    await vscode.commands.executeCommand('wispr.insertLastDictation');
    await waitFor(() => editor.document.getText() === text, { timeoutMs: 10000, what: `the last dictation in the new editor: ${JSON.stringify(editor.document.getText())}` });
  });

  it('history: after a dictation into an editor that is then closed, Insert Last Dictation inserts the same text at every cursor', async function () {
    const first = await openEditor('', 'plaintext');
    const inserted = await dictate(api);
    assert.strictEqual(inserted, api.history[0].text, 'the history holds what was inserted');
    assert.strictEqual(first.document.getText(), inserted);
    await closeAllEditors();
    const editor = await openEditor('a\nb\n', 'plaintext');
    setCursors(editor, [[0, 1], [1, 1]]);
    await vscode.commands.executeCommand('wispr.insertLastDictation');
    await waitFor(() => editor.document.getText() === `a${inserted}\nb${inserted}\n`, { timeoutMs: 10000, what: 'the text at both cursors' });
    await vscode.commands.executeCommand('undo');
    assert.strictEqual(editor.document.getText(), 'a\nb\n', 'one undo step');
  });

  it('Dictate Commit Message puts the transcript into the Source Control input box of the workspace repository', async function () {
    const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
    if (!folder) skip(this, 'VS Code opened no workspace folder');
    cp.execFileSync('git', ['init', '-q', folder.uri.fsPath]);
    // The harness starts with git.enabled = false; the Git extension builds its model when it is switched on.
    await vscode.workspace.getConfiguration('git').update('enabled', true, vscode.ConfigurationTarget.Global);
    const ext = vscode.extensions.getExtension('vscode.git');
    assert.ok(ext, 'the built-in Git extension');
    const exports = ext.isActive ? ext.exports : await ext.activate();
    const git = await waitFor(() => { try { return exports.getAPI(1); } catch { return undefined; } }, { timeoutMs: 30000, what: 'the Git API' });
    const repository = (await git.openRepository(folder.uri)) || await waitFor(() => git.repositories[0], { timeoutMs: 30000, what: 'the repository' });
    repository.inputBox.value = '';
    const before = api.history.length;
    await vscode.commands.executeCommand('wispr.dictateCommitMessage');
    await waitFor(() => api.dictationStage === 'listening', { timeoutMs: 20000, what: 'listening' });
    assert.strictEqual(api.lastDictationContext.mode, 'commit');
    await sleep(LISTEN_MS);
    await vscode.commands.executeCommand('wispr.dictateCommitMessage');
    await waitFor(() => api.dictationStage === 'idle' && api.history.length > before, { timeoutMs: 60000, what: 'the transcript' });
    assert.strictEqual(api.history[0].mode, 'commit');
    await waitFor(() => repository.inputBox.value === api.history[0].text,
      { timeoutMs: 10000, what: `the commit box to hold the transcript (it holds ${JSON.stringify(repository.inputBox.value)})` });
    repository.inputBox.value = '';
    await vscode.workspace.getConfiguration('git').update('enabled', undefined, vscode.ConfigurationTarget.Global);
  });

  it('the dictionary file and the symbols of a real provider go out with dictation/stop', async function () {
    const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
    if (!folder) skip(this, 'VS Code opened no workspace folder');
    const { cleanUp } = await openVocabularyNotes(folder, 'notes.md');
    try {
      // They are collected while the user speaks and go with the stop: the stop waits for that state, not for a time.
      await dictate(api, { contextReady: (c) => c && c.vocabulary && c.vocabulary.dictionary && (c.vocabulary.identifiers || []).includes('Farawayheading') });
      const context = api.lastDictationContext;
      assert.strictEqual(context.mode, 'prose');
      assert.strictEqual(context.languageId, 'markdown');
      assert.deepStrictEqual(context.vocabulary.dictionary, [{ spoken: 'package dot json', written: 'package.json' }, { written: 'Kubernetes' }]);
      assert.ok(context.vocabulary.identifiers.includes('fetchUserProfile'), JSON.stringify(context.vocabulary.identifiers));
      assert.ok(context.vocabulary.identifiers.includes('Farawayheading'), `a symbol from the provider: ${JSON.stringify(context.vocabulary.identifiers)}`);
    } finally {
      await cleanUp(); // later suites dictate without a dictionary
    }
  });
});
