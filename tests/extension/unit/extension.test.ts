// activate() and the commands end to end under plain node: a mock `vscode` module and the fake sidecar over real stdio.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as Extension from '../../../extension/src/extension';
import type * as StatusBarModule from '../../../extension/src/ui/statusBar';
import type * as NotifyModule from '../../../extension/src/ui/notify';
import type * as DiagnosticsModule from '../../../extension/src/ui/diagnostics';
import type * as CommentSyntaxModule from '../../../extension/src/dictation/commentSyntax';
import type * as SidecarProcessModule from '../../../extension/src/sidecar/sidecarProcess';
import type * as SidecarStateModule from '../../../extension/src/sidecar/sidecarState';
import type * as VscodeMock from '../fixtures/vscodeMock';
import type { DictationStartRequest } from '../../../extension/src/sidecar/protocol';
import { repoRoot } from '../repoRoot';
import { withTimeout } from '../waitFor';
import { writeSilentWav } from '../wav';

// Route `require('vscode')` to the mock before the extension is loaded.
const mockPath = path.join(__dirname, '..', 'fixtures', 'vscodeMock.js');
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const originalResolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? mockPath : originalResolve.call(this, request, ...rest);
};
const vscode = require(mockPath) as typeof VscodeMock;
const extension = require('../../../extension/src/extension') as typeof Extension;
const { mock, MockDocument, MockEditor, cursor, EndOfLine } = vscode;

const root = repoRoot();
const TEXT = 'hello from the fake sidecar';
let tmp: string;
let wav: string;
/** What the fake sidecar received (FAKE_SIDECAR_RECORD): one JSON line per recorded request. */
let recordFile: string;
let globalState: VscodeMock.MockMemento;
const subscriptions: { dispose(): unknown }[] = [];

function received(kind: string): { params: { dictationId?: string; [key: string]: unknown } }[] {
    const lines = fs.existsSync(recordFile) ? fs.readFileSync(recordFile, 'utf8').split('\n').filter(l => l.length > 0) : [];
    return lines.map(l => JSON.parse(l) as { kind: string; params: { dictationId?: string } }).filter(r => r.kind === kind);
}

const lastStoppedId = () => received('dictation/stop').at(-1)?.params.dictationId;
const confirmed = (id: string) => received('dictation/delivered').some(r => r.params.dictationId === id);

/** Waits until the extension has confirmed dictation `id` as delivered (the fake records dictation/delivered as it arrives). */
function waitForConfirmation(id: string): Promise<void> {
    return withTimeout(new Promise<void>(resolve => {
        const poll = setInterval(() => { if (confirmed(id)) { clearInterval(poll); resolve(); } }, 10);
    }), 10_000, () => `dictation/delivered for ${id} never arrived. Log:\n${mock.log.join('\n')}`);
}

