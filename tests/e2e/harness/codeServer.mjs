// Launches a real VS Code build (code-server, npm package) on 127.0.0.1 in its own process group,
// with throw-away user-data, extensions and workspace folders, and always kills the whole group afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const E2E_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(E2E_ROOT, '..', '..');
/** The folder whose node_modules holds code-server: 4.100.3 here, 4.139.1 in cs-4.139/ (WISPR_E2E_CODE_SERVER_DIR). */
export const CODE_SERVER_DIR = process.env.WISPR_E2E_CODE_SERVER_DIR || E2E_ROOT;
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** The Node that runs code-server (4.139.1 needs Node 24: WISPR_E2E_NODE); the tests' own Node by default. */
export const CODE_SERVER_NODE = process.env.WISPR_E2E_NODE || process.execPath;
/** code-server's version (e.g. 4.100.3), from its package.json. */
export function codeServerVersion() {
  try { return JSON.parse(fs.readFileSync(path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'package.json'), 'utf8')).version; } catch { return '?'; }
}

/** Settings of the workspace-trust profile: trust on, no startup dialog (an untrusted folder opens in Restricted Mode). */
export const TRUST_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
};

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set();
let exitHooked = false;
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => { for (const cs of live) cs.killGroup('SIGKILL'); };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { killAll(); process.exit(130); });
  }
}

/** Settings every e2e window gets; per-test settings are merged over them. */
export const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'files.hotExit': 'off',
  'window.restoreWindows': 'none',
  'editor.accessibilitySupport': 'off',
  'chat.disableAIFeatures': true,
  'github.copilot.enable': { '*': false },
  // The dictation tests play the bundled sample (the WAV source, in real time); the microphone is the product's default
  // source, so it is switched off here and on again only by exthost/microphone.test.js.
  'wispr.audio.source': 'wavFile',
};

function mkTemp(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function writeJson(file, obj) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(obj, null, 2));
}

function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('timeout', () => { req.destroy(); resolve(0); });
    req.on('error', () => resolve(0));
  });
}

/**
 * Starts code-server.
 * @param {object} o
 * @param {object} [o.settings] user settings merged over BASE_SETTINGS
 * @param {Record<string,string|{content:string,mode:number}>|((workspace:string)=>Record<string,string|{content:string,mode:number}>)} [o.files]
 *   workspace files (relative path → content, or content and mode), or a function of the workspace's absolute path giving them
 * @param {boolean} [o.trust] the workspace-trust profile: trust on (TRUST_SETTINGS), the folder untrusted unless the page
 *   trusts it (trustFolders in browser.mjs); by default trust is off, as for most of the suite
 * @param {string} [o.extensionsDir] extensions folder (default: a fresh temp one)
 * @param {Record<string,string>} [o.env] extra environment for code-server and so for the extension host
 * @param {object[]} [o.keybindings] user keybindings (keybindings.json entries), e.g. for test-only commands
 * @param {number} [o.readyTimeoutMs]
 */
