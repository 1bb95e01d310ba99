// The workspace-trust cases as a user meets them in the workbench (Playwright), shared by the development build on
// VS Code 1.100.3 (consent.spec.mjs) and the installed .vsix on both versions (installed.spec.mjs). Effects are observed
// from outside the browser: the fake LLM servers' request logs, the hostile script's marker file, Wispr.log on disk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { config } from '../harness/config.mjs';
import { REPO_ROOT } from '../harness/codeServer.mjs';

const require = createRequire(import.meta.url);
const { startFakeLlm } = require('./fakeLlm.js');
const { SECRET_LINES, markerOf, repositorySettings, repositoryFiles } = require('./repository.js');

export const KEY = 'sk-e2e-consent-0123456789';
export { startFakeLlm };

/** Every Wispr.log the extension host wrote under code-server's user data (one per window session). */
export function wisprLogs(userDataDir) {
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

/**
 * A failed test's report: a screenshot named `name`, and the last 40 lines of Wispr.log (the window's log is gone once the
 * run ends).
 */
export async function reportFailure(wb, name) {
  await wb.screenshot(name);
  const tail = wisprLogs(wb.cs.userDataDir).trimEnd().split('\n').slice(-40).map((l) => `    | ${l}`).join('\n');
  console.log(`  Wispr.log (tail):\n${tail}`);
}

/** Waits (a failure bound, not a pace) until Wispr.log matches; the match count must exceed `atLeast - 1`. */
export async function waitLog(wb, re, what, { timeoutMs = 90_000, atLeast = 1 } = {}) {
  const t0 = Date.now();
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  while ((wisprLogs(wb.cs.userDataDir).match(global) ?? []).length < atLeast) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} in Wispr.log`);
    await wb.page.waitForTimeout(100);
  }
}

export const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const secretsIn = (text) => SECRET_LINES.filter((l) => String(text).includes(l));

/**
 * The bundled sample (11 s) repeated to `seconds`, written once into `dir`: a WAV source that plays to its end stops the
 * dictation by itself, and on a loaded machine the consent dialog's round trip can outlast 11 s. With this one the
 * dictation is still listening when the test stops it.
 */
export function longSample(dir, seconds = 120) {
  const file = path.join(dir, `speech-${seconds}s.wav`);
  if (fs.existsSync(file)) return file;
  const wav = fs.readFileSync(path.join(REPO_ROOT, 'samples', 'jfk.wav'));
  let fmt;
  let data;
  for (let at = 12; at + 8 <= wav.length;) { // RIFF chunks after "RIFF" size "WAVE"
    const id = wav.toString('ascii', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') fmt = wav.subarray(at + 8, at + 8 + size);
    if (id === 'data') data = wav.subarray(at + 8, at + 8 + size);
    at += 8 + size + (size & 1);
  }
  assert.ok(fmt && data, 'jfk.wav has fmt and data chunks');
  const byteRate = fmt.readUInt32LE(8);
  const body = Buffer.concat(Array.from({ length: Math.ceil((seconds * byteRate) / data.length) }, () => data));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii'); header.writeUInt32LE(36 + body.length, 4); header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii'); header.writeUInt32LE(16, 16); fmt.copy(header, 20, 0, 16);
  header.write('data', 36, 'ascii'); header.writeUInt32LE(body.length, 40);
  fs.writeFileSync(file, Buffer.concat([header, body]));
  return file;
}

/** The hostile repository (repository.js) whose settings also send LLM cleanup to `theirs`. */
export function hostileRepository(theirs, extraFiles = {}) {
  return (ws) => ({
    ...repositoryFiles(ws),
    '.vscode/settings.json': JSON.stringify(repositorySettings(ws, cleanupAt(theirs)), null, 2),
    ...extraFiles,
  });
}

const cleanupAt = (fake) => ({ 'wispr.cleanup.mode': 'llm', 'wispr.cleanup.provider': 'openai', 'wispr.cleanup.baseUrl': `${fake.url}/v1` });

/** Rewrites the repository's settings to send cleanup to `fake` (as a `git pull` would) and waits until Wispr has read them. */
export async function pointRepositoryAt(wb, fake) {
  fs.writeFileSync(path.join(wb.cs.workspace, '.vscode', 'settings.json'),
    JSON.stringify(repositorySettings(wb.cs.workspace, cleanupAt(fake)), null, 2));
  await waitLog(wb, new RegExp(`send LLM cleanup to ${escapeRe(fake.url)}`), `the workspace's new address ${fake.url}`);
}

