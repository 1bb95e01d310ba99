// extensionTestsPath module: VS Code's extension host requires it and awaits run().
// Runs Mocha inside the real extension host (the `vscode` API is available to the tests) and writes a JSON report to
// $WISPR_E2E_RESULTS, which the harness reads once the workbench signals the end through codeAutomationExit.
'use strict';
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

/** Why a pending test was skipped: its own reason, else its suite's (a hook skipped the suite); see helpers.skip. */
function skipReasonOf(test) {
  for (let r = test; r; r = r.parent) if (r.skipReason) return r.skipReason;
  return 'no reason recorded';
}

exports.run = async function run() {
  const resultsFile = process.env.WISPR_E2E_RESULTS;
  const specDir = process.env.WISPR_E2E_SPEC_DIR || __dirname;
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: Number(process.env.WISPR_E2E_TEST_TIMEOUT_MS || 150000),
    color: false,
    reporter: 'spec',
    grep: process.env.WISPR_E2E_GREP || undefined,
  });
  for (const f of fs.readdirSync(specDir).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(specDir, f));
  }
  const report = { passed: 0, failed: 0, skipped: 0, tests: [] };
  const write = () => {
    if (!resultsFile) return;
    fs.writeFileSync(resultsFile + '.tmp', JSON.stringify(report, null, 2));
    fs.renameSync(resultsFile + '.tmp', resultsFile);
  };
  await new Promise((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => { report.passed++; report.tests.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }); });
    runner.on('fail', (t, err) => {
      report.failed++;
      report.tests.push({ title: t.fullTitle(), state: 'failed', error: String(err && (err.stack || err.message) || err) });
    });
    runner.on('pending', (t) => { report.skipped++; report.tests.push({ title: t.fullTitle(), state: 'skipped', reason: skipReasonOf(t) }); });
  });
  report.done = true;
  write();
  if (report.failed > 0) throw new Error(`${report.failed} extension-host test(s) failed`);
};
