import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../repoRoot';

interface Manifest {
    main: string;
    engines: { vscode: string };
    activationEvents: string[];
    contributes: {
        commands: { command: string; category: string }[];
        keybindings: { command: string; key: string; mac?: string }[];
        configuration: { properties: Record<string, { scope?: string; enum?: string[] }> };
    };
    devDependencies: Record<string, string>;
}

const root = repoRoot();
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const extensionSource = fs.readFileSync(path.join(root, 'extension', 'src', 'extension.ts'), 'utf8');

describe('package.json manifest', () => {
    test('every contributed command is registered in extension.ts, and every registered one is contributed', () => {
        const contributed = manifest.contributes.commands.map(c => c.command).sort();
        const registered = [...extensionSource.matchAll(/command\('(wispr\.[A-Za-z]+)'/g)].map(m => m[1]).sort();
        assert.deepEqual(registered, contributed);
        for (const c of manifest.contributes.commands) {
            assert.equal(c.category, 'Wispr', c.command);
            assert.ok(manifest.activationEvents.includes(`onCommand:${c.command}`), `activation event for ${c.command}`);
        }
        assert.ok(manifest.activationEvents.includes('onStartupFinished'));
    });

    test('settings', () => {
        const p = manifest.contributes.configuration.properties;
        for (const key of ['wispr.sidecar.path', 'wispr.whisper.modelPath', 'wispr.insertion.mode', 'wispr.audio.source', 'wispr.audio.wavFile', 'wispr.trace.server']) {
            assert.ok(p[key], `missing setting ${key}`);
        }
        assert.equal(p['wispr.sidecar.path'].scope, 'machine-overridable');
        assert.deepEqual(p['wispr.insertion.mode'].enum, ['text', 'comment']);
        assert.deepEqual(p['wispr.audio.source'].enum, ['wavFile']);
    });

    test('toggle keybinding', () => {
        const k = manifest.contributes.keybindings.find(b => b.command === 'wispr.toggleDictation');
        assert.equal(k?.key, 'ctrl+alt+space');
        assert.equal(k?.mac, 'cmd+alt+space');
    });

    test('main points at the compiled entry point, and @types/vscode does not pass the engine', () => {
        assert.ok(fs.existsSync(path.join(root, manifest.main)), `${manifest.main} is built`);
        assert.equal(manifest.engines.vscode, '^1.90.0');
        assert.match(manifest.devDependencies['@types/vscode'], /^~?1\.90\./);
    });
});
