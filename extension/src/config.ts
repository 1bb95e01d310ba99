// Typed access to the wispr.* settings; the only place that knows their names.
import * as vscode from 'vscode';
import { defaultPressTiming, PressTimingOptions, PushToTalkMode } from './dictation/pushToTalk';
import { languageToSend, normalizeLanguage } from './language/languages';
import { CleanupConfigureRequest, CleanupMode, DictationStartRequest, LlmProvider } from './sidecar/protocol';

export type InsertionMode = 'text' | 'comment';
export type AudioSourceKind = 'microphone' | 'wavFile';
export type TraceSetting = 'off' | 'messages' | 'compact' | 'verbose';

export const SECTION = 'wispr';
export const Settings = {
    sidecarPath: 'sidecar.path',
    modelPath: 'whisper.modelPath',
    parakeetModelPath: 'parakeet.modelPath',
    modelsBaseUrl: 'models.baseUrl',
    recycleProcessOnSwitch: 'backend.recycleProcessOnSwitch',
    insertionMode: 'insertion.mode',
    audioSource: 'audio.source',
    wavFile: 'audio.wavFile',
    device: 'audio.device',
    maxRecordingSeconds: 'audio.maxRecordingSeconds',
    handsFree: 'handsFree.enabled',
    handsFreeSilenceMs: 'handsFree.silenceMs',
    livePreview: 'dictation.livePreview',
    traceServer: 'trace.server',
    pushToTalkMode: 'pushToTalk.mode',
    holdMs: 'pushToTalk.holdMs',
    repeatDelayMs: 'pushToTalk.repeatDelayMs',
    releaseMs: 'pushToTalk.releaseMs',
    graceMs: 'pushToTalk.graceMs',
    sound: 'feedback.sound',
    cleanupMode: 'cleanup.mode',
    cleanupProvider: 'cleanup.provider',
    cleanupBaseUrl: 'cleanup.baseUrl',
    cleanupModel: 'cleanup.model',
    cleanupTimeoutMs: 'cleanup.timeoutMs',
    vocabularyEnabled: 'vocabulary.enabled',
    dictionaryFile: 'vocabulary.dictionaryFile',
    language: 'language',
    recognitionThreads: 'recognition.threads',
    audioContext: 'recognition.audioContext',
    remoteBaseUrl: 'remote.baseUrl',
    remoteModel: 'remote.model',
} as const;

/** The settings `remote/configure` carries (the key comes from SecretStorage). */
export const remoteSettings = [Settings.remoteBaseUrl, Settings.remoteModel];

export interface RemoteConfig {
    /** The OpenAI-compatible server that receives the audio; null when unset. From user (or remote-machine) settings only. */
    baseUrl: string | null;
    /** null = the sidecar's default (whisper-1). */
    model: string | null;
}

/**
 * The remote server settings. The address is a destination that receives the user's audio, so it is machine-scoped
 * (package.json): VS Code ignores it in workspace settings, and it is read here from the user's own layer only, so a
 * repository can never redirect dictation to a server of its choosing.
 */
export function readRemote(): RemoteConfig {
    const c = vscode.workspace.getConfiguration(SECTION);
    const i = c.inspect<string>(Settings.remoteBaseUrl);
    const baseUrl = (i?.globalValue ?? '').trim();
    const model = c.get<string>(Settings.remoteModel, '').trim();
    return { baseUrl: baseUrl || null, model: model || null };
}

/** Whisper's encoder window: the clip's own length (`fit`) or always 30 s (`full`). */
export type AudioContextSetting = 'fit' | 'full';

/** Recognition settings the sidecar takes on its command line (a change restarts it when idle). */
export interface RecognitionConfig {
    /** CPU threads per recognition; 0 = chosen by the sidecar from the cores and the load. */
    threads: number;
    audioContext: AudioContextSetting;
}

/** The settings `cleanup/configure` carries (the key comes from SecretStorage, never from settings). */
export const cleanupSettings = [Settings.cleanupMode, Settings.cleanupProvider, Settings.cleanupBaseUrl, Settings.cleanupModel, Settings.cleanupTimeoutMs];

export interface CleanupConfig {
    mode: CleanupMode;
    provider: LlmProvider;
    /** null = the provider's default address. */
    baseUrl: string | null;
    model: string | null;
    timeoutMs: number;
}

