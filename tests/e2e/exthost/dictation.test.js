// Dictation into real editors: several cursors, comment mode per language, undo as one step.
'use strict';
const assert = require('assert');
const { vscode, wisprApi, waitReady, openEditor, setCursors, dictate, setSetting, closeAllEditors } = require('./helpers');

describe('dictation in the editor', function () {
  let api;
  before(async function () {
    api = await wisprApi();
    await waitReady(api, 90000);
  });
  afterEach(async function () {
    await setSetting('insertion.mode', undefined);
    await closeAllEditors();
  });

  it('inserts the same non-empty transcript at every cursor', async function () {
    const editor = await openEditor('alpha\nbeta\ngamma\n', 'plaintext');
    setCursors(editor, [[0, 5], [1, 4], [2, 5]]);
    const text = await dictate(api);
    const lines = text.split('\n');
    const added = ['alpha', 'beta', 'gamma'].map((w, i) => {
      assert.ok(lines[i].startsWith(w), `line ${i} keeps its text: ${JSON.stringify(lines[i])}`);
      return lines[i].slice(w.length);
    });
    assert.ok(added[0].trim().length > 0, `a transcript was inserted: ${JSON.stringify(text)}`);
    assert.deepStrictEqual(added, [added[0], added[0], added[0]], 'every cursor got the same text');
    assert.strictEqual(lines.length, 4, 'no lines added or lost');
  });

  it('inserts as a Python comment in comment mode', async function () {
    await setSetting('insertion.mode', 'comment');
    const editor = await openEditor('def f():\n    \n', 'python');
    setCursors(editor, [[1, 4]]);
    const text = await dictate(api);
    const line = text.split('\n')[1];
    assert.match(line, /^ {4}# \S/, `an indented # comment on line 2: ${JSON.stringify(text)}`);
    assert.strictEqual(text.split('\n')[0], 'def f():');
  });

  it('inserts as a C# comment in comment mode', async function () {
    await setSetting('insertion.mode', 'comment');
    const editor = await openEditor('class C\n{\n    \n}\n', 'csharp');
    setCursors(editor, [[2, 4]]);
    const text = await dictate(api);
    const lines = text.split('\n');
    const idx = lines.findIndex((l) => /^\s*\/\/ \S/.test(l));
    assert.ok(idx >= 2 && idx < lines.length - 2, `a // comment inside the class: ${JSON.stringify(text)}`);
    assert.strictEqual(lines[idx].indexOf('//'), 4, 'the comment keeps the indentation');
    assert.deepStrictEqual([lines[0], lines[1]], ['class C', '{']);
    assert.strictEqual(lines[lines.length - 2], '}');
  });

  it('plain text mode inserts no comment marker', async function () {
    await setSetting('insertion.mode', 'text');
    const editor = await openEditor('x = 1\n', 'python');
    setCursors(editor, [[1, 0]]);
    const text = await dictate(api);
    const inserted = text.slice('x = 1\n'.length);
    assert.ok(inserted.trim().length > 0, 'text inserted');
    assert.ok(!inserted.trimStart().startsWith('#'), `no comment marker: ${JSON.stringify(inserted)}`);
  });

  it('undoes a multi-cursor dictation in one step', async function () {
    const original = 'one\ntwo\nthree\n';
    const editor = await openEditor(original, 'plaintext');
    setCursors(editor, [[0, 3], [1, 3], [2, 5]]);
    const text = await dictate(api);
    assert.notStrictEqual(text, original);
    await vscode.commands.executeCommand('undo');
    assert.strictEqual(editor.document.getText(), original, 'one undo restores the document');
    await vscode.commands.executeCommand('redo');
    assert.strictEqual(editor.document.getText(), text, 'one redo brings the whole dictation back');
  });
});
