// UI tests: the workbench as a user sees it, driven through chromium.
import assert from 'node:assert/strict';
import { openWorkbench } from '../harness/ui.mjs';
import { config, skip, wisprSettings } from '../harness/config.mjs';

const ORIGINAL = 'def greet():\n    return 1\n';

describe('UI: dictation in the workbench', function () {
  let wb;
  before(async function () {
    // code-server, the workbench and a ready sidecar: each wait below has its own bound; together they may pass Mocha's
    // 120 s on a loaded 2-core machine, so the hook's own limit is their sum, a failure bound only.
    this.timeout(400_000);
    wb = await openWorkbench({
      extensionDevelopmentPath: config.extensionDevelopmentPath,
      // the test hooks show the press detector's phase, so each tap waits until the previous press is over
      env: { ...config.env, WISPR_E2E_TEST_HOOKS: '1' },
      settings: wisprSettings(),
      files: { 'hello.py': ORIGINAL },
    });
    await wb.openFile('hello.py');
    // the backend item names the backend once the sidecar is ready
    await wb.wisprBackend(/Whisper/).waitFor({ timeout: 90_000 });
    await wb.wisprReady().waitFor({ timeout: 90_000 });
  });
  after(async function () {
    if (wb) await wb.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(this.currentTest.title);
  });

  it('Toggle Dictation from the command palette inserts the transcript at the cursor', async function () {
    const { before, after } = await wb.dictateFromPalette(config.listenMs);
    assert.ok(after.startsWith(ORIGINAL.trimEnd()), `the file keeps its text: ${JSON.stringify(after)}`);
    assert.ok(after.length > before.length && after.slice(before.trimEnd().length).trim(), `text inserted: ${JSON.stringify(after)}`);
    await wb.wisprReady().waitFor();
  });

  it('tapping Ctrl+Alt+Space starts dictation, tapping it again stops and inserts', async function () {
    await wb.gotoEnd();
    const before = await wb.editorText();
    await wb.tapGap();
    await wb.page.keyboard.press('Control+Alt+Space');
    await wb.wisprStatus(/Listening/).waitFor({ timeout: 20_000 });
    await wb.page.waitForTimeout(config.listenMs);
    await wb.tapGap();
    await wb.page.keyboard.press('Control+Alt+Space');
    const after = await wb.waitForEditorText((t) => t !== before, 60_000);
    assert.ok(after.length > before.length, `text inserted: ${JSON.stringify(after)}`);
  });

  it('holding Ctrl+Alt+Space dictates while held and inserts on release (push-to-talk)', async function () {
    await wb.gotoEnd();
    const before = await wb.editorText();
    const kb = wb.page.keyboard;
    await wb.tapGap();
    await kb.down('Control');
    await kb.down('Alt');
    try {
      // a held key: one keydown, then auto-repeats (keydown with repeat=true) about every 33 ms
      const until = Date.now() + config.listenMs;
      let sawListening = false;
      while (Date.now() < until) {
        await kb.down('Space');
        if (!sawListening) sawListening = (await wb.wisprStatus(/Listening/).count()) > 0;
        await wb.page.waitForTimeout(33);
      }
      assert.ok(sawListening || (await wb.wisprStatus(/Listening/).count()) > 0, 'listening while the key is held');
    } finally {
      wb.lastTap = Date.now();
      await kb.up('Space');
      await kb.up('Alt');
      await kb.up('Control');
    }
    const after = await wb.waitForEditorText((t) => t !== before, 60_000);
    assert.ok(after.length > before.length, `text inserted after the release: ${JSON.stringify(after)}`);
    await wb.wisprReady().waitFor();
  });

  it('the status item names the product and its state, and a click starts and stops dictation', async function () {
    await wb.gotoEnd();
    const before = await wb.editorText();
    await wb.wisprReady().click();
    await wb.wisprStatus(/Wispr: Listening/).waitFor({ timeout: 20_000 });
    // the indicator at the cursor: drawn by the editor, not part of the text
    const t0 = Date.now();
    let shown = [];
    while (!shown.includes('● Listening…') && Date.now() - t0 < 10_000) shown = await wb.decorationTexts();
    assert.ok(shown.includes('● Listening…'), `"● Listening…" at the cursor: ${JSON.stringify(shown)}`);
    assert.equal(await wb.editorText(), before, 'the indicator is not in the document');
    await wb.page.waitForTimeout(config.listenMs); // speak (the WAV source plays meanwhile)
    await wb.wisprStatus(/Wispr: Listening/).click();
    const after = await wb.waitForEditorText((t) => t !== before, 60_000);
    assert.ok(after.length > before.length, `text inserted: ${JSON.stringify(after)}`);
    await wb.wisprReady().waitFor();
    const t1 = Date.now();
    while ((await wb.decorationTexts()).some((t) => /Listening|Transcribing/.test(t)) && Date.now() - t1 < 10_000);
    assert.deepEqual((await wb.decorationTexts()).filter((t) => /Listening|Transcribing/.test(t)), [], 'the indicator is gone');
  });

  it('the backend item opens the backend quick pick; picking Whisper keeps it', async function () {
    await wb.wisprBackend(/Whisper/).click();
    const rows = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor();
    const labels = await rows.allTextContents();
    assert.ok(labels.some((l) => /Whisper/.test(l)), `Whisper is offered: ${JSON.stringify(labels)}`);
    await rows.filter({ hasText: 'Whisper' }).first().click();
    await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await wb.wisprBackend(/Whisper/).waitFor();
    await wb.wisprReady().waitFor();
  });

  it('the backend item switches Whisper → Parakeet → Whisper, and each backend dictates', async function () {
    if (!config.parakeetModelPath) skip(this, 'no tiny Parakeet model (WISPR_E2E_PARAKEET_MODEL unset: run.sh builds one when /usr/bin/python3 has onnx and numpy)');
    const pick = async (label) => {
      await wb.wisprBackend().click();
      const rows = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
      await rows.first().waitFor();
      const labels = await rows.allTextContents();
      assert.ok(labels.some((l) => l.includes(label)), `${label} is offered: ${JSON.stringify(labels)}`);
      await rows.filter({ hasText: label }).first().click();
      await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    };
    const dictate = async () => {
      const { before, after } = await wb.dictateFromPalette(config.listenMs);
      return after.slice(before.trimEnd().length);
    };

    await pick('Parakeet');
    await wb.wisprBackend(/Parakeet/).waitFor({ timeout: 60_000 });
    await wb.wisprReady().waitFor({ timeout: 60_000 });
    // the tiny model's weights spell this sentence for any input over 1.1 s
    assert.match(await dictate(), /wispr talks to vs code/);
    await wb.wisprReady().waitFor();

    await pick('Whisper');
    await wb.wisprBackend(/Whisper/).waitFor({ timeout: 60_000 });
    await wb.wisprReady().waitFor({ timeout: 60_000 });
    const whisperText = await dictate();
    assert.ok(whisperText.trim() && !/wispr talks to vs code/.test(whisperText), `Whisper inserted its own text: ${JSON.stringify(whisperText)}`);
  });
});