function waitForStatus(predicate: (text: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    if (predicate(mock.statusBarText)) {
        return Promise.resolve(mock.statusBarText);
    }
    let subscription: { dispose(): unknown } | undefined;
    return withTimeout(
        new Promise<string>(resolve => {
            subscription = mock.statusBarChanges.event(text => {
                if (predicate(text)) {
                    resolve(text);
                }
            });
        }),
        timeoutMs,
        () => `status bar never showed ${what}; it shows "${mock.statusBarText}". Log:\n${mock.log.join('\n')}`,
    ).finally(() => subscription?.dispose());
}

/** Waits until the backend's status item shows `label` and the main item is ready. */
async function waitForBackend(label: string, what: string): Promise<void> {
    const shows = () => mock.statusItems.get('wispr.backend')?.text === `$(server-process) ${label}`;
    if (!shows()) {
        let subscription: { dispose(): unknown } | undefined;
        await withTimeout(
            new Promise<void>(resolve => {
                subscription = mock.statusItemChanges.event(() => shows() && resolve());
            }),
            10_000,
            () => `the backend item never showed ${what}; it shows "${mock.statusItems.get('wispr.backend')?.text}". Log:\n${mock.log.join('\n')}`,
        ).finally(() => subscription?.dispose());
    }
    await waitForStatus(isIdle, `ready with ${label}`);
}

const isIdle = (t: string) => t === '$(mic) Wispr: Ready';
const run = (id: string, ...args: unknown[]) => vscode.commands.executeCommand(id, ...args);

/** Starts a dictation in a Python editor, then closes that editor (the words can only go to the clipboard and the history). */
async function startThenCloseTheEditor(): Promise<InstanceType<typeof MockEditor>> {
    const editor = new MockEditor(new MockDocument(['x'], 'python'), [cursor(0, 1)]);
    mock.setEditor(editor);
    await run('wispr.startDictation');
    editor.document.isClosed = true;
    mock.setEditor(undefined);
    return editor;
}

async function dictate(): Promise<void> {
    await run('wispr.startDictation');
    assert.match(mock.statusBarText, /Listening/);
    await run('wispr.stopDictation');
}

describe('extension (mock vscode, fake sidecar)', { timeout: 60_000 }, () => {
    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-ext-'));
        // The extension spawns WISPR_SIDECAR_PATH directly, so wrap "node fakeSidecar.js" in a script.
        const fake = path.join(__dirname, '..', 'fixtures', 'fakeSidecar.js');
        const wrapper = path.join(tmp, process.platform === 'win32' ? 'fake-sidecar.cmd' : 'fake-sidecar');
        fs.writeFileSync(wrapper, process.platform === 'win32'
            ? `@"${process.execPath}" "${fake}" %*\r\n`
            : `#!/bin/sh\nexec "${process.execPath}" "${fake}" "$@"\n`, { mode: 0o755 });
        process.env.WISPR_SIDECAR_PATH = wrapper;
        delete process.env.FAKE_SIDECAR_MODE;
        recordFile = path.join(tmp, 'received.jsonl');
        process.env.FAKE_SIDECAR_RECORD = recordFile;
        mock.reset();
        wav = path.join(tmp, 'speech.wav');
        writeSilentWav(wav, 1500);
        mock.config.set('wispr.audio.source', 'wavFile'); // the microphone tests below switch to the microphone
        mock.config.set('wispr.audio.wavFile', wav);
        const context = {
            subscriptions,
            extensionPath: root,
            asAbsolutePath: (p: string) => path.join(root, p),
            extension: { packageJSON: { version: '0.0.1' } },
            globalState: globalState = new vscode.MockMemento(),
            secrets: new vscode.MockSecretStorage(),
        };
        extension.activate(context as unknown as Parameters<typeof extension.activate>[0]);
        await waitForStatus(isIdle, 'the idle backend after start-up');
    });

    after(async () => {
        await extension.deactivate();
        for (const d of subscriptions.splice(0)) {
            d.dispose();
        }
        delete process.env.WISPR_SIDECAR_PATH;
        delete process.env.FAKE_SIDECAR_MODE;
        delete process.env.FAKE_SIDECAR_RECORD;
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    test('registers every command and shows the backend once the sidecar is ready', () => {
        assert.ok(mock.commands.has('wispr.toggleDictation'));
        assert.equal(mock.statusBarText, '$(mic) Wispr: Ready', 'the status item names the product and its state');
        assert.equal(mock.statusBarCommand, 'wispr.startDictation', 'a click starts dictation');
        assert.deepEqual(mock.statusItems.get('wispr.backend'), { text: '$(server-process) Whisper', command: 'wispr.switchBackend', visible: true },
            'the backend has its own item, whose click switches backends');
        assert.ok(mock.log.some(l => /Sidecar 0\.0\.0-fake ready/.test(l)), 'logs the ready line');
        assert.ok(mock.log.some(l => /\[sidecar\] info: Fake\.Sidecar\[0\]/.test(l)), 'forwards the sidecar stderr');
    });

    test('comment mode: inserts a comment at the cursor, in one undoable edit', async () => {
        mock.config.set('wispr.insertion.mode', 'comment');
        const editor = new MockEditor(new MockDocument(['def f():', '    '], 'python'), [cursor(1, 4)]);
        mock.setEditor(editor);
        await dictate();
        assert.deepEqual(editor.document.lines, ['def f():', `    # ${TEXT}`]);
        assert.equal(editor.edits.length, 1);
        assert.deepEqual(editor.edits[0].options, { undoStopBefore: true, undoStopAfter: true });
        assert.ok(isIdle(mock.statusBarText));
    });

    test('the recording is kept until the text is inserted: start asks for confirmDelivery, and the insertion confirms it', async () => {
        mock.config.set('wispr.insertion.mode', 'text');
        const editor = new MockEditor(new MockDocument(['x '], 'plaintext'), [cursor(0, 2)]);
        mock.setEditor(editor);
        await dictate();
        assert.deepEqual(editor.document.lines, [`x ${TEXT}`]);
        assert.equal(received('dictation/start').at(-1)?.params.confirmDelivery, true);
        const id = lastStoppedId();
        assert.ok(id, 'a stop was received');
        await waitForConfirmation(id);
    });

    test('editor closed and the history cannot store the text: no confirmation, so the recording stays for recovery', async () => {
        await startThenCloseTheEditor();
        const update = globalState.update;
        let failed!: () => void;
        const historyFailed = new Promise<void>(resolve => { failed = resolve; });
        globalState.update = () => {
            setImmediate(failed); // once the controller has seen the failure and decided
            return Promise.reject(new Error('disk full'));
        };
        try {
            await run('wispr.stopDictation');
            await withTimeout(historyFailed, 10_000, () => 'the history was never written');
        } finally {
            globalState.update = update;
        }
        assert.equal(mock.clipboard, TEXT, 'the words are on the clipboard');
        const unkept = lastStoppedId();
        assert.ok(unkept, 'a stop was received');
        // The next dictation's confirmation arrives; the one whose words nothing kept was never confirmed before it.
        mock.setEditor(new MockEditor(new MockDocument(['y '], 'plaintext'), [cursor(0, 2)]));
        await dictate();
        const next = lastStoppedId();
        assert.ok(next && next !== unkept);
        await waitForConfirmation(next);
        assert.equal(confirmed(unkept), false, 'no dictation/delivered: the clipboard keeps nothing, the recording stays for recovery');
        assert.ok(mock.log.some(l => /history could not be saved: disk full/.test(l)), 'the history failure is logged');
    });

    test('text mode: every cursor gets the text, still one edit', async () => {
        mock.config.set('wispr.insertion.mode', 'text');
        const editor = new MockEditor(new MockDocument(['a ', 'b '], 'plaintext', EndOfLine.CRLF), [cursor(0, 2), cursor(1, 2)]);
        mock.setEditor(editor);
        await dictate();
        assert.deepEqual(editor.document.lines, [`a ${TEXT}`, `b ${TEXT}`]);
        assert.equal(editor.edits.length, 1);
        assert.equal(editor.edits[0].replacements.length, 2);
    });

    test('a WAV source that plays to its end is transcribed and inserted without a stop', async () => {
        mock.config.set('wispr.insertion.mode', 'text');
        const ends = path.join(tmp, 'ends-at-once.wav');
        writeSilentWav(ends, 500);
        mock.config.set('wispr.audio.wavFile', ends);
        try {
            const editor = new MockEditor(new MockDocument(['x '], 'plaintext'), [cursor(0, 2)]);
            mock.setEditor(editor);
            await run('wispr.startDictation');
            await waitForStatus(isIdle, 'idle after the source ended');
            await withTimeout(new Promise<void>(resolve => {
                const poll = setInterval(() => { if (editor.edits.length) { clearInterval(poll); resolve(); } }, 10);
            }), 10_000, () => 'no insertion after sourceEnded');
            assert.deepEqual(editor.document.lines, [`x ${TEXT}`]);
        } finally {
            mock.config.set('wispr.audio.wavFile', wav);
        }
    });

    test('the editor was closed during dictation: the words go to the clipboard, with a message', async () => {
        const editor = await startThenCloseTheEditor();
        mock.messages = [];
        await run('wispr.stopDictation');
        assert.equal(mock.clipboard, TEXT);
        assert.equal(mock.messages.length, 1);
        assert.match(mock.messages[0].text, /closed.*clipboard.*hello from the fake sidecar/);
        assert.equal(editor.edits.length, 0);
        assert.equal(globalState.get<{ text: string }[]>('wispr.history')?.[0]?.text, TEXT, 'the history holds the words');
        const id = lastStoppedId();
        assert.ok(id);
        await waitForConfirmation(id); // stored in the history: confirmed as delivered
    });

    test('no editor at all: clipboard', async () => {
        mock.setEditor(undefined);
        mock.clipboard = '';
        await dictate();
        assert.equal(mock.clipboard, TEXT);
    });

    test('a sidecar error is shown by its code and the sidecar keeps serving', async () => {
        mock.config.set('wispr.audio.wavFile', path.join(tmp, 'missing.wav'));
        mock.messages = [];
        await run('wispr.startDictation');
        assert.equal(mock.messages.length, 1);
        assert.equal(mock.messages[0].severity, 'error');
        assert.match(mock.messages[0].text, /^Wispr: the audio file was not found: No such file/);
        assert.deepEqual(mock.messages[0].items, ['Choose File…', 'Open Setting']);
        assert.ok(isIdle(mock.statusBarText));
        mock.config.set('wispr.audio.wavFile', wav);
        mock.setEditor(undefined);
        await dictate();
        assert.equal(mock.clipboard, TEXT);
    });

    test('stop when nothing runs does nothing; cancel discards', async () => {
        mock.messages = [];
        await run('wispr.stopDictation');
        assert.deepEqual(mock.messages, []);
        await run('wispr.startDictation');
        await run('wispr.cancelDictation');
        assert.ok(isIdle(mock.statusBarText));
    });

    test('cancel while transcribing cancels the stop request, silently', async () => {
        process.env.FAKE_SIDECAR_SLOW_STOP = '1';
        try {
            await run('wispr.restartSidecar');
            mock.messages = [];
            await run('wispr.startDictation');
            const stopping = run('wispr.stopDictation');
            await waitForStatus(t => /Transcribing/.test(t), 'transcribing');
            await run('wispr.cancelDictation');
            await withTimeout(stopping, 5_000, () => `the stop request was not cancelled. Log:\n${mock.log.slice(-15).join('\n')}`);
            assert.deepEqual(mock.messages, []);
            assert.ok(isIdle(mock.statusBarText));
        } finally {
            delete process.env.FAKE_SIDECAR_SLOW_STOP;
            await run('wispr.restartSidecar');
        }
    });

    test('while a dictation runs: the indicator at each cursor, the context keys, and a status item that stops or cancels', async () => {
        mock.config.set('wispr.insertion.mode', 'text');
        const editor = new MockEditor(new MockDocument(['one ', 'two '], 'plaintext'), [cursor(0, 4), cursor(1, 4)]);
        mock.setEditor(editor);
        process.env.FAKE_SIDECAR_SLOW_STOP = '1'; // the stop's transcription lasts until cancelled
        try {
            await run('wispr.restartSidecar');
            await waitForStatus(isIdle, 'ready');
            assert.equal(mock.contextKeys.get('wispr.dictating'), false);
            await run('wispr.startDictation');
            const shown = () => [...editor.decorations.values()].flat();
            assert.deepEqual(shown().map(d => [d.range.start, d.contentText]),
                [[{ line: 0, character: 4 }, '● Listening…'], [{ line: 1, character: 4 }, '● Listening…']], 'one indicator per cursor');
            assert.deepEqual(editor.document.lines, ['one ', 'two '], 'the indicator is not in the document');
            assert.equal(mock.contextKeys.get('wispr.dictationStage'), 'listening');
            assert.equal(mock.contextKeys.get('wispr.dictating'), true);
            assert.equal(mock.statusBarCommand, 'wispr.stopDictation', 'a click on "Wispr: Listening" stops and inserts');
            const stopping = run('wispr.stopDictation');
            await waitForStatus(t => t === '$(sync~spin) Wispr: Transcribing', 'transcribing');
            assert.deepEqual(shown().map(d => d.contentText), ['◌ Transcribing…', '◌ Transcribing…']);
            assert.equal(mock.contextKeys.get('wispr.dictationStage'), 'transcribing');
            assert.equal(mock.statusBarCommand, 'wispr.cancelDictation', 'a click while transcribing cancels');
            await run(mock.statusBarCommand);
            await stopping;
            await waitForStatus(isIdle, 'ready after cancel');
            assert.deepEqual(shown(), [], 'the indicator is gone');
            assert.deepEqual(editor.document.lines, ['one ', 'two '], 'cancelled: nothing inserted');
            assert.equal(mock.contextKeys.get('wispr.dictating'), false);
        } finally {
            delete process.env.FAKE_SIDECAR_SLOW_STOP;
            await run('wispr.restartSidecar');
            await waitForStatus(isIdle, 'ready after the restart');
        }
    });

    test('the toggle shortcut starts at the first key-down', async () => {
        await run('wispr.toggleDictation');
        await waitForStatus(t => /Listening/.test(t), 'listening after toggle');
        await run('wispr.cancelDictation');
    });

    describe('microphone', () => {
        const waitForInsertion = (editor: InstanceType<typeof MockEditor>, what: string) => withTimeout(new Promise<void>(resolve => {
            const poll = setInterval(() => { if (editor.edits.length) { clearInterval(poll); resolve(); } }, 10);
        }), 10_000, () => `no insertion: ${what}. Log:\n${mock.log.join('\n')}`);
        // From the record file, written before the start is answered (the forwarded stderr line may arrive after the answer).
        const lastStartParams = () => (received('dictation/start').at(-1)?.params ?? {}) as DictationStartRequest.Params;

        before(() => {
            mock.config.set('wispr.audio.source', 'microphone');
            mock.config.set('wispr.insertion.mode', 'text');
        });
        after(() => {
            mock.config.set('wispr.audio.source', 'wavFile');
            mock.config.delete('wispr.audio.device');
            mock.config.delete('wispr.handsFree.enabled');
        });

        test('the default source is the microphone: no device, the 10-minute bound, no VAD', async () => {
            mock.config.delete('wispr.audio.source');
            try {
                await run('wispr.startDictation');
                await waitForStatus(t => /Listening/.test(t), 'listening');
                const { context, ...params } = lastStartParams();
                // wispr.language "auto" on the default English-only model goes as "en" (no detection pass for nothing).
                // confirmDelivery: the sidecar keeps the recording until the text is inserted or in the history.
                assert.deepEqual(params, { language: 'en', source: { kind: 'microphone' }, maxDurationMs: 600_000, confirmDelivery: true });
                assert.equal(context?.mode, 'prose');
                await run('wispr.cancelDictation');
                await waitForStatus(isIdle, 'idle');
                mock.config.set('wispr.language', 'FR');
                await run('wispr.startDictation');
                await waitForStatus(t => /Listening/.test(t), 'listening');
                assert.equal(lastStartParams().language, 'fr', 'a chosen language is sent as it is');
                await run('wispr.cancelDictation');
            } finally {
                mock.config.set('wispr.audio.source', 'microphone');
                mock.config.delete('wispr.language');
            }
        });

        test('the status bar shows that sound arrives, then stop inserts the text', async () => {
            mock.config.set('wispr.audio.device', 'alsa_input.usb');
            const editor = new MockEditor(new MockDocument(['m '], 'plaintext'), [cursor(0, 2)]);
            mock.setEditor(editor);
            await run('wispr.startDictation');
            assert.deepEqual(lastStartParams().source, { kind: 'microphone', device: 'alsa_input.usb' });
            const text = await waitForStatus(t => /Listening [▁▂▃▄▅▆▇█]{3}$/.test(t), 'a level meter');
            assert.match(text, /^\$\(mic-filled\) Wispr: Listening/);
            await run('wispr.stopDictation');
            assert.deepEqual(editor.document.lines, [`m ${TEXT}`]);
        });

        test('a silent input turns the status bar into a warning that opens the microphone chooser', async () => {
            mock.config.set('wispr.audio.device', 'silent-mic');
            await run('wispr.startDictation');
            const text = await waitForStatus(t => /no sound/.test(t), 'the silence warning');
            assert.match(text, /^\$\(warning\) Wispr: Listening, no sound/);
            assert.equal(mock.statusBarCommand, 'wispr.chooseMicrophone');
            await run('wispr.cancelDictation');
            await waitForStatus(isIdle, 'idle after cancel');
            assert.equal(mock.statusBarCommand, 'wispr.startDictation');
        });

        test('Choose Language: the pick goes into wispr.language, the status item shows it, and an English-only model is answered with Choose Model…', async () => {
            const item = () => mock.statusItems.get('wispr.language');
            // Earlier tests set wispr.language in the map directly, without the change event VS Code would send.
            mock.configListeners.fire({ affectsConfiguration: s => s === 'wispr.language' || s === 'wispr' });
            assert.equal(item()?.text, '$(globe) Auto');
            assert.equal(item()?.command, 'wispr.chooseLanguage');
            mock.messages = [];
            mock.pick = items => (items as { label: string; code: string }[]).find(i => i.code === 'de');
            await run('wispr.chooseLanguage');
            mock.pick = undefined;
            assert.equal(mock.config.get('wispr.language'), 'de');
            assert.equal(item()?.text, '$(warning) DE', 'the default model (base.en) cannot hear German');
            const labels = (mock.quickPickItems as { label: string }[]).map(i => i.label);
            assert.equal(labels[0], '$(check) Auto-detect', 'auto-detect first, marked as the current choice');
            const suggestion = (m: { text: string }) => /hears only English/.test(m.text);
            let subscription: { dispose(): unknown } | undefined;
            const warning = mock.messages.find(suggestion) ?? await withTimeout(
                new Promise<VscodeMock.Message>(resolve => { subscription = mock.messageListeners.event(m => suggestion(m) && resolve(m)); }),
                10_000, () => `no suggestion; messages: ${JSON.stringify(mock.messages)}`).finally(() => subscription?.dispose());
            assert.equal(warning.severity, 'warning');
            assert.deepEqual(warning.items, ['Choose Model…']);
            mock.config.delete('wispr.language');
            mock.configListeners.fire({ affectsConfiguration: s => s === 'wispr.language' || s === 'wispr' });
            assert.equal(item()?.text, '$(globe) Auto');
        });

        test('a missing microphone is a clear error offering the chooser; the sidecar keeps serving', async () => {
            mock.config.set('wispr.audio.device', 'missing-mic');
            mock.messages = [];
            await run('wispr.startDictation');
            assert.equal(mock.messages.length, 1);
            assert.equal(mock.messages[0].severity, 'error');
            assert.match(mock.messages[0].text, /^Wispr found no microphone to listen to/);
            assert.ok(mock.log.some(l => /Choose Microphone/.test(l)), 'the sidecar\'s advice is in the log');
            assert.deepEqual(mock.messages[0].items, ['Choose Microphone…', 'Retry', 'Show Logs']);
            assert.ok(isIdle(mock.statusBarText));
        });

        test('a microphone that vanishes mid-recording: a warning, and what was captured is inserted', async () => {
            mock.config.set('wispr.audio.device', 'vanishing-mic');
            const editor = new MockEditor(new MockDocument(['v '], 'plaintext'), [cursor(0, 2)]);
            mock.setEditor(editor);
            mock.messages = [];
            await run('wispr.startDictation');
            await waitForInsertion(editor, 'after the device vanished');
            assert.deepEqual(editor.document.lines, [`v ${TEXT}`]);
            assert.ok(mock.messages.some(m => m.severity === 'warning' && /went away.*Transcribing the 2\.0 s captured so far/.test(m.text)),
                JSON.stringify(mock.messages));
        });

        test('the recording limit: a warning before the cut, then everything is transcribed and inserted', async () => {
            mock.config.set('wispr.audio.device', 'limit-mic');
            const editor = new MockEditor(new MockDocument(['l '], 'plaintext'), [cursor(0, 2)]);
            mock.setEditor(editor);
            mock.messages = [];
            await run('wispr.startDictation');
            await waitForInsertion(editor, 'after the limit');
            assert.deepEqual(editor.document.lines, [`l ${TEXT}`]);
            assert.ok(mock.messages.some(m => m.severity === 'warning' && /stops in 30 s \(maximum length 10 min\)/.test(m.text)), JSON.stringify(mock.messages));
            assert.ok(mock.messages.some(m => /reached its maximum length/.test(m.text)), JSON.stringify(mock.messages));
        });

        test('hands-free: the VAD options go to the sidecar, and its end by silence inserts without a stop', async () => {
            mock.config.set('wispr.audio.device', 'alsa_input.usb');
            mock.config.set('wispr.handsFree.enabled', true);
            mock.config.set('wispr.handsFree.silenceMs', 900);
            try {
                const editor = new MockEditor(new MockDocument(['h '], 'plaintext'), [cursor(0, 2)]);
                mock.setEditor(editor);
                await run('wispr.startDictation');
                assert.deepEqual(lastStartParams().vad, { enabled: true, silenceMs: 900 });
                await waitForInsertion(editor, 'after hands-free silence');
                assert.deepEqual(editor.document.lines, [`h ${TEXT}`]);
            } finally {
                mock.config.delete('wispr.handsFree.enabled');
            }
        });

        test('push-to-talk with the microphone: hold the shortcut (auto-repeat), release, and the text is inserted', async () => {
            mock.config.set('wispr.audio.device', 'alsa_input.usb');
            const editor = new MockEditor(new MockDocument(['p '], 'plaintext'), [cursor(0, 2)]);
            mock.setEditor(editor);
            // Key-down, then the OS auto-repeat every 30 ms for ~0.9 s (past holdMs 500), then nothing: the key was released.
            await run('wispr.toggleDictation');
            for (let i = 0; i < 30; i++) {
                await new Promise(r => setTimeout(r, 30));
                await run('wispr.toggleDictation');
            }
            assert.match(mock.statusBarText, /Listening/);
            await waitForInsertion(editor, 'after the key was released');
            assert.deepEqual(editor.document.lines, [`p ${TEXT}`]);
            await waitForStatus(isIdle, 'idle after push-to-talk');
        });

        test('Choose Microphone lists the devices and stores the choice', async () => {
            mock.config.set('wispr.audio.device', 'alsa_input.usb');
            mock.config.set('wispr.audio.source', 'wavFile');
            mock.pick = items => (items as { label: string }[]).find(i => i.label === 'Built-in Audio');
            try {
                await run('wispr.chooseMicrophone');
                assert.deepEqual((mock.quickPickItems as { label: string }[]).map(i => i.label), ['System default', '$(check) USB Microphone', 'Built-in Audio']);
                assert.equal(mock.config.get('wispr.audio.device'), 'alsa_input.pci');
                assert.equal(mock.config.get('wispr.audio.source'), 'microphone', 'choosing a microphone switches the source to it');
                mock.pick = items => items[0];
                await run('wispr.chooseMicrophone');
                assert.equal(mock.config.get('wispr.audio.device'), '', 'System default clears the device');
            } finally {
                mock.pick = undefined;
            }
        });
    });

    test('wispr.feedback.sound: a rising tone when listening starts, then a falling one when it stops, never overlapping (off by default)', { skip: process.platform !== 'linux' }, async () => {
        // A stand-in for paplay on the PATH records when it began and ended playing which cue; like a real player it takes
        // a while (300 ms), so a stop cue played over the start cue would show as "begin stop" before "end start".
        const bin = path.join(tmp, 'bin');
        const played = path.join(tmp, 'played.txt');
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, 'paplay'), `#!/bin/sh\necho "begin $1" >> "${played}"\nsleep 0.3\necho "end $1" >> "${played}"\n`, { mode: 0o755 });
        const savedPath = process.env.PATH;
        process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
        const cues = () => (fs.existsSync(played) ? fs.readFileSync(played, 'utf8').trim().split('\n').filter(Boolean) : []);
        const waitForCues = (n: number) => withTimeout(new Promise<void>(resolve => {
            const poll = setInterval(() => { if (cues().length >= n) { clearInterval(poll); resolve(); } }, 10);
        }), 10_000, () => `${n} cues expected; played: ${JSON.stringify(cues())}`);
        try {
            mock.setEditor(new MockEditor(new MockDocument(['s '], 'plaintext'), [cursor(0, 2)]));
            await dictate();
            await waitForStatus(isIdle, 'ready');
            assert.deepEqual(cues(), [], 'off by default');
            mock.config.set('wispr.feedback.sound', true);
            await dictate();
            await waitForCues(4);
            const start = path.join(root, 'assets', 'sounds', 'start.wav');
            const stop = path.join(root, 'assets', 'sounds', 'stop.wav');
            // One after the other, in order: the stop cue waits for the start cue's player to exit.
            assert.deepEqual(cues(), [`begin ${start}`, `end ${start}`, `begin ${stop}`, `end ${stop}`]);
        } finally {
            mock.config.delete('wispr.feedback.sound');
            process.env.PATH = savedPath;
        }
    });

    test('insertAsComment flips the insertion mode', async () => {
        mock.config.set('wispr.insertion.mode', 'text');
        await run('wispr.insertAsComment');
        assert.equal(mock.config.get('wispr.insertion.mode'), 'comment');
        await run('wispr.insertAsComment');
        assert.equal(mock.config.get('wispr.insertion.mode'), 'text');
    });

    test('a crash is restarted after a back-off and the sidecar is ready again', async () => {
        process.env.FAKE_SIDECAR_MODE = 'crashOnStart';
        await run('wispr.restartSidecar');
        await waitForStatus(isIdle, 'idle after restart');
        mock.messages = [];
        const crashed = waitForStatus(t => t.startsWith('$(error)'), 'the crashed state');
        await run('wispr.startDictation');
        await crashed;
        assert.equal(mock.messages.length, 1, 'the failed start is reported once');
        assert.ok(mock.log.some(l => /stopped while handling dictation\/start \(exit code 1\)/.test(l)), 'the whole story is in the log');
        await waitForStatus(isIdle, 'ready again after the automatic restart');
        assert.ok(mock.log.some(l => /Restarting the sidecar in 500 ms \(crash 1 of 5\)/.test(l)));
        delete process.env.FAKE_SIDECAR_MODE;
        await run('wispr.restartSidecar');
        await waitForStatus(isIdle, 'idle after restart');
    });

    test('a sidecar that exits with the protocol-error code is reported as such, and restarted', async () => {
        process.env.FAKE_SIDECAR_MODE = 'protocolErrorOnStart';
        await run('wispr.restartSidecar');
        await waitForStatus(isIdle, 'idle after restart');
        mock.messages = [];
        const crashed = waitForStatus(t => t.startsWith('$(error)'), 'the crashed state');
        await run('wispr.startDictation');
        await crashed;
        assert.ok(mock.messages.some(m => /protocol error/.test(m.text)), JSON.stringify(mock.messages));
        assert.ok(mock.log.some(l => /exited unexpectedly \(exit code 4\): protocol error/.test(l)), mock.log.join('\n'));
        await waitForStatus(isIdle, 'ready again after the automatic restart');
        delete process.env.FAKE_SIDECAR_MODE;
        await run('wispr.restartSidecar');
        await waitForStatus(isIdle, 'idle after restart');
    });

    test('comment tokens come from installed extensions\' language configurations, then the built-in table', () => {
        const { CommentSyntaxProvider } = require('../../../extension/src/dictation/commentSyntax') as typeof CommentSyntaxModule;
        const extDir = path.join(tmp, 'some-extension');
        fs.mkdirSync(extDir, { recursive: true });
        fs.writeFileSync(path.join(extDir, 'lang.json'), '{\n // JSONC\n "comments": { "lineComment": { "comment": ";;;" }, "blockComment": ["#|", "|#"], },\n}');
        fs.writeFileSync(path.join(extDir, 'broken.json'), '{ "comments": ');
        const all = vscode.extensions.all as unknown[];
        all.push(
            { extensionPath: extDir, packageJSON: { contributes: { languages: [{ id: 'wisprlang', configuration: './lang.json' }, { id: 'python', configuration: './broken.json' }] } } },
            { extensionPath: extDir, packageJSON: { contributes: { languages: 'not an array' } } },
        );
        const log = vscode.window.createOutputChannel('t', { log: true });
        const provider = new CommentSyntaxProvider(log as unknown as ConstructorParameters<typeof CommentSyntaxModule.CommentSyntaxProvider>[0]);
        try {
            assert.deepEqual(provider.get('wisprlang'), { lineComment: ';;;', blockComment: ['#|', '|#'] });
            assert.deepEqual(provider.get('python'), { lineComment: '#', blockComment: ['"""', '"""'] }, 'an unreadable configuration falls back to the table');
            assert.equal(provider.get('plaintext'), undefined);
        } finally {
            all.length = 0;
            provider.dispose();
        }
    });

    test('an "open setting" button opens the setting by id, machine-scoped ones on the Remote tab of a remote window', async () => {
        const { openSetting } = require('../../../extension/src/ui/notify') as typeof NotifyModule;
        const calls: [string, unknown][] = [];
        mock.commands.set('workbench.action.openSettings', (q: unknown) => calls.push(['openSettings', q]));
        mock.commands.set('workbench.action.openRemoteSettings', (q: unknown) => calls.push(['openRemoteSettings', q]));
        const env = vscode.env as { remoteName?: string };
        try {
            await openSetting('wispr.audio.wavFile', true);
            await openSetting('wispr.cleanup', false);
            env.remoteName = 'ssh-remote';
            await openSetting('wispr.audio.wavFile', true);
            await openSetting('wispr.cleanup', false);
        } finally {
            delete env.remoteName;
            mock.commands.delete('workbench.action.openSettings');
            mock.commands.delete('workbench.action.openRemoteSettings');
        }
        assert.deepEqual(calls, [
            ['openSettings', '@id:wispr.audio.wavFile'],
            ['openSettings', 'wispr.cleanup'],
            ['openRemoteSettings', { query: '@id:wispr.audio.wavFile' }],
            ['openSettings', 'wispr.cleanup'],
        ]);
    });

    test('model progress reads well in the status bar', () => {
        const { describeProgress } = require('../../../extension/src/ui/statusBar') as typeof StatusBarModule;
        assert.equal(describeProgress({ stage: 'download', file: 'm.bin', receivedBytes: 50, totalBytes: 200 }), 'downloading model 25%');
        assert.equal(describeProgress({ stage: 'download', file: 'm.bin' }), 'downloading model');
        assert.equal(describeProgress({ stage: 'verify', file: 'm.bin' }), 'verifying model');
        assert.equal(describeProgress({ stage: 'load', file: 'm.bin' }), 'loading model');
    });

    test('the backend item switches Whisper → Parakeet → Whisper; diagnostics show the resident backend; recycling restarts the sidecar', async () => {
        const choose = (id: string) => (items: readonly unknown[]) => items.find(i => (i as { backend?: { id: string } }).backend?.id === id);
        try {
            mock.pick = choose('parakeet');
            await run('wispr.switchBackend'); // the backend item's command
            await waitForBackend('Parakeet TDT 0.6B', 'Parakeet after the switch');

            await run('wispr.showDiagnostics');
            const shown = mock.messages.filter(m => m.text === 'Wispr diagnostics').at(-1);
            assert.ok(shown?.detail, 'diagnostics message with details');
            assert.match(shown.detail, /Resident backend: Parakeet TDT 0\.6B/);
            assert.match(shown.detail, /Sidecar memory \(working set\): 100\.0 MiB, peak 120\.0 MiB/);
            assert.match(shown.detail, /Managed heap: 5\.0 MiB/);
            assert.match(shown.detail, /Model size on disk: 0\.0 MiB/);

            mock.pick = choose('whisper');
            await run('wispr.switchBackend');
            await waitForBackend('Whisper', 'Whisper again');

            mock.config.set('wispr.backend.recycleProcessOnSwitch', true);
            mock.pick = choose('parakeet');
            await run('wispr.switchBackend');
            await waitForBackend('Parakeet TDT 0.6B', 'Parakeet in a fresh sidecar');
            assert.ok(mock.log.some(l => /Restarting the sidecar to switch to parakeet/.test(l)), mock.log.join('\n'));
            mock.config.delete('wispr.backend.recycleProcessOnSwitch');
            mock.pick = choose('whisper');
            await run('wispr.switchBackend');
            await waitForBackend('Whisper', 'Whisper at the end');
        } finally {
            mock.pick = undefined;
            mock.config.delete('wispr.backend.recycleProcessOnSwitch');
        }
    });

    test('diagnostics format every figure', () => {
        const { formatDiagnostics } = require('../../../extension/src/ui/diagnostics') as typeof DiagnosticsModule;
        const lines = formatDiagnostics({
            state: 'idle', dictationId: null, backend: 'parakeet', residentBackend: null, switching: true,
            model: { path: '/m/parakeet-tdt-0.6b-v2', loaded: false, sizeBytes: 2.5 * 1024 ** 3 },
            workingSetBytes: 300 * 1024 ** 2, peakWorkingSetBytes: 1536 * 1024 ** 2, managedHeapBytes: 1024 ** 2 / 2,
        }, undefined);
        assert.deepEqual(lines, [
            'Selected backend: parakeet (switching…)',
            'Resident backend: none',
            'Model: /m/parakeet-tdt-0.6b-v2 (not loaded)',
            'Model size on disk: 2.50 GiB',
            'Sidecar memory (working set): 300.0 MiB, peak 1.50 GiB',
            'Managed heap: 0.5 MiB',
            'Dictation: idle',
        ]);
    });

    test('deactivate stops the sidecar with shutdown', async () => {
        await extension.deactivate();
        assert.ok(mock.log.some(l => /Sidecar stopped \(exit code 0\)/.test(l)), mock.log.join('\n'));
    });
});

