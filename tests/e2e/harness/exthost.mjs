// Runs the Mocha suite inside the real extension host of code-server.
// code-server's web workbench takes `extensionDevelopmentPath` and `extensionTestsPath` from its `payload` URL parameter
// (JSON [key, value] pairs, values are vscode-remote:// URIs; see WorkspaceProvider in vs/code/browser/workbench/workbench.ts
// and BrowserWorkbenchEnvironmentService). When run() settles, the extension host exits and the workbench calls
// window.codeAutomationExit(code, logs) if the page defines it; console output of the extension host goes to
// window.codeAutomationLog(level, args). Results themselves come from a JSON file the runner writes (exthost/index.js).
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { startCodeServer, E2E_ROOT } from './codeServer.mjs';
import { launchBrowser, trustFolders } from './browser.mjs';

/**
 * @param {object} o
 * @param {string} o.extensionDevelopmentPath
 * @param {string} [o.specDir] folder of *.test.js files (default tests/e2e/exthost)
 * @param {object} [o.settings] user settings
 * @param {Record<string,string>} [o.files] workspace files
 * @param {Record<string,string>} [o.env]
 * @param {string} [o.extensionsDir]
 * @param {number} [o.timeoutMs] global timeout for the whole run
 * @param {'untrusted'|'trusted'} [o.trust] the workspace-trust profile (trust on), the folder untrusted or trusted;
 *   omitted: trust off (--disable-workspace-trust)
 * @returns {Promise<{passed:number, failed:number, skipped:number, tests:object[], exitCode:number|null}>}
 */
export async function runExtensionHostTests(o) {
  const timeoutMs = o.timeoutMs ?? 240_000;
  const started = Date.now();
  const resultsFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'wispr-e2e-results-')), 'results.json');
  const cs = await startCodeServer({
    settings: o.settings, files: o.files, extensionsDir: o.extensionsDir, trust: !!o.trust,
    env: {
      WISPR_E2E_RESULTS: resultsFile,
      WISPR_E2E_SPEC_DIR: o.specDir ?? path.join(E2E_ROOT, 'exthost'),
      ...(o.env ?? {}),
    },
  });
  const browser = await launchBrowser();
  let timer;
  try {
    const page = await browser.context.newPage();
    const logLines = [];
    let resolveExit;
    const exited = new Promise((r) => { resolveExit = r; });
    await page.exposeFunction('codeAutomationLog', (level, args) => {
      const line = util.format(...(Array.isArray(args) ? args : [args]));
      logLines.push(line);
      if (process.env.WISPR_E2E_VERBOSE) process.stdout.write(`  [exthost ${level}] ${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => { resolveExit(code); });
    const url = cs.workbenchUrl([
      ['extensionDevelopmentPath', cs.remoteUri(o.extensionDevelopmentPath)],
      ['extensionTestsPath', cs.remoteUri(path.join(E2E_ROOT, 'exthost', 'index.js'))],
    ]);
    if (o.trust === 'trusted') await trustFolders(page, cs, [cs.workspace]);
    await page.goto(url, { timeout: 120_000 }); // a loaded machine can take more than the default 30 s
    const timeout = new Promise((r) => { timer = setTimeout(() => r('timeout'), Math.max(1000, timeoutMs - (Date.now() - started))); });
    const code = await Promise.race([exited, timeout]);
    let report = { passed: 0, failed: 0, skipped: 0, tests: [] };
    try { report = JSON.parse(fs.readFileSync(resultsFile, 'utf8')); } catch { /* no report */ }
    if (code === 'timeout' || !report.done) {
      const why = code === 'timeout' ? `timed out after ${timeoutMs} ms` : `extension host exited (${code}) without a complete report`;
      report.failed++;
      report.tests.push({ title: `extension-host suite: ${why}`, state: 'failed',
        error: `${why}\n--- extension host log (tail) ---\n${logLines.slice(-60).join('\n')}\n--- code-server log (tail) ---\n${cs.log().slice(-4000)}` });
    }
    report.exitCode = code === 'timeout' ? null : code;
    report.log = logLines;
    return report;
  } finally {
    clearTimeout(timer);
    await browser.close();
    await cs.stop();
    fs.rmSync(path.dirname(resultsFile), { recursive: true, force: true });
  }
}
