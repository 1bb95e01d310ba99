// Workspace trust the way users meet it: the linux-x64 .vsix installed with `code-server --install-extension` (no
// development path, no extension-host test payload, so it runs on VS Code 1.139.1 as on 1.100.3), the hostile repository
// (repository.js) opened with workspace trust on, everything driven through the UI and observed from outside the browser.
//   untrusted (Restricted Mode): Wispr works; the repository's program, cleanup address and outside dictionary are ignored.
//   trusted: the program still never runs; the cleanup address waits for consent (Enter, Cancel, Escape send nothing;
//   Allow sends the key), and the outside dictionary sends no line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeServerVersion, installVsix } from '../harness/codeServer.mjs';
import { openWorkbench } from '../harness/ui.mjs';
import { config, skip, wisprSettings } from '../harness/config.mjs';
import {
  assertMarkerAbsent, consentCases, finishDictation, hostileRepository, longSample, secretsIn, setOpenAiKey, startDictation, startFakeLlm,
  reportFailure, waitWisprReady,
} from './workbenchFlow.mjs';

const version = codeServerVersion();

/** Processes whose executable is the bundled sidecar under `dir` (the .vsix's own, not a program the repository names). */
function bundledSidecars(dir) {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const exe = fs.readlinkSync(`/proc/${pid}/exe`);
      if (exe.startsWith(dir) && path.basename(exe) === 'Wispr.Sidecar') found.push(exe);
    } catch { /* gone or not ours */ }
  }
  return found;
}

describe(`workspace trust in the installed extension (.vsix, code-server ${version})`, function () {
  let scratch;
  let extensionsDir;
  let wavFile;
  // The workspace's settings must count, not an override from the test environment.
  const env = { WISPR_SIDECAR_PATH: '' };

  before(async function () {
    if (!config.vsix) skip(this, 'no .vsix to install (WISPR_E2E_VSIX unset: run.sh packages one unless WISPR_E2E_SKIP_VSIX=1)');
    this.timeout(300_000);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-e2e-trust-vsix-'));
    extensionsDir = path.join(scratch, 'extensions');
    wavFile = longSample(scratch);
    await installVsix(config.vsix, extensionsDir, path.join(scratch, 'install-user-data'));
  });
  after(function () {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  describe('an untrusted folder (Restricted Mode)', function () {
    let wb;
    let mine;
    let theirs;
    before(async function () {
      this.timeout(400_000);
      [mine, theirs] = await Promise.all([startFakeLlm(), startFakeLlm()]);
      wb = await openWorkbench({
        trust: 'untrusted',
        extensionsDir,
        env,
        // The user's own LLM cleanup: a local server, no key needed.
        settings: wisprSettings({ 'wispr.audio.wavFile': wavFile, 'wispr.cleanup.mode': 'llm', 'wispr.cleanup.baseUrl': `${mine.url}/v1`, 'wispr.cleanup.model': 'mine' }),
        // The default dictionary path (inside the workspace) is the user's setting: its word shows the vocabulary goes out.
        files: hostileRepository(theirs, { '.vscode/wispr-dictionary.txt': 'Kubernetes\n' }),
      });
      await waitWisprReady(wb);
    });
    after(async function () {
      if (wb) await wb.close();
      for (const f of [mine, theirs]) if (f) f.stop();
    });
    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && wb) await reportFailure(wb, `trust ${version} ${this.currentTest.title}`);
    });

    it('Wispr works in Restricted Mode and runs its bundled sidecar, not the program the repository names', async function () {
      await wb.statusBarItem(/Restricted Mode/).first().waitFor({ timeout: 30_000 });
      const procs = bundledSidecars(extensionsDir);
      assert.equal(procs.length, 1, `one bundled sidecar process: ${JSON.stringify(procs)}`);
      assertMarkerAbsent(wb);
    });

    it('a dictation works; the repository\'s cleanup address and outside dictionary are ignored, the user\'s settings apply', async function () {
      this.timeout(400_000);
      await wb.openFile('notes.md');
      // The dictionary's read is bounded by the context budget, so a loaded machine may miss it once: dictate until a
      // prompt carries it (the check that vocabulary does go out), at most three times.
      let prompts = [];
      for (let i = 0; i < 3 && !prompts.some((p) => p.includes('Kubernetes')); i++) {
        const before = await startDictation(wb);
        await finishDictation(wb, before);
        prompts = (await mine.requests()).map((r) => r.Prompt);
        assert.equal(prompts.length, i + 1, 'the user\'s own server cleaned each dictation');
      }
      assert.ok(prompts.some((p) => p.includes('Kubernetes')), `the workspace's default dictionary reached the prompt:\n${prompts.join('\n---\n')}`);
      for (const r of await mine.requests()) {
        assert.equal(JSON.parse(r.Body).model, 'mine');
        assert.deepEqual(secretsIn(r.Prompt), [], `no line of the outside file in the prompt:\n${r.Prompt}`);
      }
      assert.deepEqual(await theirs.requests(), [], 'the repository\'s server received nothing');
      assertMarkerAbsent(wb);
    });

    it('Ctrl+Alt+Space in the editor reaches Wispr (VS Code\'s own bindings and voice keys do not take it)', async function () {
      this.timeout(300_000);
      await wb.gotoEnd();
      const before = await wb.editorText();
      await wb.tapGap();
      await wb.page.keyboard.press('Control+Alt+Space');
      await wb.wisprStatus(/Listening/).waitFor({ timeout: 60_000 });
      await wb.page.waitForTimeout(config.listenMs); // the length of the utterance, not a synchronisation
      await wb.tapGap();
      await wb.page.keyboard.press('Control+Alt+Space');
      const after = await wb.waitForEditorText((t) => t !== before, 120_000);
      assert.ok(after.length > before.length, `text inserted: ${JSON.stringify(after)}`);
    });
  });

  describe('a trusted folder with hostile settings', function () {
    let wb;
    let first;
    before(async function () {
      this.timeout(400_000);
      first = await startFakeLlm();
      wb = await openWorkbench({
        trust: 'trusted',
        extensionsDir,
        env,
        settings: wisprSettings({ 'wispr.audio.wavFile': wavFile }),
        files: hostileRepository(first),
      });
      await waitWisprReady(wb);
      // The status bar is drawn by now: no "Restricted Mode" item means the harness's trust took (trustFolders).
      assert.equal(await wb.statusBarItem(/Restricted Mode/).count(), 0, 'the folder is trusted (no Restricted Mode item)');
      await setOpenAiKey(wb);
      await wb.openFile('notes.md');
    });
    after(async function () {
      if (wb) await wb.close();
    });
    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && wb) await reportFailure(wb, `trust ${version} ${this.currentTest.title}`);
    });

    it('the repository\'s program is never run: the bundled sidecar is', function () {
      assert.equal(bundledSidecars(extensionsDir).length, 1, 'one bundled sidecar process');
      assertMarkerAbsent(wb);
    });

    consentCases(() => ({ wb, first }), { screenshotName: `consent-dialog-${version}` });

    it('after all that, the repository\'s program has still never run', function () {
      assertMarkerAbsent(wb);
    });
  });
});
