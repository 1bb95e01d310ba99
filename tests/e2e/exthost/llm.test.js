// LLM cleanup end to end, in the real extension host: the extension's wispr.cleanup.* settings point the real sidecar
// at tools/Wispr.FakeLlm (a real HTTP server on 127.0.0.1 speaking OpenAI's chat-completions API; run.sh builds it and
// passes its path in WISPR_E2E_FAKE_LLM_DLL), which records every request and answers as its scenario says. Transcripts
// from the generated model are nonsense, so every check relates what was inserted, what the history holds and what the
// fake received, never fixed words. The fake's `clean` answer is its transcript with the vocabulary spellings applied, a
// capital first letter and a final period; dictating as prose into a code file, the rule cleaner adds neither, so an
// LLM answer can be told from the rule-cleaned text.
'use strict';
const assert = require('assert');
const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const { vscode, wisprApi, waitReady, openEditor, dictate, waitFor, skip, setSetting, closeAllEditors, openVocabularyNotes } = require('./helpers');

const FAKE_LLM_DLL = process.env.WISPR_E2E_FAKE_LLM_DLL
  || path.resolve(__dirname, '../../../tools/Wispr.FakeLlm/bin/Release/net10.0/Wispr.FakeLlm.dll');
/** Every setting these tests change; after() resets them (mode first, so no half-configured LLM stage is ever sent). */
const CLEANUP_SETTINGS = ['cleanup.mode', 'cleanup.provider', 'cleanup.baseUrl', 'cleanup.model', 'cleanup.timeoutMs', 'insertion.mode'];