describe('SidecarProcess crash policy (mock vscode, fake sidecar)', { timeout: 30_000 }, () => {
    test('gives up after the allowed crashes with ONE error offering the logs, until a manual restart', async () => {
        const { SidecarProcess } = require('../../../extension/src/sidecar/sidecarProcess') as typeof SidecarProcessModule;
        const { SidecarStateEvents, SidecarState } = require('../../../extension/src/sidecar/sidecarState') as typeof SidecarStateModule;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-crash-'));
        const fake = path.join(__dirname, '..', 'fixtures', 'fakeSidecar.js');
        const wrapper = path.join(dir, 'fake-sidecar');
        fs.writeFileSync(wrapper, `#!/bin/sh\nFAKE_SIDECAR_MODE=crashOnInitialize exec "${process.execPath}" "${fake}" "$@"\n`, { mode: 0o755 });
        mock.reset();
        mock.config.set('wispr.sidecar.path', wrapper);
        const log = vscode.window.createOutputChannel('Wispr', { log: true });
        const state = new SidecarStateEvents();
        const context = { extensionPath: root, asAbsolutePath: (p: string) => path.join(root, p), extension: { packageJSON: { version: '0' } } };
        const sidecar = new SidecarProcess(
            context as unknown as ConstructorParameters<typeof SidecarProcessModule.SidecarProcess>[0],
            log as unknown as ConstructorParameters<typeof SidecarProcessModule.SidecarProcess>[1],
            state,
            { maxCrashes: 3, windowMs: 60_000, baseDelayMs: 10, maxDelayMs: 40 },
        );
        try {
            let subscription: { dispose(): unknown } | undefined;
            const gaveUp = withTimeout(
                new Promise<void>(resolve => {
                    subscription = mock.messageListeners.event(m => m.severity === 'error' && resolve());
                }),
                20_000,
                () => `no give-up message. Log:\n${mock.log.join('\n')}`,
            ).finally(() => subscription?.dispose());
            await assert.rejects(sidecar.start(), /exited during initialize \(exit code 3\)/);
            await gaveUp;
            assert.equal(state.state, SidecarState.Crashed);
            assert.equal(mock.messages.length, 1);
            assert.match(mock.messages[0].text, /crashed 3 times within 1 minutes/);
            assert.deepEqual(mock.messages[0].items, ['Show Logs']);
            assert.deepEqual(mock.log.filter(l => /Restarting the sidecar in/.test(l)).map(l => /in (\d+) ms/.exec(l)?.[1]), ['10', '20']);
            // Requests now fail fast instead of starting it again ...
            await assert.rejects(sidecar.start(), /kept crashing/);
            // ... and a manual restart tries again (and fails the same way here).
            await assert.rejects(sidecar.restart());
            assert.equal(mock.messages.length, 1);
        } finally {
            await sidecar.stop();
            sidecar.dispose();
            state.dispose();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
