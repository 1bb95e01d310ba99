// The packaged extension: the linux-x64 .vsix is installed into the real VS Code build (no development path) and
// dictates with its bundled self-contained sidecar, with no `dotnet` on the PATH.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installVsix } from '../harness/codeServer.mjs';
import { openWorkbench } from '../harness/ui.mjs';
import { config, skip, wisprSettings } from '../harness/config.mjs';

const MAX_VSIX_MIB = Number(process.env.WISPR_E2E_MAX_VSIX_MIB || 64);
const RID = 'linux-x64';

function zipEntries(file) {
  const out = execFileSync('python3', ['-c',
    'import sys,zipfile,json; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps([[i.filename,i.file_size,i.external_attr>>16] for i in z.infolist()]))',
    file], { maxBuffer: 64 << 20 });
  return JSON.parse(out).map(([name, size, mode]) => ({ name, size, mode }));
}

/** Processes whose executable is the bundled sidecar under `dir`. */
function sidecarProcessesUnder(dir) {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const exe = fs.readlinkSync(`/proc/${pid}/exe`);
      if (exe.startsWith(dir) && path.basename(exe) === 'Wispr.Sidecar') found.push({ pid: Number(pid), exe });
    } catch { /* gone or not ours */ }
  }
  return found;
}

describe('packaged extension (.vsix)', function () {
  before(function () {
    if (!config.vsix) skip(this, 'no .vsix to install (WISPR_E2E_VSIX unset: run.sh packages one unless WISPR_E2E_SKIP_VSIX=1)');
  });

  describe('the linux-x64 package', function () {
    let entries;
    before(function () { entries = zipEntries(config.vsix); });

    it(`is at most ${MAX_VSIX_MIB} MiB and targets linux-x64`, function () {
      const mib = fs.statSync(config.vsix).size / 1048576;
      assert.ok(mib <= MAX_VSIX_MIB, `${mib.toFixed(1)} MiB`);
      assert.ok(mib > 5, `${mib.toFixed(1)} MiB is too small to hold a self-contained sidecar`);
      const manifest = entries.find((e) => e.name === 'extension.vsixmanifest');
      assert.ok(manifest);
      const xml = execFileSync('unzip', ['-p', config.vsix, 'extension.vsixmanifest']).toString();
      assert.match(xml, /TargetPlatform="linux-x64"/);
    });

    it('carries the self-contained sidecar for linux-x64 only', function () {
      const names = entries.map((e) => e.name);
      const exe = entries.find((e) => e.name === `extension/extension/bin/${RID}/Wispr.Sidecar`);
      assert.ok(exe, 'the sidecar executable');
      assert.ok(exe.mode & 0o100, `executable bit set (mode ${exe.mode.toString(8)})`);
      for (const f of ['libcoreclr.so', 'System.Private.CoreLib.dll', 'Wispr.Sidecar.dll', 'runtimes/linux-x64/libwhisper.so', 'models/silero_vad.onnx']) {
        assert.ok(names.includes(`extension/extension/bin/${RID}/${f}`), `has ${f}`);
      }
      const bins = new Set(names.filter((n) => n.startsWith('extension/extension/bin/')).map((n) => n.split('/')[3]));
      assert.deepStrictEqual([...bins], [RID], 'no other RID is packaged');
      const runtimes = new Set(names.filter((n) => n.includes('/runtimes/')).map((n) => n.split('/runtimes/')[1].split('/')[0]));
      assert.deepStrictEqual([...runtimes], ['linux-x64'], 'only linux-x64 native whisper libraries');
      assert.ok(names.includes('extension/package.json') && names.some((n) => n.startsWith('extension/out/')), 'the compiled extension');
      const sources = names.filter((n) => (/\.(cs|csproj|sln|ts)$/.test(n) && !n.endsWith('.d.ts'))
        || /^extension\/(tests|sidecar|tools|build|extension\/src|node_modules\/(typescript|@types|mocha))\//.test(n));
      assert.deepStrictEqual(sources.slice(0, 10), [], 'no sources, tests or dev dependencies');
    });
  });

  describe('installed into code-server', function () {
    let wb;
    let extensionsDir;
    let scratch;
    before(async function () {
      // code-server, the workbench and a ready sidecar: each wait below has its own bound; together they may pass Mocha's
      // 120 s on a loaded 2-core machine, so the hook's own limit is their sum, a failure bound only.
      this.timeout(400_000);
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-e2e-vsix-'));
      extensionsDir = path.join(scratch, 'extensions');
      await installVsix(config.vsix, extensionsDir, path.join(scratch, 'install-user-data'));
      // A PATH with node and nothing else: the packaged sidecar must not need a .NET install.
      const bin = path.join(scratch, 'bin');
      fs.mkdirSync(bin);
      fs.symlinkSync(process.execPath, path.join(bin, 'node'));
      wb = await openWorkbench({
        extensionsDir,
        env: { PATH: bin, DOTNET_ROOT: path.join(scratch, 'no-dotnet'), WISPR_SIDECAR_PATH: '', WISPR_E2E_TEST_HOOKS: '1' },
        settings: wisprSettings(),
        files: { 'notes.md': '# Notes\n\n' },
      });
      try {
        await wb.openFile('notes.md');
        await wb.wisprBackend(/Whisper/).waitFor({ timeout: 90_000 });
      } catch (e) {
        await wb.screenshot('vsix startup');
        throw e;
      }
    });
    after(async function () {
      if (wb) await wb.close();
      if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    });
    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`vsix ${this.currentTest.title}`);
    });

    it('is installed as the linux-x64 build with an executable sidecar', function () {
      const dirs = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('wispr.wispr-vscode-'));
      assert.equal(dirs.length, 1, `installed: ${fs.readdirSync(extensionsDir).join(', ')}`);
      const installed = path.join(extensionsDir, dirs[0]);
      assert.match(fs.readFileSync(path.join(installed, '.vsixmanifest'), 'utf8'), /TargetPlatform="linux-x64"/);
      const exe = path.join(installed, 'extension', 'bin', RID, 'Wispr.Sidecar');
      assert.ok(fs.statSync(exe).mode & 0o100, 'the installed sidecar keeps its executable bit');
    });

    it('runs the bundled sidecar, not a dev build', function () {
      const procs = sidecarProcessesUnder(extensionsDir);
      assert.equal(procs.length, 1, `one bundled sidecar process: ${JSON.stringify(procs)}`);
      assert.match(procs[0].exe, new RegExp(`/extension/bin/${RID}/Wispr\\.Sidecar$`));
    });

    it('dictates into the editor', async function () {
      const { before, after } = await wb.dictateFromPalette(config.listenMs);
      assert.ok(after.startsWith('# Notes'), JSON.stringify(after));
      assert.ok(after.replace(/\s+/g, '').length > before.replace(/\s+/g, '').length, `text inserted: ${JSON.stringify(after)}`);
    });
  });
});
