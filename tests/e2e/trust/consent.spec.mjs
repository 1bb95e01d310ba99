// The consent dialog for a cleanup destination from workspace settings, in the real workbench (chromium): a trusted
// folder whose .vscode/settings.json sends LLM cleanup to a local fake server while the user has an OpenAI key stored.
// The fake receives nothing while the dialog is open, nothing after Cancel, and after Allow the next dictation with the key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { openWorkbench } from '../harness/ui.mjs';
import { config, wisprSettings } from '../harness/config.mjs';

const require = createRequire(import.meta.url);
const { startFakeLlm } = require('./fakeLlm.js');
const KEY = 'sk-e2e-consent-0123456789';

/** Every Wispr.log the extension host wrote under code-server's user data (one per window session). */
function wisprLogs(userDataDir) {
  const found = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'Wispr.log') found.push(fs.readFileSync(p, 'utf8'));
    }
  };
  try { walk(path.join(userDataDir, 'logs')); } catch { /* none yet */ }
  return found.join('\n');
}

describe('workspace trust: consent to a workspace\'s cleanup address (real dialog)', function () {
  let wb;
  let theirs;
  let host;

  async function waitLog(re, what, timeoutMs = 30_000) {
    const t0 = Date.now();
    while (!re.test(wisprLogs(wb.cs.userDataDir))) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} in Wispr.log`);
      await wb.page.waitForTimeout(100);
    }
  }

  /** Opens the notes with the sidecar ready and the key stored (again after a reload: it costs nothing). */
  async function prepareWindow() {
    await wb.wisprBackend(/Whisper/).waitFor({ timeout: 90_000 });
    await wb.wisprReady().waitFor({ timeout: 90_000 });
    // The palette's quick input gives way to the key's password box in the same widget.
    await wb.focusWorkbench();
    await wb.page.keyboard.press('F1');
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('>Wispr: Set OpenAI API Key');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Set OpenAI API Key' }).first().waitFor();
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.quick-input-widget', { hasText: 'OpenAI API key' }).waitFor({ timeout: 20_000 });
    await wb.page.locator('.quick-input-widget input[type="password"]').waitFor();
    await input.fill(KEY);
    await wb.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
    await wb.openFile('notes.md');
  }

  /** Starts a dictation from the palette; returns the consent dialog that comes up and the text before. */
  async function startAndGetDialog() {
    await wb.gotoEnd();
    const before = await wb.editorText();
    await wb.runCommand('Wispr: Toggle Dictation');
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'for LLM cleanup' });
    await dialog.waitFor({ timeout: 20_000 });
    return { before, dialog };
  }

  async function stopAndGetText(before) {
    await wb.wisprStatus(/Listening/i).waitFor({ timeout: 20_000 });
    await wb.page.waitForTimeout(config.listenMs); // the WAV source plays in real time: this is how long the user speaks
    await wb.runCommand('Wispr: Toggle Dictation');
    return wb.waitForEditorText((t) => t !== before, 60_000);
  }

  before(async function () {
    // code-server, the workbench and a ready sidecar: each wait below has its own bound; together they may pass Mocha's
    // 120 s on a loaded 2-core machine, so the hook's own limit is their sum, a failure bound only.
    this.timeout(400_000);
    theirs = await startFakeLlm();
    host = new URL(theirs.url).host;
    wb = await openWorkbench({
      trust: 'trusted',
      extensionDevelopmentPath: config.extensionDevelopmentPath,
      env: { ...config.env, WISPR_E2E_TEST_HOOKS: '1' }, // each Toggle Dictation waits until the previous press is over
      settings: wisprSettings(),
      files: {
        'notes.md': '# Notes\n\n',
        '.vscode/settings.json': JSON.stringify({
          'wispr.cleanup.mode': 'llm', 'wispr.cleanup.provider': 'openai', 'wispr.cleanup.baseUrl': `${theirs.url}/v1`,
        }),
      },
    });
    await prepareWindow();
  });
  after(async function () {
    if (wb) await wb.close();
    if (theirs) theirs.stop();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(this.currentTest.title);
  });

  it('the dialog names the host; while it is open and after Cancel the server receives nothing, the user\'s settings apply', async function () {
    const { before, dialog } = await startAndGetDialog();
    const text = await dialog.innerText();
    assert.match(text, new RegExp(`send your dictations to ${host.replace(/\./g, '\\.')} for LLM cleanup`), text);
    assert.match(text, /with your OpenAI API key/, text);
    await wb.screenshot('consent-dialog');
    assert.deepEqual(await theirs.requests(), [], 'nothing while the dialog is open');
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const after = await stopAndGetText(before);
    assert.ok(after.length > before.length, `text inserted: ${JSON.stringify(after)}`);
    await waitLog(/from the workspace's settings declined/, 'the decline');
    assert.deepEqual(await theirs.requests(), [], 'nothing after Cancel');
    assert.match(wisprLogs(wb.cs.userDataDir), /Cleanup: rules\./, 'the user\'s own cleanup (rules) applied');
  });

  it('after a reload, Allow: the next dictation goes to that server, with the key', async function () {
    await wb.page.reload();
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await prepareWindow();
    const { before, dialog } = await startAndGetDialog();
    assert.deepEqual(await theirs.requests(), [], 'nothing before the answer');
    await dialog.locator('.monaco-button', { hasText: 'Allow' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // The sidecar has the workspace's destination (and the key) before the dictation stops.
    await waitLog(new RegExp(`Cleanup: llm via openai .* at http://${host.replace(/\./g, '\\.')}, key set`), 'the allowed destination configured');
    const after = await stopAndGetText(before);
    assert.ok(after.length > before.length, `text inserted: ${JSON.stringify(after)}`);
    const got = await theirs.requests();
    assert.equal(got.length, 1, 'one LLM request');
    const auth = Object.entries(got[0].Headers).find(([k]) => k.toLowerCase() === 'authorization');
    assert.equal(auth?.[1], `Bearer ${KEY}`, 'with the user\'s key, now that the user allowed it');
  });
});