export async function startCodeServer(o = {}) {
  hookExit();
  const root = mkTemp('wispr-e2e-');
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = o.extensionsDir ?? path.join(root, 'extensions');
  const workspace = path.join(root, 'workspace');
  const logFile = path.join(root, 'code-server.log');
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.mkdirSync(workspace, { recursive: true });
  const files = typeof o.files === 'function' ? o.files(workspace) : o.files;
  for (const [rel, file] of Object.entries(files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    const { content, mode } = typeof file === 'string' ? { content: file } : file;
    fs.writeFileSync(path.join(workspace, rel), content, mode ? { mode } : undefined);
  }
  writeJson(path.join(userDataDir, 'User', 'settings.json'), { ...BASE_SETTINGS, ...(o.trust ? TRUST_SETTINGS : {}), ...(o.settings ?? {}) });
  // code-server windows are remote windows: settings of scope machine / machine-overridable (wispr.whisper.modelPath,
  // wispr.sidecar.path, ...) count only from the remote ("Machine") settings once the extension's schema is known;
  // in User settings they are dropped at the next reload of that file. So per-test settings go to both.
  writeJson(path.join(userDataDir, 'Machine', 'settings.json'), { ...(o.settings ?? {}) });
  if (o.keybindings) writeJson(path.join(userDataDir, 'User', 'keybindings.json'), o.keybindings);
  const configFile = path.join(root, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');

  // The port is free when picked but could be taken before code-server binds it: then start again on another.
  for (let attempt = 1; ; attempt++) {
    const cs = await launch(await freePort(), { root, userDataDir, extensionsDir, workspace, logFile, configFile }, o);
    try {
      await cs.waitReady(o.readyTimeoutMs ?? 60_000);
      return cs;
    } catch (e) {
      const inUse = /EADDRINUSE/.test(cs.log());
      await cs.stop({ keep: true });
      if (!inUse || attempt >= 3) throw e;
    }
  }
}

async function launch(port, dirs, o) {
  const { root, userDataDir, extensionsDir, workspace, logFile, configFile } = dirs;
  const args = [
    CODE_SERVER_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--config', configFile,
    '--disable-telemetry',
    '--disable-update-check',
    ...(o.trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    workspace,
  ];
  const out = fs.openSync(logFile, 'a');
  const child = spawn(CODE_SERVER_NODE, args, {
    cwd: root,
    detached: true, // own process group: the extension host and the sidecar die with it
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      EXTENSIONS_GALLERY: '{}', // no marketplace
      XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
      XDG_DATA_HOME: path.join(root, 'xdg-data'),
      XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
      ...(o.env ?? {}),
    },
  });
  fs.closeSync(out);
  let exited = false;
  child.on('exit', () => { exited = true; });

  const cs = {
    root, port, userDataDir, extensionsDir, workspace, logFile, pid: child.pid,
    url: `http://127.0.0.1:${port}/`,
    remoteAuthority: `127.0.0.1:${port}`,
    /** vscode-remote URI of a path on this machine, as the web workbench wants them in `payload`. */
    remoteUri(p) { return `vscode-remote://127.0.0.1:${port}${encodeURI(p)}`; },
    /** Workbench URL opening the workspace folder, with an optional payload ([key, value] pairs). */
    workbenchUrl(payload) {
      let u = `${this.url}?folder=${encodeURIComponent(workspace)}`;
      if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return u;
    },
    killGroup(sig = 'SIGKILL') {
      try { process.kill(-child.pid, sig); } catch { /* already gone */ }
    },
    log() { try { return fs.readFileSync(logFile, 'utf8'); } catch { return ''; } },
    /** Polls /healthz until code-server answers (no fixed sleeps). */
    async waitReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exited) throw new Error(`code-server exited before it was ready:\n${this.log().slice(-4000)}`);
        if (await httpStatus(`${this.url}healthz`) === 200) return;
        if (Date.now() > deadline) throw new Error(`code-server not ready in ${timeoutMs} ms; log: ${logFile}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop({ keep = false } = {}) {
      this.killGroup('SIGTERM');
      const t0 = Date.now();
      while (!exited && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 50));
      this.killGroup('SIGKILL');
      // wait until no process of the group is left (the extension host and the sidecar included)
      const t1 = Date.now();
      while (groupAlive(child.pid) && Date.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 50));
      live.delete(this);
      if (!keep && !process.env.WISPR_E2E_KEEP) fs.rmSync(root, { recursive: true, force: true });
    },
  };
  live.add(cs);
  return cs;
}

export function groupAlive(pgid) {
  try { process.kill(-pgid, 0); return true; } catch { return false; }
}

/** Installs a .vsix into an extensions folder with code-server's CLI (no server started). */
export function installVsix(vsix, extensionsDir, userDataDir) {
  return new Promise((resolve, reject) => {
    const p = spawn(CODE_SERVER_NODE, [CODE_SERVER_ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir,
      '--install-extension', vsix, '--force'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true,
      env: { ...process.env, EXTENSIONS_GALLERY: '{}' } });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { try { process.kill(-p.pid, 'SIGKILL'); } catch {} reject(new Error(`install timed out:\n${out}`)); }, 120_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      try { process.kill(-p.pid, 'SIGKILL'); } catch {}
      code === 0 ? resolve(out) : reject(new Error(`--install-extension exited ${code}:\n${out}`));
    });
  });
}
