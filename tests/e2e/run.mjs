#!/usr/bin/env node
// Runs the end-to-end suites and prints one closing line: "N passed, N failed[, N skipped]".
//   node run.mjs [--suite exthost|ui|trust|trust-installed] ...      (default: exthost, ui, trust)
// Environment (run.sh sets these): WISPR_E2E_MODEL, WISPR_E2E_VSIX, WISPR_E2E_EXTENSION_PATH, WISPR_E2E_FAKE_LLM_DLL,
// WISPR_E2E_ARTIFACTS, WISPR_E2E_TIMEOUT_S (global limit, default 1200), WISPR_E2E_GREP (filter tests by title).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Mocha from 'mocha';
import { runExtensionHostTests } from './harness/exthost.mjs';
import { codeServerVersion } from './harness/codeServer.mjs';
import { config, skipReasonOf, wisprSettings } from './harness/config.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const suites = args.includes('--suite') ? args.filter((_, i) => args[i - 1] === '--suite') : ['exthost', 'ui', 'trust'];
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const skips = []; // { title, reason }: listed before the closing line, and by scripts/test-all.sh
const t0 = Date.now();

// Global limit: whatever hangs, the process exits and its exit hook kills every code-server process group. A bound for
// hangs, not for speed: the suite took about 3 minutes in a run on a shared 2-core machine, and a busy one is slower.
const limitS = Number(process.env.WISPR_E2E_TIMEOUT_S || 1200);
setTimeout(() => {
  console.error(`e2e: global timeout of ${limitS} s reached; killing everything`);
  console.log(`${totals.passed} passed, ${totals.failed + 1} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
  process.exit(1);
}, limitS * 1000).unref();

async function exthostSuite() {
  console.log('\n== extension-host tests (Mocha inside the real extension host)');
  const r = await runExtensionHostTests({
    extensionDevelopmentPath: config.extensionDevelopmentPath,
    settings: wisprSettings(),
    env: { ...config.env, WISPR_E2E_GREP: process.env.WISPR_E2E_GREP ?? '' },
    timeoutMs: Number(process.env.WISPR_E2E_EXTHOST_TIMEOUT_S || 720) * 1000,
  });
  reportExthost(r);
}

function reportExthost(r) {
  for (const t of r.tests) {
    const mark = t.state === 'passed' ? '✔' : t.state === 'skipped' ? '-' : '✗';
    console.log(`  ${mark} ${t.title}${t.ms !== undefined ? ` (${t.ms} ms)` : ''}`);
    if (t.state === 'failed') failures.push(t);
    if (t.state === 'skipped') skips.push({ title: t.title, reason: t.reason ?? 'no reason recorded' });
  }
  if (r.failed && process.env.WISPR_E2E_VERBOSE !== '1') {
    console.log('  --- extension host output (tail) ---');
    for (const l of (r.log ?? []).slice(-40)) console.log(`  | ${l}`);
  }
  totals.passed += r.passed; totals.failed += r.failed; totals.skipped += r.skipped;
}

// Workspace trust on (the rest of the suite runs with it off): a hostile repository (trust/repository.js) opened
// untrusted and trusted, each in its own window, then the consent dialog in the workbench.
async function trustSuite() {
  const { repositoryFiles } = (await import('./trust/repository.js')).default;
  for (const trust of ['untrusted', 'trusted']) {
    console.log(`\n== workspace trust: a ${trust} folder (extension-host tests, trust on)`);
    reportExthost(await runExtensionHostTests({
      extensionDevelopmentPath: config.extensionDevelopmentPath,
      settings: wisprSettings(),
      files: repositoryFiles,
      trust,
      specDir: path.join(HERE, 'trust', trust),
      // WISPR_SIDECAR_PATH (scripts/test-all.sh sets it) would win over any setting: cleared, the settings are what count.
      env: { ...config.env, WISPR_SIDECAR_PATH: '', WISPR_E2E_GREP: process.env.WISPR_E2E_GREP ?? '' },
      timeoutMs: Number(process.env.WISPR_E2E_EXTHOST_TIMEOUT_S || 300) * 1000,
    }));
  }
  console.log('\n== workspace trust: the consent dialog (Playwright + chromium, trust on)');
  await runMochaSpecs([path.join(HERE, 'trust', 'consent.spec.mjs')]);
}

// The same trust cases with the installed .vsix, driven through the UI only: what runs on VS Code 1.139.1, whose built
// workbench does not load a development build or an extension-host test payload from code-server (README.md).
async function trustInstalledSuite() {
  console.log('\n== workspace trust with the installed .vsix (Playwright + chromium, trust on)');
  await runMochaSpecs([path.join(HERE, 'trust', 'installed.spec.mjs')]);
}

async function runMochaSpecs(files) {
  const mocha = new Mocha({ timeout: 120_000, reporter: 'spec', color: false, grep: process.env.WISPR_E2E_GREP || undefined });
  for (const f of files) mocha.addFile(f);
  await mocha.loadFilesAsync();
  await new Promise((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => totals.passed++);
    runner.on('fail', (t, err) => { totals.failed++; failures.push({ title: t.fullTitle(), error: String(err?.stack ?? err) }); });
    runner.on('pending', (t) => { totals.skipped++; skips.push({ title: t.fullTitle(), reason: skipReasonOf(t) }); });
  });
}

async function uiSuite() {
  console.log('\n== UI tests (Playwright + chromium against the workbench)');
  // the development build first, then the packaged one
  const order = (f) => (f === 'workbench.spec.mjs' ? 0 : 1);
  const specs = fs.readdirSync(path.join(HERE, 'ui')).filter((f) => f.endsWith('.spec.mjs'));
  await runMochaSpecs(specs.sort((a, b) => order(a) - order(b) || a.localeCompare(b)).map((f) => path.join(HERE, 'ui', f)));
}

console.log(`e2e: code-server ${codeServerVersion()}`);
try {
  if (suites.includes('exthost')) await exthostSuite();
  if (suites.includes('ui')) await uiSuite();
  if (suites.includes('trust')) await trustSuite();
  if (suites.includes('trust-installed')) await trustInstalledSuite();
} catch (e) {
  totals.failed++;
  failures.push({ title: 'e2e harness', error: String(e?.stack ?? e) });
}
if (failures.length) {
  console.log('\n== failures');
  for (const f of failures) console.log(`  ✗ ${f.title}\n${String(f.error ?? '').split('\n').slice(0, 30).map((l) => `      ${l}`).join('\n')}`);
}
if (skips.length) {
  console.log('\n== skipped');
  for (const s of skips) console.log(`  skipped: ${s.title} — ${s.reason}`);
}
console.log(`\ne2e: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed ? 1 : 0);
