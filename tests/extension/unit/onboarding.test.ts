// The first-run face in package.json: settings in titled sections in the user's words, palette commands shown only where
// they can run, the walkthrough's steps and files, and the language helpers.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { isEnglishOnlyModel, languageToSend, LANGUAGES, needsMultilingualModel, normalizeLanguage } from '../../../extension/src/language/languages';
import { repoRoot } from '../repoRoot';

interface Setting {
    description?: string;
    markdownDescription?: string;
    enumDescriptions?: string[];
    markdownEnumDescriptions?: string[];
    order?: number;
}
interface Step { id: string; title: string; description: string; media: { markdown?: string; image?: string }; completionEvents?: string[] }
interface Manifest {
    icon: string;
    categories: string[];
    keywords: string[];
    activationEvents: string[];
    contributes: {
        commands: { command: string; title: string; category: string }[];
        configuration: { id: string; title: string; order: number; properties: Record<string, Setting> }[];
        menus: { commandPalette: { command: string; when: string }[] };
        walkthroughs: { id: string; title: string; steps: Step[] }[];
    };
}

const root = repoRoot();
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const extensionSource = fs.readFileSync(path.join(root, 'extension', 'src', 'extension.ts'), 'utf8');

/** Evaluates the small when-clause language the palette entries use: `!key`, `key`, `key == v`, `key != v`, `&&`, `||`. */
function evaluate(when: string, keys: Record<string, string | boolean>): boolean {
    return when.split('||').some(any => any.split('&&').every(term => {
        const t = term.trim();
        const cmp = /^([\w.]+)\s*(==|!=)\s*([\w.]+)$/.exec(t);
        if (cmp) {
            return (String(keys[cmp[1]]) === cmp[3]) === (cmp[2] === '==');
        }
        const not = t.startsWith('!');
        const value = Boolean(keys[not ? t.slice(1) : t]);
        return not ? !value : value;
    }));
}

describe('settings sections', () => {
    test('six titled sections, every setting in one of them, in order', () => {
        const sections = manifest.contributes.configuration;
        assert.deepEqual(sections.map(s => s.title), ['Dictation', 'Push-to-talk', 'Microphone', 'Models & Language', 'Cleanup', 'Advanced']);
        assert.deepEqual(sections.map(s => s.order), [1, 2, 3, 4, 5, 6]);
        const keys = sections.flatMap(s => Object.keys(s.properties));
        assert.equal(new Set(keys).size, keys.length, 'no setting in two sections');
        for (const s of sections) {
            const orders = Object.values(s.properties).map(p => p.order);
            assert.deepEqual(orders, orders.map((_, i) => i + 1), `${s.title}: settings have an order`);
        }
        assert.ok(sections.find(s => s.title === 'Models & Language')?.properties['wispr.language'], 'the language is with the models');
    });

    test('descriptions are in the user\'s words: no internal names', () => {
        for (const s of manifest.contributes.configuration) {
            for (const [key, p] of Object.entries(s.properties)) {
                const texts = [p.description, p.markdownDescription, ...(p.enumDescriptions ?? []), ...(p.markdownEnumDescriptions ?? [])].filter(Boolean) as string[];
                assert.ok(texts.length > 0, `${key} is described`);
                for (const t of texts) {
                    // Code spans are what the user types (an environment variable's name), not words we use.
                    assert.doesNotMatch(t.replace(/`[^`]*`/g, ''), /sidecar|\bRPC\b|recycleProcessOnSwitch/i, `${key}: "${t}"`);
                }
            }
        }
    });

    test('wispr.language: auto by default, codes only', () => {
        const p = manifest.contributes.configuration.flatMap(s => Object.entries(s.properties)).find(([k]) => k === 'wispr.language')?.[1] as Setting & { default: string; pattern: string };
        assert.equal(p.default, 'auto');
        const pattern = new RegExp(p.pattern);
        assert.ok(pattern.test('auto') && pattern.test('de') && !pattern.test('German') && !pattern.test(''));
    });
});

describe('palette', () => {
    const palette = manifest.contributes.menus.commandPalette;
    const contributed = new Set(manifest.contributes.commands.map(c => c.command));
    const stages = ['idle', 'listening', 'transcribing'];
    const keysFor = (stage: string) => ({ 'wispr.dictationStage': stage, 'wispr.dictating': stage !== 'idle' });
    const visible = (command: string) => stages.filter(stage => {
        const entry = palette.find(m => m.command === command);
        return !entry || evaluate(entry.when, keysFor(stage));
    });

    test('every entry names a contributed command and reads only the context keys the extension sets, with real values', () => {
        for (const m of palette) {
            assert.ok(contributed.has(m.command), m.command);
            for (const key of m.when.match(/[A-Za-z][\w]*\.[\w.]+/g) ?? []) {
                assert.ok(['wispr.dictationStage', 'wispr.dictating'].includes(key), `${m.command} reads ${key}`);
                assert.match(extensionSource, new RegExp(`setContext', '${key.replace('.', '\\.')}'`), `${key} is set by the extension`);
            }
            for (const value of [...m.when.matchAll(/[!=]=\s*(\w+)/g)].map(v => v[1])) {
                assert.ok(stages.includes(value), `${m.command}: ${value} is a dictation stage`);
            }
        }
    });

    test('each command is offered exactly where it can run', () => {
        assert.deepEqual(visible('wispr.startDictation'), ['idle']);
        assert.deepEqual(visible('wispr.stopDictation'), ['listening']);
        assert.deepEqual(visible('wispr.cancelDictation'), ['listening', 'transcribing']);
        assert.deepEqual(visible('wispr.toggleDictation'), ['idle', 'listening']);
        assert.deepEqual(visible('wispr.chooseModel'), ['idle'], 'a model cannot change under a dictation (Busy)');
        assert.deepEqual(visible('wispr.switchBackend'), ['idle']);
        assert.deepEqual(visible('wispr.chooseLanguage'), stages);
        assert.deepEqual(visible('wispr.showLogs'), stages);
    });

    test('every command is under the Wispr category, with a title in title case and no internal word', () => {
        for (const c of manifest.contributes.commands) {
            assert.equal(c.category, 'Wispr', c.command);
            assert.doesNotMatch(c.title, /sidecar/i, c.command);
            assert.match(c.title, /^[A-Z]/, c.command);
        }
    });
});

describe('walkthrough and the Marketplace face', () => {
    const walkthrough = manifest.contributes.walkthroughs[0];

    test('the walkthrough: model, microphone, a dictation, hold versus tap; each step\'s page exists and is small', () => {
        assert.equal(walkthrough.id, 'wispr.gettingStarted');
        assert.match(extensionSource, /WALKTHROUGH_ID = 'wispr\.gettingStarted'/, 'Get Started opens this one');
        assert.deepEqual(walkthrough.steps.map(s => s.id), ['chooseModel', 'chooseMicrophone', 'tryDictation', 'holdOrTap']);
        assert.match(walkthrough.steps[0].description, /command:wispr\.chooseModel/);
        assert.match(walkthrough.steps[1].description, /command:wispr\.chooseMicrophone/);
        for (const step of walkthrough.steps) {
            const media = step.media.markdown ?? step.media.image;
            assert.ok(media, `${step.id} has media`);
            const file = path.join(root, media);
            assert.ok(fs.existsSync(file), `${media} exists`);
            assert.ok(fs.statSync(file).size < 16 * 1024, `${media} is small`);
            for (const link of step.description.matchAll(/command:([\w.]+)/g)) {
                assert.ok(manifest.contributes.commands.some(c => c.command === link[1]), `${step.id} links ${link[1]}`);
            }
        }
        const packaging = fs.readFileSync(path.join(root, 'build', 'package.mjs'), 'utf8');
        assert.match(packaging, /'!assets\/walkthrough\/\*\*'/, 'the .vsix carries the walkthrough pages');
    });

    test('icon, categories, keywords, changelog, and the README the Extensions view shows is for users', () => {
        const icon = fs.readFileSync(path.join(root, manifest.icon));
        assert.equal(icon.subarray(1, 4).toString(), 'PNG');
        assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128], 'a 128×128 PNG');
        assert.ok(manifest.categories.length >= 2 && manifest.keywords.includes('dictation'));
        assert.ok(fs.existsSync(path.join(root, 'CHANGELOG.md')));
        const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
        const developers = readme.indexOf('## Developers');
        assert.ok(developers > 0, 'a short Developers section');
        assert.match(readme.slice(developers), /bash scripts\/dictate-sample\.sh[\s\S]*bash scripts\/test-all\.sh[\s\S]*CONTRIBUTING\.md/);
        assert.doesNotMatch(readme.slice(0, developers), /\.NET (10 )?SDK|dotnet build|xunit/i, 'no developer prerequisites before the Developers section');
        assert.ok(developers < 3000, 'the developer commands are near the top, after the two-minute start');
        const packaging = fs.readFileSync(path.join(root, 'build', 'package.mjs'), 'utf8');
        for (const image of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
            assert.ok(fs.existsSync(path.join(root, image[1])), `${image[1]} exists`);
            assert.ok(packaging.includes(`'!${path.dirname(image[1])}/**'`), `${image[1]} is in the .vsix, where the Extensions view finds it`);
        }
    });
});