/** The hostile script never ran: its marker is absent. */
export function assertMarkerAbsent(wb) {
  const marker = markerOf(wb.cs.workspace);
  assert.ok(!fs.existsSync(marker), `the repository's program ran: ${marker} exists`);
}

/** Stores the user's OpenAI key through the palette (the quick input turns into the key's password box). */
export async function setOpenAiKey(wb) {
  const page = wb.page;
  await wb.focusWorkbench();
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill('>Wispr: Set OpenAI API Key');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Set OpenAI API Key' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'OpenAI API key' }).waitFor({ timeout: 30_000 });
  await page.locator('.quick-input-widget input[type="password"]').waitFor();
  await input.fill(KEY);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Waits for Wispr to be ready (the backend item and "Wispr: Ready"); generous bounds for a loaded machine. */
export async function waitWisprReady(wb) {
  await wb.wisprBackend(/Whisper/).waitFor({ timeout: 120_000 });
  await wb.wisprReady().waitFor({ timeout: 120_000 });
}

/**
 * Starts a dictation at the end of the editor from the palette; returns the text before. Start and Stop, not Toggle: a
 * Toggle soon after the previous one is, by design, that press's late key repeat (pushToTalk.ts), and the installed
 * extension has no hook that says when a press is over, so back-to-back Toggles would have to wait out a time.
 */
export async function startDictation(wb) {
  await wb.gotoEnd();
  const before = await wb.editorText();
  await wb.runCommand('Wispr: Start Dictation');
  return before;
}

/** Lets the WAV source play (that is how long the user speaks), stops, and waits for the inserted text. */
export async function finishDictation(wb, before) {
  await wb.wisprStatus(/Listening/i).waitFor({ timeout: 60_000 });
  await wb.page.waitForTimeout(config.listenMs); // the length of the utterance, not a synchronisation
  await wb.runCommand('Wispr: Stop Dictation and Insert');
  const after = await wb.waitForEditorText((t) => t !== before, 120_000);
  assert.ok(after.length > before.length, `text inserted: ${JSON.stringify(after)}`);
  return after;
}

/** The consent dialog for a workspace cleanup destination. */
export const consentDialog = (wb) => wb.page.locator('.monaco-dialog-box', { hasText: 'for LLM cleanup' });

/**
 * The consent cases in a trusted folder whose settings send cleanup elsewhere, the user's key stored: Enter (the default
 * button), Cancel and Escape each decline and send nothing; Allow sends the next dictation there with the key. Each
 * case points the repository at a fresh fake, since a declined address is not asked again in that window.
 * `ctx()` gives { wb, first } once the `before` hook opened the window with the repository pointed at `first`.
 */
export function consentCases(ctx, { screenshotName = 'consent-dialog' } = {}) {
  const fakes = [];
  const fresh = async () => { const f = await startFakeLlm(); fakes.push(f); return f; };
  after(() => { for (const f of fakes) f.stop(); });

  /** Starts a dictation; the dialog naming `fake`'s host comes up; nothing has reached `fake`. */
  async function dialogFor(wb, fake) {
    const before = await startDictation(wb);
    const dialog = consentDialog(wb);
    await dialog.waitFor({ timeout: 60_000 });
    const host = new URL(fake.url).host;
    const text = await dialog.innerText();
    assert.match(text, new RegExp(`send your dictations to ${escapeRe(host)} for LLM cleanup`), text);
    assert.match(text, /with your OpenAI API key/, text);
    assert.deepEqual(await fake.requests(), [], 'nothing while the dialog is open');
    return { before, dialog };
  }

  async function declined(wb, fake, before, how) {
    await consentDialog(wb).waitFor({ state: 'hidden', timeout: 30_000 });
    await waitLog(wb, new RegExp(`${escapeRe(fake.url)} from the workspace's settings declined \\(${escapeRe(how)}\\)`), `the decline (${how})`);
    await finishDictation(wb, before);
    const applied = [...wisprLogs(wb.cs.userDataDir).matchAll(/Cleanup: (\w+)/g)].map((m) => m[1]);
    assert.equal(applied.at(-1), 'rules', `the user's own cleanup (rules) is what the sidecar has: ${applied}`);
    for (const f of fakes) assert.deepEqual(await f.requests(), [], `nothing reached ${f.url}`);
  }

  it('Enter presses the dialog\'s default button, "Don\'t Allow": nothing is sent, the user\'s own settings apply', async function () {
    const { wb, first } = ctx();
    fakes.push(first);
    const { before, dialog } = await dialogFor(wb, first);
    await wb.screenshot(screenshotName);
    // The focused button is the one Enter presses.
    const focused = async () => wb.page.evaluate(() => {
      const el = document.activeElement;
      return el && el.closest('.monaco-dialog-box') ? el.textContent.trim() : null;
    });
    const t0 = Date.now();
    while (await focused() !== "Don't Allow" && Date.now() - t0 < 30_000) await wb.page.waitForTimeout(100);
    assert.equal(await focused(), "Don't Allow", 'the focused (default) button');
    const labels = await dialog.locator('.monaco-button').allInnerTexts();
    assert.deepEqual([...labels].map((l) => l.trim()).filter(Boolean).sort(), ['Allow', 'Cancel', "Don't Allow"], `buttons: ${labels}`);
    await wb.page.keyboard.press('Enter');
    await declined(wb, first, before, "Don't Allow");
  });

  it('Cancel declines: nothing is sent', async function () {
    const { wb } = ctx();
    const fake = await fresh();
    await pointRepositoryAt(wb, fake);
    const { before, dialog } = await dialogFor(wb, fake);
    await dialog.locator('.monaco-button', { hasText: /^\s*Cancel\s*$/ }).click();
    await declined(wb, fake, before, 'closed');
  });

  it('Escape declines: nothing is sent', async function () {
    const { wb } = ctx();
    const fake = await fresh();
    await pointRepositoryAt(wb, fake);
    const { before } = await dialogFor(wb, fake);
    await wb.page.keyboard.press('Escape');
    await declined(wb, fake, before, 'closed');
  });

  it('Allow: the next dictation goes to that server with the key, and no line of the dictionary file outside the workspace', async function () {
    const { wb } = ctx();
    const fake = await fresh();
    await pointRepositoryAt(wb, fake);
    const { before, dialog } = await dialogFor(wb, fake);
    await dialog.locator('.monaco-button', { hasText: /^\s*Allow\s*$/ }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    // The sidecar has the workspace's destination (and the key) before the dictation stops.
    await waitLog(wb, new RegExp(`Cleanup: llm via openai .* at ${escapeRe(fake.url)}, key set`), 'the allowed destination configured');
    await finishDictation(wb, before);
    const got = await fake.requests();
    assert.equal(got.length, 1, 'one LLM request');
    const auth = Object.entries(got[0].Headers).find(([k]) => k.toLowerCase() === 'authorization');
    assert.equal(auth?.[1], `Bearer ${KEY}`, 'with the user\'s key, now that the user allowed it');
    assert.deepEqual(secretsIn(got[0].Prompt), [], `no line of the outside dictionary in the prompt:\n${got[0].Prompt}`);
    assert.match(wisprLogs(wb.cs.userDataDir), /\(from workspace settings\) is ignored/, 'the outside dictionary was refused, with a log line');
    for (const f of fakes.filter((x) => x !== fake)) assert.deepEqual(await f.requests(), [], `nothing reached the declined ${f.url}`);
  });
}
