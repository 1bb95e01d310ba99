import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { INDICATOR_TEXT_MAX, indicatorLabel } from '../../../extension/src/ui/indicatorLabel';
import { soundPlayerFor } from '../../../extension/src/ui/soundPlayer';
import { repoRoot } from '../repoRoot';
import { settingsOf } from './manifestSettings';

describe('cursor indicator label', () => {
    test('names the phase', () => {
        assert.equal(indicatorLabel('listening'), '● Listening…');
        assert.equal(indicatorLabel('transcribing'), '◌ Transcribing…');
    });

    test('carries live text on one line, showing the end of a long one', () => {
        assert.equal(indicatorLabel('listening', 'ask not\nwhat   your country'), '● ask not what your country');
        const long = 'word '.repeat(40).trim();
        const label = indicatorLabel('listening', long);
        assert.equal(label.length, INDICATOR_TEXT_MAX + 2, 'mark, space, then at most INDICATOR_TEXT_MAX characters');
        assert.ok(label.startsWith('● …') && label.endsWith('word'), label);
        assert.equal(indicatorLabel('transcribing', '  '), '◌ Transcribing…', 'blank text is no text');
    });
});

describe('start/stop sounds', () => {
    test('each desktop platform has a player; the cue files ship', () => {
        const root = repoRoot();
        for (const cue of ['start', 'stop']) {
            const file = path.join(root, 'assets', 'sounds', `${cue}.wav`);
            assert.equal(fs.readFileSync(file).subarray(0, 4).toString('latin1'), 'RIFF', `${file} is a WAV file`);
        }
        assert.deepEqual(soundPlayerFor('linux', '/x/start.wav'), { command: 'paplay', args: ['/x/start.wav'] });
        assert.deepEqual(soundPlayerFor('darwin', '/x/start.wav'), { command: 'afplay', args: ['/x/start.wav'] });
        const win = soundPlayerFor('win32', "C:\\Users\\o'neil\\start.wav");
        assert.equal(win?.command, 'powershell.exe');
        assert.match(win?.args.at(-1) ?? '', /SoundPlayer 'C:\\Users\\o''neil\\start\.wav'\)\.PlaySync\(\)$/, 'quotes escaped for PowerShell');
        assert.equal(soundPlayerFor('aix', '/x/start.wav'), undefined);
    });
});

describe('palette and status bar contributions', () => {
    interface Menus { commandPalette: { command: string; when: string }[] }
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as {
        contributes: { menus: Menus; configuration: { properties: Record<string, { default?: unknown }> }[] };
    };

    test('Stop and Cancel appear in the palette only while a dictation runs', () => {
        const when = (command: string) => manifest.contributes.menus.commandPalette.find(m => m.command === command)?.when;
        assert.equal(when('wispr.stopDictation'), 'wispr.dictationStage == listening');
        assert.equal(when('wispr.cancelDictation'), 'wispr.dictating');
        const source = fs.readFileSync(path.join(repoRoot(), 'extension', 'src', 'extension.ts'), 'utf8');
        assert.match(source, /setContext', 'wispr\.dictationStage'/, 'the context key the when-clause reads is set');
        assert.match(source, /setContext', 'wispr\.dictating'/);
    });

    test('the sound is off by default; the grace period is a setting', () => {
        const p = settingsOf(manifest);
        assert.equal(p['wispr.feedback.sound'].default, false);
        assert.equal(p['wispr.pushToTalk.graceMs'].default, 650);
        assert.equal(p['wispr.pushToTalk.releaseMs'].default, 150);
    });
});
