// The microphone path in a real VS Code: push-to-talk (Toggle Dictation's auto-repeat while the key is held) while speech
// is played into the PulseAudio test server of scripts/pulse-test-server.sh, whose null-sink monitor is the default
// microphone. scripts/test-all.sh starts that server and exports PULSE_SERVER, which code-server and the extension host
// (and so the sidecar and parec) inherit; without it the test is skipped, saying why.
'use strict';
const assert = require('assert');
const { execFile } = require('child_process');
const path = require('path');
const { vscode, EXTENSION_ID, skip, sleep, waitFor, toggle, wisprApi, waitReady, openEditor, setCursors, setSetting, closeAllEditors } = require('./helpers');

const server = process.env.WISPR_TEST_PULSE_SERVER || process.env.PULSE_SERVER;

function play(wav) {
  return new Promise((resolve, reject) =>
    execFile('paplay', ['--device=wispr_test', wav], { env: { ...process.env, PULSE_SERVER: server } }, (e) => (e ? reject(e) : resolve())));
}

describe('microphone', function () {
  let api;
  before(async function () {
    if (!server) {
      skip(this, 'no PulseAudio test server (PULSE_SERVER unset; scripts/test-all.sh starts one)');
    }
    api = await wisprApi();
    await waitReady(api, 90000);
    await setSetting('audio.source', 'microphone'); // the test server's default source is the null sink's monitor
  });
  after(async function () {
    await setSetting('audio.source', 'wavFile'); // what the harness's base settings give every other test
    await closeAllEditors();
  });

  it('push-to-talk: hold the shortcut while speaking, release, and the transcript is inserted', async function () {
    const speech = path.join(vscode.extensions.getExtension(EXTENSION_ID).extensionPath, 'samples', 'jfk.wav');
    const editor = await openEditor('spoken: \n', 'plaintext');
    setCursors(editor, [[0, 8]]);
    const before = editor.document.version;
    const historyBefore = api.history.length;
    // every stage the dictation passes through: one hold must be one listening, one transcription
    const stages = [];
    const watch = api.onDidChangeDictationStage((s) => stages.push(s));
    // Key-down (through the helpers' toggle, which keeps clear of the previous test's last tap: a call within
    // wispr.pushToTalk.repeatDelayMs of it would read as that press still being held), then the OS auto-repeat every
    // 40 ms for as long as the speech plays: a held key.
    await toggle();
    let holding = true;
    const repeats = (async () => {
      while (holding) {
        await sleep(40);
        if (holding) await vscode.commands.executeCommand('wispr.toggleDictation');
      }
    })();
    try {
      await waitFor(() => api.dictationStage === 'listening', { timeoutMs: 20000, what: 'listening while the key is held' });
      await play(speech);
    } finally {
      holding = false; // released: the repeats stop, and push-to-talk stops after wispr.pushToTalk.releaseMs
      await repeats;
    }
    await waitFor(() => api.dictationStage === 'idle' && editor.document.version !== before,
      { timeoutMs: 120000, what: `the transcript after the release (stage ${api.dictationStage})` });
    watch.dispose();
    const line = editor.document.getText().split('\n')[0];
    assert.ok(line.startsWith('spoken: ') && line.slice('spoken: '.length).trim().length > 0, `a transcript was inserted: ${JSON.stringify(line)}`);
    assert.deepStrictEqual(stages, ['listening', 'transcribing', 'idle'], 'one hold, one dictation');
    assert.strictEqual(api.history.length, Math.min(historyBefore + 1, 50), 'one transcript, inserted once (the history keeps 50)');
  });

  it('live text: words appear at the cursor while the speech plays, then the final text is inserted once, as one undo step', async function () {
    const speech = path.join(vscode.extensions.getExtension(EXTENSION_ID).extensionPath, 'samples', 'jfk.wav');
    const original = 'live: \n';
    const editor = await openEditor(original, 'plaintext');
    setCursors(editor, [[0, 6]]);
    const before = editor.document.version;
    const historyBefore = api.history.length;
    await vscode.commands.executeCommand('wispr.startDictation');
    await waitFor(() => api.dictationStage === 'listening', { timeoutMs: 20000, what: 'listening' });
    // JFK pauses between phrases: the first phrase is cut there and recognised while the rest still plays. The dictation
    // listens until this test stops it, so the preview is awaited as a state, however slow the machine.
    const playing = play(speech);
    let preview;
    try {
      await waitFor(() => {
        const label = api.cursorIndicator;
        if (label && /^● /.test(label) && label !== '● Listening…') preview = label;
        return preview !== undefined;
      }, { timeoutMs: 120000, what: `provisional text in the cursor indicator (now ${JSON.stringify(api.cursorIndicator)})` });
      assert.strictEqual(api.dictationStage, 'listening', 'the text showed while the user was still speaking');
      assert.strictEqual(editor.document.version, before, 'the provisional text is not in the document');
      assert.strictEqual(editor.document.getText(), original);
    } finally {
      await playing;
    }
    await vscode.commands.executeCommand('wispr.stopDictation');
    await waitFor(() => api.dictationStage === 'idle' && editor.document.version !== before,
      { timeoutMs: 120000, what: `the final text (stage ${api.dictationStage})` });
    assert.strictEqual(api.cursorIndicator, undefined, 'the preview is gone with the indicator');
    assert.strictEqual(api.history.length, Math.min(historyBefore + 1, 50), 'one transcript');
    const text = api.history[0].text;
    assert.ok(text.trim().length > 0, 'the transcript is not empty');
    assert.strictEqual(editor.document.getText(), `live: ${text}\n`, 'the final text inserted once at the cursor, nothing of the preview added');
    await vscode.commands.executeCommand('undo');
    await waitFor(() => editor.document.getText() === original, { timeoutMs: 10000, what: 'one undo removes the whole dictation' });
  });
});
