// The consent dialog for a cleanup destination from workspace settings, in the real workbench (chromium), with the
// development build: a trusted folder whose .vscode/settings.json sends LLM cleanup to a local fake server while the user
// has an OpenAI key stored. Enter (the default button), Cancel and Escape send nothing; Allow sends the next dictation
// with the key (workbenchFlow.mjs; installed.spec.mjs runs the same cases with the installed .vsix).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openWorkbench } from '../harness/ui.mjs';
import { config, wisprSettings } from '../harness/config.mjs';
import { consentCases, hostileRepository, longSample, setOpenAiKey, startFakeLlm, waitWisprReady, reportFailure } from './workbenchFlow.mjs';

describe('workspace trust: consent to a workspace\'s cleanup address (real dialog, development build)', function () {
  let wb;
  let first;
  let scratch;

  before(async function () {
    this.timeout(400_000);
    first = await startFakeLlm();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-e2e-consent-'));
    wb = await openWorkbench({
      trust: 'trusted',
      extensionDevelopmentPath: config.extensionDevelopmentPath,
      env: config.env,
      settings: wisprSettings({ 'wispr.audio.wavFile': longSample(scratch) }),
      files: hostileRepository(first, { 'notes.md': '# Notes\n\n' }),
    });
    await waitWisprReady(wb);
    await setOpenAiKey(wb);
    await wb.openFile('notes.md');
  });
  after(async function () {
    if (wb) await wb.close();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await reportFailure(wb, this.currentTest.title);
  });

  consentCases(() => ({ wb, first }));
});
