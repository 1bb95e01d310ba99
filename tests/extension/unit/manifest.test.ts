import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../repoRoot';
import { settingsOf } from './manifestSettings';

interface Manifest {
    main: string;
    engines: { vscode: string };
    activationEvents: string[];
    contributes: {
        commands: { command: string; category: string }[];
        keybindings: { command: string; key: string; mac?: string }[];
        configuration: { title: string; properties: Record<string, { scope?: string; enum?: string[]; default?: unknown }> }[];
    };
    capabilities?: { untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] } };
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
        const p = settingsOf(manifest);
        for (const key of ['wispr.sidecar.path', 'wispr.whisper.modelPath', 'wispr.insertion.mode', 'wispr.audio.source', 'wispr.audio.wavFile', 'wispr.trace.server',
            'wispr.audio.device', 'wispr.audio.maxRecordingSeconds', 'wispr.handsFree.enabled', 'wispr.handsFree.silenceMs']) {
            assert.ok(p[key], `missing setting ${key}`);
        }
        assert.equal(p['wispr.sidecar.path'].scope, 'machine', 'a program to run is never a workspace\'s choice');
        assert.deepEqual(p['wispr.insertion.mode'].enum, ['text', 'comment']);
        assert.deepEqual(p['wispr.audio.source'].enum, ['microphone', 'wavFile']);
        assert.equal(p['wispr.audio.source'].default, 'microphone');
        assert.equal(p['wispr.audio.maxRecordingSeconds'].default, 600);
        assert.ok(manifest.contributes.commands.some(c => c.command === 'wispr.chooseMicrophone'), 'the Choose Microphone command');
        assert.deepEqual(p['wispr.cleanup.mode'].enum, ['off', 'rules', 'llm']);
        assert.equal(p['wispr.cleanup.mode'].default, 'rules');
        assert.deepEqual(p['wispr.cleanup.provider'].enum, ['openai', 'gemini']);
        assert.equal(p['wispr.cleanup.baseUrl'].default, '');
        assert.equal(p['wispr.cleanup.timeoutMs'].default, 5000);
        assert.equal(p['wispr.vocabulary.dictionaryFile'].default, '.vscode/wispr-dictionary.txt');
        for (const key of ['wispr.cleanup.model', 'wispr.vocabulary.enabled']) {
            assert.ok(p[key], `missing setting ${key}`);
        }
        assert.ok(!Object.keys(p).some(k => /key/i.test(k) && k.startsWith('wispr.cleanup')), 'no API key setting: keys live in SecretStorage');
    });

    test('Restricted Mode: dictation works, and an untrusted workspace\'s values for paths and destinations are ignored', () => {
        const u = manifest.capabilities?.untrustedWorkspaces;
        assert.equal(u?.supported, 'limited');
        assert.ok(u?.description);
        const p = settingsOf(manifest);
        for (const key of ['wispr.sidecar.path', 'wispr.whisper.modelPath', 'wispr.parakeet.modelPath', 'wispr.audio.source',
            'wispr.audio.device', 'wispr.audio.wavFile',
            'wispr.cleanup.mode', 'wispr.cleanup.provider', 'wispr.cleanup.baseUrl', 'wispr.cleanup.model', 'wispr.vocabulary.dictionaryFile']) {
            assert.ok(u?.restrictedConfigurations?.includes(key), `${key} is restricted`);
        }
        for (const key of u?.restrictedConfigurations ?? []) {
            assert.ok(p[key], `${key} is a contributed setting`);
        }
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

    test('the VAD model and its licence ship with the sidecar (build/package.mjs packages extension/bin/<rid>/)', () => {
        for (const file of ['assets/models/silero_vad.onnx', 'assets/models/silero_vad.LICENSE']) {
            assert.ok(fs.existsSync(path.join(root, file)), `${file} is in the repository`);
        }
        const csproj = fs.readFileSync(path.join(root, 'sidecar', 'Wispr.Sidecar', 'Wispr.Sidecar.csproj'), 'utf8');
        assert.match(csproj, /silero_vad\.onnx" Link="models\\silero_vad\.onnx" CopyToOutputDirectory="PreserveNewest"/,
            'copied next to the sidecar (build and publish output), where SileroVad.DefaultModelPath looks');
        const built = path.join(root, 'sidecar', 'Wispr.Sidecar', 'bin', 'Debug', 'net10.0', 'models', 'silero_vad.onnx');
        if (fs.existsSync(path.dirname(path.dirname(built)))) {
            assert.ok(fs.existsSync(built), `${built} after dotnet build`);
        }
    });
});