/** Starts the fake LLM server on a free port; resolves once it prints "listening http://127.0.0.1:PORT". */
function startFakeLlm() {
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(FAKE_LLM_DLL)) {
      reject(new Error(`no fake LLM server at ${FAKE_LLM_DLL} (tests/e2e/run.sh builds tools/Wispr.FakeLlm)`));
      return;
    }
    const child = cp.spawn('dotnet', [FAKE_LLM_DLL, '--port', '0', '--scenario', 'clean'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the fake LLM did not start within 30 s: ${out}`)); }, 30000);
    const onData = (d) => {
      out += d;
      const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1] }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`the fake LLM exited (${code ?? signal}): ${out}`)); });
  });
}

/** The fake's `clean` answer for a transcript with no vocabulary in its prompt (FakeLlmBrain.Clean). */
function fakeClean(transcript) {
  let text = transcript.trim();
  if (!text) return text;
  text = text[0].toUpperCase() + text.slice(1);
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/** The words of a text, lower-case, letters and digits only. */
const words = (s) => s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

describe('cleanup: LLM through a local OpenAI-compatible server (tools/Wispr.FakeLlm)', function () {
  let api;
  let fake;

  const control = async (method, route, body) => {
    const r = await fetch(fake.url + route, { method, body });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${route}: HTTP ${r.status} ${text}`);
    return method === 'GET' ? JSON.parse(text) : text;
  };
  /** The LLM requests the fake received since the last reset: { Method, Path, Headers, Body, Prompt, Transcript }. */
  const requests = () => control('GET', '/_requests');
  const scenario = (name) => control('POST', '/_scenario', name);

  /** Dictates as prose into a new JavaScript editor; returns the inserted text and the history entry it made. */
  async function dictateIntoCode() {
    const before = api.history.length;
    const editor = await openEditor('', 'javascript');
    const inserted = await dictate(api);
    await waitFor(() => api.history.length > before, { timeoutMs: 10000, what: 'the history entry' });
    assert.strictEqual(editor.document.getText(), inserted);
    const entry = api.history[0];
    assert.strictEqual(entry.text, inserted, 'the history holds what was inserted');
    assert.ok(entry.rawText.trim().length > 0, 'the recogniser heard something');
    return { inserted, entry };
  }

  before(async function () {
    fake = await startFakeLlm();
    api = await wisprApi();
    await waitReady(api, 90000);
    // Prose in a code file: the rule cleaner adds no capital and no final period there.
    await setSetting('insertion.mode', 'text');
    await setSetting('cleanup.provider', 'openai');
    await setSetting('cleanup.baseUrl', `${fake.url}/v1`);
    await setSetting('cleanup.model', 'test-model');
    await setSetting('cleanup.timeoutMs', 30000); // a failure bound: a fresh sidecar's first LLM call on a busy machine is slow
    // Last: the configure this sends carries every LLM setting above (a local server needs no key).
    await setSetting('cleanup.mode', 'llm');
  });
  beforeEach(async function () {
    await scenario('clean');
    await control('POST', '/_reset');
  });
  afterEach(async function () {
    await closeAllEditors();
    await vscode.commands.executeCommand('notifications.clearAll');
  });
  after(async function () {
    for (const key of CLEANUP_SETTINGS) await setSetting(key, undefined);
    if (fake) {
      fake.child.removeAllListeners('exit');
      fake.child.kill('SIGKILL');
    }
  });

  it('LLM success: the fake\'s answer to the rule-cleaned transcript is inserted and recorded with path "llm"', async function () {
    const { inserted, entry } = await dictateIntoCode();
    assert.strictEqual(entry.cleanupPath, 'llm', `cleanup path (fallback: ${entry.fallbackReason})`);
    assert.strictEqual(entry.fallbackReason, null);
    assert.strictEqual(api.lastCleanupWarning, undefined, 'no warning');

    const got = await requests();
    assert.strictEqual(got.length, 1, `exactly one LLM request: ${JSON.stringify(got.map((r) => r.Path))}`);
    const [request] = got;
    assert.strictEqual(request.Method, 'POST');
    assert.strictEqual(request.Path, '/v1/chat/completions');
    assert.strictEqual(JSON.parse(request.Body).model, 'test-model');
    assert.ok(!request.Prompt.includes('<vocabulary>'), 'an empty editor has no vocabulary');
    // The LLM gets the rule-cleaned text: the recogniser's words, no new ones.
    assert.ok(request.Transcript.length > 0, 'a transcript in the prompt');
    const raw = new Set(words(entry.rawText));
    const novel = words(request.Transcript).filter((w) => !raw.has(w));
    assert.deepStrictEqual(novel, [], `the transcript sent (${JSON.stringify(request.Transcript)}) holds only words of rawText (${JSON.stringify(entry.rawText)})`);
    // What was inserted is the fake's answer: a capital and a final period the rule cleaner adds nowhere in a code file.
    assert.strictEqual(inserted, fakeClean(request.Transcript));
    assert.match(inserted, /^[^a-z].*[.?!]$/su);
    if (!/[.?!]$/.test(request.Transcript)) assert.notStrictEqual(inserted, request.Transcript, 'the LLM changed the text');
  });

  it('the sidecar uses the vocabulary it receives: the dictionary and a real provider\'s symbols are in the LLM prompt', async function () {
    const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
    if (!folder) skip(this, 'VS Code opened no workspace folder');
    const { cleanUp } = await openVocabularyNotes(folder, 'llm-notes.md');
    try {
      const before = api.history.length;
      // The vocabulary is collected while the user speaks and goes with the stop, which waits for it (a state, not a time).
      await dictate(api, { contextReady: (c) => c && c.vocabulary && c.vocabulary.dictionary && (c.vocabulary.identifiers || []).includes('Farawayheading') });
      await waitFor(() => api.history.length > before, { timeoutMs: 10000, what: 'the history entry' });
      const context = api.lastDictationContext;
      assert.deepStrictEqual(context.vocabulary.dictionary, [{ spoken: 'package dot json', written: 'package.json' }, { written: 'Kubernetes' }]);
      assert.ok(context.vocabulary.identifiers.includes('Farawayheading'), JSON.stringify(context.vocabulary.identifiers));
      assert.strictEqual(api.history[0].cleanupPath, 'llm', `cleanup path (fallback: ${api.history[0].fallbackReason})`);

      const got = await requests();
      assert.strictEqual(got.length, 1);
      const prompt = got[0].Prompt;
      const vocabulary = /<vocabulary>\n([\s\S]*?)<\/vocabulary>/.exec(prompt);
      assert.ok(vocabulary, `a <vocabulary> block in the prompt:\n${prompt}`);
      const lines = vocabulary[1].split('\n');
      for (const line of ['- package.json (said as "package dot json")', '- Kubernetes', '- fetchUserProfile', '- Farawayheading']) {
        assert.ok(lines.includes(line), `${JSON.stringify(line)} in the prompt's vocabulary:\n${vocabulary[1]}`);
      }
      // Every identifier the extension sent (up to the prompt's bounds) is listed.
      for (const id of context.vocabulary.identifiers.slice(0, 20)) {
        assert.ok(lines.includes(`- ${id}`), `identifier ${id} in the prompt's vocabulary`);
      }
    } finally {
      await cleanUp();
    }
  });

  it('fallback: an LLM that does not answer within wispr.cleanup.timeoutMs → the rule-cleaned text is inserted, with a warning', async function () {
    await setSetting('cleanup.timeoutMs', 1000);
    try {
      await scenario('timeout');
      const { inserted, entry } = await dictateIntoCode();
      assert.strictEqual(entry.cleanupPath, 'rules');
      // The connector's reason ("… within 1 s"), or the pipeline's backstop ("… within 1000 ms") on a very slow machine.
      assert.match(entry.fallbackReason || '', /did not answer within (1 s|1000 ms)/, entry.fallbackReason);
      const got = await requests();
      assert.strictEqual(got.length, 1, 'one request, not retried');
      assert.strictEqual(inserted, got[0].Transcript, 'the rule-cleaned text the LLM was sent is what was inserted');
      // The warning shown to the user for this transcript (the extension's API keeps it as shown).
      assert.strictEqual(api.lastCleanupWarning, `Wispr: LLM cleanup unavailable (${entry.fallbackReason}); inserted the rule-cleaned text.`);
    } finally {
      await setSetting('cleanup.timeoutMs', 30000); // a failure bound: a fresh sidecar's first LLM call on a busy machine is slow
    }
  });

  const rejected = [
    ['500', /the LLM at 127\.0\.0\.1:\d+ failed \(HTTP 500\)/],
    ['obey', /LLM's answer|answered/],
    ['far', /LLM's answer/],
  ];
  for (const [name, reason] of rejected) {
    it(`fallback: scenario "${name}" → the rule-cleaned text is inserted, path "rules", and the warning says why`, async function () {
      await scenario(name);
      const { inserted, entry } = await dictateIntoCode();
      assert.strictEqual(entry.cleanupPath, 'rules');
      assert.match(entry.fallbackReason || '', reason, entry.fallbackReason);
      const got = await requests();
      assert.ok(got.length >= 1, 'the LLM was asked');
      for (const r of got) assert.strictEqual(r.Transcript, inserted, 'every request carried the rule-cleaned text that was inserted');
      assert.strictEqual(api.lastCleanupWarning, `Wispr: LLM cleanup unavailable (${entry.fallbackReason}); inserted the rule-cleaned text.`);
    });
  }
});