describe('language helpers', () => {
    test('the setting is normalised; unusable values mean auto', () => {
        assert.equal(normalizeLanguage('DE'), 'de');
        assert.equal(normalizeLanguage(' fr '), 'fr');
        assert.equal(normalizeLanguage('German'), 'auto');
        assert.equal(normalizeLanguage(undefined), 'auto');
        assert.equal(new Set(LANGUAGES.map(l => l.code)).size, LANGUAGES.length);
    });

    test('English-only models: whisper *.en files (and the default), Parakeet v2; multilingual: other files, Parakeet v3', () => {
        const whisper = (p: string | null) => ({ backend: 'whisper', model: p ? { path: p, loaded: true, sizeBytes: 1 } : null });
        assert.equal(isEnglishOnlyModel(undefined), true);
        assert.equal(isEnglishOnlyModel(whisper(null)), true);
        assert.equal(isEnglishOnlyModel(whisper('/m/ggml-base.en.bin')), true);
        assert.equal(isEnglishOnlyModel(whisper('/m/ggml-tiny.en-q5_1.bin')), true);
        assert.equal(isEnglishOnlyModel(whisper('/m/ggml-large-v3-turbo.bin')), false);
        assert.equal(isEnglishOnlyModel(whisper('C:\\m\\ggml-small.bin')), false);
        assert.equal(isEnglishOnlyModel({ backend: 'parakeet', model: { path: '/c/parakeet-tdt-0.6b-v2', loaded: false, sizeBytes: null } }), true);
        assert.equal(isEnglishOnlyModel({ backend: 'parakeet', model: { path: '/c/parakeet-tdt-0.6b-v3', loaded: false, sizeBytes: null } }), false);
    });

    test('what is sent, and when a multilingual model is suggested', () => {
        assert.equal(languageToSend('auto', true), 'en');
        assert.equal(languageToSend('auto', false), 'auto');
        assert.equal(languageToSend('de', true), 'de');
        assert.equal(needsMultilingualModel('de', true), true);
        assert.equal(needsMultilingualModel('de', false), false);
        assert.equal(needsMultilingualModel('en', true), false);
        assert.equal(needsMultilingualModel('auto', true), false);
    });
});
