// A brand-new user in a real VS Code: no model on the machine and no network. The first dictation must say so at once,
// before anything is recorded, in a short message whose buttons fix it; and the Get Started walkthrough lists its steps.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openWorkbench } from '../harness/ui.mjs';
import { config } from '../harness/config.mjs';

/** A loopback port nothing listens on: connecting is refused at once, as offline. */
async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function artifact(page, name) {
  const dir = process.env.WISPR_E2E_ARTIFACTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  await page.screenshot({ path: file });
  console.log(`  screenshot: ${file}`);
}

describe('UI: first run, offline, no model', function () {
  let wb;
  let home;
  before(async function () {
    this.timeout(360_000); // a failure bound: starting code-server and the workbench on a loaded 2-core machine
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-e2e-firstrun-'));
    wb = await openWorkbench({
      extensionDevelopmentPath: config.extensionDevelopmentPath,
      // An empty model cache, an unreachable model server, and no model setting: the state of a fresh, offline install.
      env: {
        ...config.env,
        WISPR_CACHE_DIR: path.join(home, 'models'),
        WISPR_RECORDINGS_DIR: path.join(home, 'recordings'),
        WISPR_MODEL_BASE_URL: `http://127.0.0.1:${await closedPort()}/`,
        // scripts/test-all.sh exports these for the other suites, and the sidecar takes them as its models: emptied, they
        // count as unset (a full run otherwise gave this window a model, and the dictation simply ran).
        WISPR_MODEL_PATH: '',
        WISPR_PARAKEET_MODEL_PATH: '',
      },
      settings: {},
    });
    // No file is opened: what is tested happens before any text would go anywhere.
    try {
      await wb.wisprReady().waitFor({ timeout: 180_000 });
    } catch (e) {
      await wb.screenshot('first run: never ready');
      throw e;
    }
    // Every text the status item shows, from now on: "Listening" must never be among them.
    await wb.page.evaluate(() => {
      const seen = [];
      window.__wisprStatusTexts = seen;
      const check = () => {
        const text = document.querySelector('.statusbar-item[id$="wispr.status"]')?.textContent ?? '';
        if (seen.at(-1) !== text) seen.push(text);
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
      check();
    });
  });
  after(async function () {
    if (wb) await wb.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(this.currentTest.title);
  });

  it('the first dictation says at once that there is no model, with Choose Model…, and records nothing', async function () {
    await wb.runCommand('Wispr: Start Dictation');
    const toast = wb.page.locator('.notification-toast', { hasText: 'no speech model' });
    try {
      await toast.waitFor({ timeout: 60_000 }); // a failure bound under load; offline the answer takes milliseconds
    } catch (e) {
      const seen = await wb.page.evaluate(() => window.__wisprStatusTexts);
      const toasts = await wb.page.locator('.notification-toast').allTextContents();
      throw new Error(`${e.message}\nstatus texts seen: ${JSON.stringify(seen)}\nnotifications: ${JSON.stringify(toasts)}`);
    }
    const message = (await toast.locator('.notification-list-item-message').textContent()).trim();
    assert.ok(message.length <= 180, `at most two lines: ${message}`);
    assert.doesNotMatch(message, /https?:|\/models\/|sidecar/, `no addresses, paths or internal words: ${message}`);
    const buttons = (await toast.locator('.notification-list-item-buttons-container .monaco-button').allTextContents()).map((b) => b.trim());
    assert.deepEqual(buttons.slice(0, 3), ['Choose Model…', 'Choose File…', 'Retry'], `buttons: ${JSON.stringify(buttons)}`);
    await artifact(wb.page, 'offline-first-dictation.png');

    const seen = await wb.page.evaluate(() => window.__wisprStatusTexts);
    assert.ok(!seen.some((t) => /Listening|Transcribing/.test(t)), `never listened: ${JSON.stringify(seen)}`);
    const recordings = path.join(home, 'recordings');
    assert.deepEqual(fs.existsSync(recordings) ? fs.readdirSync(recordings) : [], [], 'no recording was started');
    await wb.wisprReady().waitFor();

    // Choose Model… does something useful even before the model store exists: a pick opens.
    await toast.locator('.monaco-button', { hasText: 'Choose Model…' }).click();
    const pick = wb.page.locator('.quick-input-widget');
    await pick.waitFor({ state: 'visible', timeout: 30_000 });
    await wb.page.keyboard.press('Escape');
    await pick.waitFor({ state: 'hidden' });
  });

  it('Wispr: Get Started opens the walkthrough with its four steps', async function () {
    await wb.runCommand('Wispr: Get Started');
    const page = wb.page;
    await page.getByText('Get started with Wispr voice dictation').first().waitFor({ timeout: 60_000 });
    for (const step of ['Pick and download a speech model', 'Choose your microphone and check its level', 'Try a dictation',
      'Hold to talk, or tap to toggle; dictate comments']) {
      await page.getByText(step).first().waitFor({ timeout: 30_000 });
    }
    await artifact(page, 'walkthrough.png');
  });
});
