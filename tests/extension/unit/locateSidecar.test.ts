import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { LocateInputs, locateSidecar, runtimeIdentifier } from '../../../extension/src/sidecar/locateSidecar';

const root = path.resolve('/ext');
const bundledLinux = path.join(root, 'extension', 'bin', 'linux-x64', 'Wispr.Sidecar');
const devRelease = path.join(root, 'sidecar', 'Wispr.Sidecar', 'bin', 'Release', 'net10.0', 'Wispr.Sidecar.dll');
const devDebug = path.join(root, 'sidecar', 'Wispr.Sidecar', 'bin', 'Debug', 'net10.0', 'Wispr.Sidecar.dll');

function inputs(existing: string[], overrides: Partial<LocateInputs> = {}): LocateInputs & { logged: string[] } {
    const logged: string[] = [];
    const files = new Set(existing.map(p => path.resolve(p)));
    return {
        env: {},
        settingPath: '',
        extensionRoot: root,
        platform: 'linux',
        arch: 'x64',
        exists: p => files.has(p),
        log: m => logged.push(m),
        logged,
        ...overrides,
    };
}

describe('locateSidecar rule order', () => {
    test('env WISPR_SIDECAR_PATH wins over everything', () => {
        const env = path.resolve('/custom/Wispr.Sidecar');
        const i = inputs([env, '/setting/Wispr.Sidecar', bundledLinux, devDebug], { env: { WISPR_SIDECAR_PATH: env }, settingPath: '/setting/Wispr.Sidecar' });
        const launch = locateSidecar(i);
        assert.deepEqual(launch, { command: env, args: [], sidecarPath: env, rule: 'env' });
        assert.match(i.logged.join('\n'), /WISPR_SIDECAR_PATH/);
    });

    test('then the setting', () => {
        const setting = path.resolve('/setting/Wispr.Sidecar');
        const launch = locateSidecar(inputs([setting, bundledLinux, devDebug], { settingPath: setting }));
        assert.equal(launch.rule, 'setting');
        assert.equal(launch.command, setting);
    });

    test('then the bundled sidecar for the platform', () => {
        const launch = locateSidecar(inputs([bundledLinux, devRelease, devDebug]));
        assert.equal(launch.rule, 'bundled');
        assert.equal(launch.command, bundledLinux);
    });

    test('bundled on Windows is the .exe under win-arm64', () => {
        const exe = path.join(root, 'extension', 'bin', 'win-arm64', 'Wispr.Sidecar.exe');
        const launch = locateSidecar(inputs([exe], { platform: 'win32', arch: 'arm64' }));
        assert.equal(launch.command, exe);
    });

    test('then the dev checkout: Release before Debug, run through dotnet', () => {
        const release = locateSidecar(inputs([devRelease, devDebug]));
        assert.deepEqual(release, { command: 'dotnet', args: [devRelease], sidecarPath: devRelease, rule: 'devRelease' });
        const debug = locateSidecar(inputs([devDebug]));
        assert.deepEqual(debug, { command: 'dotnet', args: [devDebug], sidecarPath: devDebug, rule: 'devDebug' });
    });

    test('a .dll from the env or setting also runs through dotnet', () => {
        const dll = path.resolve('/x/Wispr.Sidecar.DLL');
        const launch = locateSidecar(inputs([dll], { env: { WISPR_SIDECAR_PATH: dll }, dotnetCommand: '/usr/bin/dotnet' }));
        assert.deepEqual(launch, { command: '/usr/bin/dotnet', args: [dll], sidecarPath: dll, rule: 'env' });
    });

    test('an explicit path that does not exist is an error naming it, not a silent fallback', () => {
        const missing = path.resolve('/nowhere/Wispr.Sidecar');
        assert.throws(() => locateSidecar(inputs([bundledLinux], { env: { WISPR_SIDECAR_PATH: missing } })), e => {
            assert.ok(e instanceof Error);
            assert.ok(e.message.includes(missing));
            assert.ok(e.message.includes('WISPR_SIDECAR_PATH'));
            return true;
        });
        assert.throws(() => locateSidecar(inputs([bundledLinux], { settingPath: missing })), /wispr\.sidecar\.path/);
    });

    test('blank env and setting values are ignored', () => {
        const launch = locateSidecar(inputs([devDebug], { env: { WISPR_SIDECAR_PATH: '  ' }, settingPath: ' ' }));
        assert.equal(launch.rule, 'devDebug');
    });

    test('nothing found: the error names every path tried', () => {
        assert.throws(() => locateSidecar(inputs([])), e => {
            assert.ok(e instanceof Error);
            for (const p of [bundledLinux, devRelease, devDebug]) {
                assert.ok(e.message.includes(p), `error does not name ${p}`);
            }
            return true;
        });
    });

    test('runtime identifiers', () => {
        assert.equal(runtimeIdentifier('win32', 'x64'), 'win-x64');
        assert.equal(runtimeIdentifier('darwin', 'arm64'), 'osx-arm64');
        assert.equal(runtimeIdentifier('linux', 'arm64'), 'linux-arm64');
        assert.equal(runtimeIdentifier('linux', 'ia32'), undefined);
        assert.equal(runtimeIdentifier('freebsd', 'x64'), undefined);
    });
});
