// tools/Wispr.FakeLlm (a real HTTP server speaking OpenAI's chat-completions API, recording every request) for the
// workspace-trust tests, from the extension host (require) and from the UI specs (createRequire) alike.
'use strict';
const cp = require('child_process');
const fs = require('fs');
const path = require('path');

const FAKE_LLM_DLL = process.env.WISPR_E2E_FAKE_LLM_DLL
  || path.resolve(__dirname, '../../../tools/Wispr.FakeLlm/bin/Release/net10.0/Wispr.FakeLlm.dll');

// Fakes still running when this process exits (a failure, a global timeout, a signal) are killed with it.
const live = new Set();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

/** Starts a fake on a free port; resolves once it prints "listening http://127.0.0.1:PORT". */
function startFakeLlm(scenario = 'clean') {
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(FAKE_LLM_DLL)) {
      reject(new Error(`no fake LLM server at ${FAKE_LLM_DLL} (tests/e2e/run.sh builds tools/Wispr.FakeLlm)`));
      return;
    }
    const child = cp.spawn('dotnet', [FAKE_LLM_DLL, '--port', '0', '--scenario', scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.on('exit', () => live.delete(child));
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the fake LLM did not start within 30 s: ${out}`)); }, 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const url = m[1];
        resolve({
          url,
          /** The LLM requests received so far: { Method, Path, Headers, Body, Prompt, Transcript }. */
          async requests() {
            const r = await fetch(`${url}/_requests`);
            if (!r.ok) throw new Error(`GET /_requests: HTTP ${r.status}`);
            return r.json();
          },
          stop() {
            child.removeAllListeners('exit');
            live.delete(child);
            child.kill('SIGKILL');
          },
        });
      }
    });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`the fake LLM exited (${code ?? signal}): ${out}`)); });
  });
}

module.exports = { FAKE_LLM_DLL, startFakeLlm };