export interface WisprConfig {
    sidecarPath: string;
    /** null when unset: the sidecar keeps its own choice. */
    modelPath: string | null;
    /** The Parakeet model folder; null when unset (the sidecar's default folder in the user cache). */
    parakeetModelPath: string | null;
    /** Switch backends by restarting the sidecar with the new one, so native memory goes back to the system. */
    recycleProcessOnSwitch: boolean;
    insertionMode: InsertionMode;
    audioSource: AudioSourceKind;
    /** Absolute path of the WAV file for the `wavFile` source (the bundled sample when the setting is empty). */
    wavFile: string;
    /** Capture device id from `audio/listDevices`; empty = the system default. */
    device: string;
    maxRecordingSeconds: number;
    handsFree: boolean;
    handsFreeSilenceMs: number;
    /** Show the recognised segments at the cursor while the user speaks. */
    livePreview: boolean;
    traceServer: TraceSetting;
    pushToTalkMode: PushToTalkMode;
    pressTiming: PressTimingOptions;
    /** A short sound when listening starts and stops. */
    sound: boolean;
    cleanup: CleanupConfig;
    /** Send identifiers near the cursor, the file's symbols and the dictionary with each dictation. */
    vocabularyEnabled: boolean;
    /** Workspace-relative (or, from user settings, absolute) path of the dictionary file. */
    dictionaryFile: string;
    /** "auto" or an ISO 639-1 code (lower case). */
    language: string;
    /** The dictionary setting comes from a workspace or folder settings file: it may only name a file inside the workspace. */
    dictionaryFileFromWorkspace: boolean;
    recognition: RecognitionConfig;
}

export function readConfig(context: vscode.ExtensionContext): WisprConfig {
    const c = vscode.workspace.getConfiguration(SECTION);
    const modelPath = c.get<string>(Settings.modelPath, '').trim();
    const parakeetModelPath = c.get<string>(Settings.parakeetModelPath, '').trim();
    const wavFile = c.get<string>(Settings.wavFile, '').trim();
    return {
        sidecarPath: c.get<string>(Settings.sidecarPath, '').trim(),
        modelPath: modelPath || null,
        parakeetModelPath: parakeetModelPath || null,
        recycleProcessOnSwitch: c.get<boolean>(Settings.recycleProcessOnSwitch, false) === true,
        insertionMode: c.get<InsertionMode>(Settings.insertionMode, 'text') === 'comment' ? 'comment' : 'text',
        audioSource: c.get<string>(Settings.audioSource, 'microphone') === 'wavFile' ? 'wavFile' : 'microphone',
        wavFile: wavFile || context.asAbsolutePath('samples/jfk.wav'),
        device: c.get<string>(Settings.device, '').trim(),
        maxRecordingSeconds: Math.max(10, positive(c.get<number>(Settings.maxRecordingSeconds), 600)),
        handsFree: c.get<boolean>(Settings.handsFree, false) === true,
        handsFreeSilenceMs: Math.max(300, positive(c.get<number>(Settings.handsFreeSilenceMs), 1500)),
        livePreview: c.get<boolean>(Settings.livePreview, true) !== false,
        traceServer: c.get<TraceSetting>(Settings.traceServer, 'off'),
        pushToTalkMode: c.get<PushToTalkMode>(Settings.pushToTalkMode, 'auto'),
        pressTiming: {
            holdMs: positive(c.get<number>(Settings.holdMs), defaultPressTiming.holdMs),
            repeatDelayMs: positive(c.get<number>(Settings.repeatDelayMs), defaultPressTiming.repeatDelayMs),
            releaseMs: positive(c.get<number>(Settings.releaseMs), defaultPressTiming.releaseMs),
            graceMs: positive(c.get<number>(Settings.graceMs), defaultPressTiming.graceMs),
        },
        sound: c.get<boolean>(Settings.sound, false) === true,
        cleanup: readCleanup(c),
        vocabularyEnabled: c.get<boolean>(Settings.vocabularyEnabled, true) !== false,
        dictionaryFile: c.get<string>(Settings.dictionaryFile, DEFAULT_DICTIONARY_FILE).trim(),
        dictionaryFileFromWorkspace: fromWorkspace(c, Settings.dictionaryFile),
        language: normalizeLanguage(c.get<string>(Settings.language, 'auto')),
        recognition: recognitionConfig(c.get<number>(Settings.recognitionThreads), c.get<string>(Settings.audioContext)),
    };
}

/** The recognition settings, made safe: threads a whole number from 0 (auto), anything but `full` is `fit`. */
export function recognitionConfig(threads: unknown, audioContext: unknown): RecognitionConfig {
    return {
        threads: typeof threads === 'number' && Number.isFinite(threads) && threads > 0 ? Math.min(Math.floor(threads), 64) : 0,
        audioContext: audioContext === 'full' ? 'full' : 'fit',
    };
}

