// Helpers for driving the VS Code workbench UI (code-server) with Playwright.
import { startCodeServer } from './codeServer.mjs';
import { launchBrowser, trustFolders } from './browser.mjs';

/**
 * Starts code-server + chromium and opens the workbench on the temp workspace.
 * @param {object} o startCodeServer options plus extensionDevelopmentPath (optional); `trust: 'untrusted'|'trusted'`
 *   opens the folder in the workspace-trust profile, untrusted (Restricted Mode) or trusted
 */
export async function openWorkbench(o = {}) {
  const cs = await startCodeServer({ ...o, trust: !!o.trust });
  let browser;
  try {
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const payload = o.extensionDevelopmentPath ? [['extensionDevelopmentPath', cs.remoteUri(o.extensionDevelopmentPath)]] : undefined;
    if (o.trust === 'trusted') await trustFolders(page, cs, [cs.workspace]);
    await page.goto(cs.workbenchUrl(payload), { timeout: 120_000 }); // a loaded machine can take more than the default 30 s
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    // the explorer shows the folder once the remote connection is up
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
    const wb = new Workbench(page, cs);
    wb.close = async () => { await browser.close(); await cs.stop(); };
    return wb;
  } catch (e) {
    if (browser) await browser.close();
    await cs.stop({ keep: !!process.env.WISPR_E2E_KEEP });
    throw e;
  }
}

export class Workbench {
  constructor(page, cs) { this.page = page; this.cs = cs; }

  /** Opens a workspace file by name through Quick Open (Ctrl+P). */
  async openFile(name) {
    const page = this.page;
    await this.focusWorkbench();
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator(`.tabs-container .tab[data-resource-name="${name}"]`).waitFor();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
    await this.focusEditor();
  }

  async focusWorkbench() {
    // a click somewhere neutral gives the page keyboard focus
    await this.page.locator('.monaco-workbench').focus().catch(() => {});
  }

  async focusEditor() {
    await this.page.locator('.editor-instance .monaco-editor textarea.inputarea, .editor-instance .monaco-editor .native-edit-context').first().focus();
  }

  /**
   * Toggle Dictation doubles as the push-to-talk command: a call within wispr.pushToTalk.repeatDelayMs + graceMs
   * (1250 ms at rest) of a lone key-down reads as its late repeat, and a loaded extension host stretches that window by
   * up to 2 s more (it makes up for its late timers). Call this before each press or palette run of it, so every one is
   * a new press. With the test hooks (WISPR_E2E_TEST_HOOKS=1) it waits for the state, the press detector's phase item
   * saying "idle"; without them, for a fixed gap since the last press (WISPR_E2E_TAP_GAP_MS).
   */
  async tapGap(ms = Number(process.env.WISPR_E2E_TAP_GAP_MS || 1500)) {
    if (await this.pressPhase().count() > 0) {
      await this.pressPhase(/press idle/).waitFor({ timeout: 30_000 });
    } else {
      const wait = (this.lastTap ?? 0) + ms - Date.now();
      if (wait > 0) await this.page.waitForTimeout(wait);
    }
    this.lastTap = Date.now();
  }

  /** The press detector's phase ("Wispr test: press idle", …): a status bar item shown only with the test hooks. */
  pressPhase(textOrRe) {
    const item = this.page.locator('.statusbar-item[id$="wispr.test.press"]');
    return textOrRe ? item.filter({ hasText: textOrRe }) : item;
  }

  /** Runs a command by its title from the command palette (F1). */
  async runCommand(title) {
    const page = this.page;
    if (/Toggle Dictation/.test(title)) await this.tapGap();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    // Enter runs the focused row: wait until the filter has put this command there (on a loaded machine the list can still
    // show the unfiltered commands for a moment, and Enter would run whichever was first).
    const row = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first();
    await row.waitFor();
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  }

  /**
   * Dictates as a user does from the palette: at the end of the editor, Toggle Dictation, speak for `listenMs`
   * (the WAV source plays meanwhile), Toggle Dictation again; returns the editor text before and once it changed.
   */
  async dictateFromPalette(listenMs) {
    await this.gotoEnd();
    const before = await this.editorText();
    await this.runCommand('Wispr: Toggle Dictation');
    await this.wisprStatus(/listening/i).waitFor({ timeout: 20_000 });
    await this.page.waitForTimeout(listenMs);
    await this.runCommand('Wispr: Toggle Dictation');
    const after = await this.waitForEditorText((t) => t !== before, 60_000);
    return { before, after };
  }

  /** Text of the visible lines of the active editor, in line order (fine for the short files of these tests). */
  async editorText() {
    return this.page.evaluate(() => {
      const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')];
      return lines
        .map((l) => ({ top: parseFloat(l.style.top) || 0, text: l.textContent.replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top).map((l) => l.text).join('\n');
    });
  }

  /**
   * Texts drawn after the cursors by decorations (CSS ::after content of spans in the view lines), e.g. Wispr's
   * "● Listening…" indicator: what the user sees, though it is no part of the document's text.
   */
  async decorationTexts() {
    return this.page.evaluate(() => [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines span')]
      .map((el) => getComputedStyle(el, '::after').content)
      .filter((c) => c && c !== 'none' && c !== 'normal')
      .map((c) => c.replace(/^"|"$/g, '')));
  }

  /** Waits until the editor text satisfies a predicate; returns that text. */
  async waitForEditorText(pred, timeoutMs = 30_000) {
    const t0 = Date.now();
    let text = '';
    while (Date.now() - t0 < timeoutMs) {
      text = await this.editorText();
      if (pred(text)) return text;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`editor text did not reach the expected state in ${timeoutMs} ms; it is:\n${text}`);
  }

  statusBarItem(textOrRe) { return this.page.locator('.statusbar-item', { hasText: textOrRe }); }

  /** The Wispr status bar item ("Wispr: Ready", "Wispr: Listening", ...), optionally narrowed to one showing some text. */
  wisprStatus(textOrRe) {
    const item = this.page.locator('.statusbar-item[id$="wispr.status"]');
    return textOrRe ? item.filter({ hasText: textOrRe }) : item;
  }

  /** The speech backend's status bar item ("Whisper"; a click switches backends). */
  wisprBackend(textOrRe) {
    const item = this.page.locator('.statusbar-item[id$="wispr.backend"]');
    return textOrRe ? item.filter({ hasText: textOrRe }) : item;
  }

  /** Wispr is ready for a dictation: the status item says "Ready" (and the backend item names the backend). */
  wisprReady() {
    return this.wisprStatus(/Wispr: Ready/);
  }

  /** Moves the cursor to the end of the active editor. */
  async gotoEnd() {
    await this.focusEditor();
    await this.page.keyboard.press('Control+End');
  }

  async screenshot(name) {
    const dir = process.env.WISPR_E2E_ARTIFACTS;
    if (!dir) return;
    const file = `${dir}/${name.replace(/[^\w.-]+/g, '_').slice(0, 80)}.png`;
    await this.page.screenshot({ path: file }).catch(() => {});
    process.stdout.write(`  screenshot: ${file}\n`);
  }
}
