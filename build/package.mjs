#!/usr/bin/env node
// Builds platform-specific .vsix files, each carrying a self-contained published sidecar (no .NET needed by users).
//
//   node build/package.mjs                       every target in platforms.mjs
//   node build/package.mjs --target linux-x64    one (repeatable)
//   node build/package.mjs --out DIR             where the .vsix files go (default dist/)
//
// For each target: dotnet publish the sidecar self-contained for its RID into extension/bin/<rid>, keep only that
// platform's native whisper libraries, then `vsce package --target` with an ignore file that admits only that RID's bin.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORMS, platformFor } from './platforms.mjs';

const BUILD_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BUILD_DIR, '..');
const SIDECAR_PROJECT = path.join(ROOT, 'sidecar', 'Wispr.Sidecar', 'Wispr.Sidecar.csproj');
const VSCE = path.join(BUILD_DIR, 'node_modules', '@vscode', 'vsce', 'vsce');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

function parseArgs(argv) {
  const o = { targets: [], out: path.join(ROOT, 'dist'), skipPublish: false, keepBin: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target' || a === '-t') o.targets.push(argv[++i]);
    else if (a === '--out' || a === '-o') o.out = path.resolve(argv[++i]);
    else if (a === '--skip-publish') o.skipPublish = true; // reuse extension/bin/<rid> as it is
    else if (a === '--keep-bin') o.keepBin = true; // leave extension/bin/<rid> after packaging
    else if (a === '-h' || a === '--help') { console.log('usage: package.mjs [--target T]... [--out DIR] [--skip-publish] [--keep-bin]'); process.exit(0); }
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.targets.length === 0) o.targets = PLATFORMS.map((p) => p.target);
  return o;
}

function ensureNodeModules(dir, marker) {
  if (!fs.existsSync(path.join(dir, 'node_modules', marker))) {
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  }
}

/** Files of the extension that go into every package; everything else is left out. */
function ignoreFileFor(rid) {
  return [
    // Start from nothing, then admit what the extension needs at run time.
    '**',
    '!package.json',
    '!README.md',
    '!LICENSE',
    '!LICENSE.*',
    '!CHANGELOG.md',
    '!out/extension/**',
    '!samples/**',
    '!assets/icon*.png',
    '!assets/walkthrough/**', // the walkthrough's pages (contributes.walkthroughs)
    '!assets/screenshots/**', // the README's screenshots, shown by the Extensions view
    '!assets/sounds/*.wav', // the optional start/stop cues (wispr.feedback.sound)
    `!extension/bin/${rid}/**`,
    '!node_modules/**', // production dependencies only: vsce collects them with `npm list --production`
  ].join('\n') + '\n';
}

function publishSidecar(p) {
  const dest = path.join(ROOT, 'extension', 'bin', p.rid);
  fs.rmSync(dest, { recursive: true, force: true });
  run('dotnet', ['publish', SIDECAR_PROJECT, '-c', 'Release', '-r', p.rid, '--self-contained', 'true',
    '-p:PublishSingleFile=false', '-p:DebugType=none', '-p:GenerateDocumentationFile=false', '-o', dest, '--nologo']);
  // Whisper.net.Runtime copies every platform's native libraries under runtimes/<platform>; keep this one's.
  const runtimes = path.join(dest, 'runtimes');
  if (fs.existsSync(runtimes)) {
    for (const d of fs.readdirSync(runtimes)) {
      if (d !== p.whisperRuntime && d !== p.rid) fs.rmSync(path.join(runtimes, d), { recursive: true, force: true });
    }
  }
  const exe = path.join(dest, p.rid.startsWith('win') ? 'Wispr.Sidecar.exe' : 'Wispr.Sidecar');
  if (!fs.existsSync(exe)) throw new Error(`publish produced no ${exe}`);
  if (!p.rid.startsWith('win')) fs.chmodSync(exe, 0o755);
  return dest;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  ensureNodeModules(BUILD_DIR, '@vscode/vsce');
  ensureNodeModules(ROOT, 'typescript');
  fs.mkdirSync(o.out, { recursive: true });
  const made = [];
  for (const target of o.targets) {
    const p = platformFor(target);
    const t0 = Date.now();
    if (!o.skipPublish) publishSidecar(p);
    const ignore = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-vsce-')), '.vscodeignore');
    fs.writeFileSync(ignore, ignoreFileFor(p.rid));
    const vsix = path.join(o.out, `${manifest.name}-${p.target}-${manifest.version}.vsix`);
    try {
      run(process.execPath, [VSCE, 'package', '--target', p.target, '--out', vsix, '--ignoreFile', ignore,
        '--allow-missing-repository', '--no-rewrite-relative-links', '--no-update-package-json', '--no-git-tag-version']);
    } finally {
      fs.rmSync(path.dirname(ignore), { recursive: true, force: true });
      // A published sidecar left in extension/bin/<rid> would be picked (rule "bundled") over the dev build
      // when the checkout runs in development mode (F5), so it goes unless asked to stay.
      if (!o.keepBin && !o.skipPublish) fs.rmSync(path.join(ROOT, 'extension', 'bin', p.rid), { recursive: true, force: true });
    }
    const mb = (fs.statSync(vsix).size / 1048576).toFixed(1);
    console.log(`package: ${p.target} (${p.rid}) → ${path.relative(ROOT, vsix)}, ${mb} MiB, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    made.push(vsix);
  }
  return made;
}

try {
  main();
} catch (e) {
  console.error(`package: ${e.message}`);
  process.exit(1);
}