/** A workspace or folder settings file (that is, the repository) sets this key. */
export function fromWorkspace(c: vscode.WorkspaceConfiguration, key: string): boolean {
    const i = c.inspect(key);
    return i !== undefined && (i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined);
}

/** The cleanup settings that decide where a transcript (and an API key) goes. */
export const cleanupDestinationSettings = [Settings.cleanupMode, Settings.cleanupProvider, Settings.cleanupBaseUrl] as const;

export interface CleanupLayers {
    /** All layers merged, as VS Code resolves them. */
    merged: CleanupConfig;
    /** The user's own: mode, provider and address from user settings or the defaults, never from the workspace. */
    user: CleanupConfig;
    /** Which of mode, provider and address a workspace or folder settings file sets. */
    workspaceKeys: string[];
}

/** The merged cleanup settings and the user's own, so a workspace's destination can wait for the user's consent. */
export function readCleanupLayers(): CleanupLayers {
    const c = vscode.workspace.getConfiguration(SECTION);
    const merged = readCleanup(c);
    const userValue = <T>(key: string): T | undefined => {
        const i = c.inspect<T>(key);
        return i?.globalValue ?? i?.defaultValue;
    };
    const userBaseUrl = (userValue<string>(Settings.cleanupBaseUrl) ?? '').trim();
    const user: CleanupConfig = {
        ...merged,
        mode: (userValue<string>(Settings.cleanupMode) ?? 'rules') as CleanupMode,
        provider: (userValue<string>(Settings.cleanupProvider) ?? 'openai') as LlmProvider,
        baseUrl: userBaseUrl || null,
    };
    return { merged, user, workspaceKeys: cleanupDestinationSettings.filter(k => fromWorkspace(c, k)) };
}

export const DEFAULT_DICTIONARY_FILE = '.vscode/wispr-dictionary.txt';

function readCleanup(c: vscode.WorkspaceConfiguration): CleanupConfig {
    const mode = c.get<string>(Settings.cleanupMode, 'rules');
    const baseUrl = c.get<string>(Settings.cleanupBaseUrl, '').trim();
    const model = c.get<string>(Settings.cleanupModel, '').trim();
    return {
        // An unknown value is passed on as it is, so the sidecar's CleanupConfigInvalid names it.
        mode: (mode ?? 'rules') as CleanupMode,
        provider: (c.get<string>(Settings.cleanupProvider, 'openai') ?? 'openai') as LlmProvider,
        baseUrl: baseUrl || null,
        model: model || null,
        timeoutMs: positive(c.get<number>(Settings.cleanupTimeoutMs), 5000),
    };
}

/** The `cleanup/configure` params for these settings and the provider's stored key. */
export function cleanupParams(cleanup: CleanupConfig, apiKey: string | undefined): CleanupConfigureRequest.Params {
    return { ...cleanup, apiKey: apiKey || null };
}

/**
 * The `source`, language and hands-free options of `dictation/start` for these settings. `englishOnly`: the model hears
 * only English (see languageToSend).
 */
export function startParams(config: WisprConfig, englishOnly = false): DictationStartRequest.Params {
    return {
        language: languageToSend(config.language, englishOnly),
        source: config.audioSource === 'wavFile'
            ? { kind: 'wavFile', path: config.wavFile }
            : { kind: 'microphone', ...(config.device ? { device: config.device } : {}) },
        vad: config.handsFree ? { enabled: true, silenceMs: config.handsFreeSilenceMs } : undefined,
        maxDurationMs: config.maxRecordingSeconds * 1000,
    };
}

export function affects(e: vscode.ConfigurationChangeEvent, ...keys: (typeof Settings)[keyof typeof Settings][]): boolean {
    return keys.some(k => e.affectsConfiguration(`${SECTION}.${k}`));
}

function positive(value: number | undefined, fallback: number): number {
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** The name (under `wispr.`) of a backend's model setting, or undefined for an unknown backend. */
export function modelSettingFor(backend: string): string | undefined {
    return backend === 'whisper' ? Settings.modelPath : backend === 'parakeet' ? Settings.parakeetModelPath : undefined;
}

/** The model setting that belongs to a backend: a Whisper ggml file or a Parakeet folder; null = the sidecar's default. */
export function modelPathFor(config: WisprConfig, backend: string): string | null {
    return backend === 'whisper' ? config.modelPath : backend === 'parakeet' ? config.parakeetModelPath : null;
}
