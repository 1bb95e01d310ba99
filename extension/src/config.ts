// Typed access to the wispr.* settings; the only place that knows their names.
import * as vscode from 'vscode';

export type InsertionMode = 'text' | 'comment';
export type AudioSourceKind = 'wavFile';
export type TraceSetting = 'off' | 'messages' | 'compact' | 'verbose';

export const SECTION = 'wispr';
export const Settings = {
    sidecarPath: 'sidecar.path',
    modelPath: 'whisper.modelPath',
    insertionMode: 'insertion.mode',
    audioSource: 'audio.source',
    wavFile: 'audio.wavFile',
    traceServer: 'trace.server',
} as const;

export interface WisprConfig {
    sidecarPath: string;
    /** null when unset: the sidecar keeps its own choice. */
    modelPath: string | null;
    insertionMode: InsertionMode;
    audioSource: AudioSourceKind;
    /** Absolute path of the WAV file for the `wavFile` source (the bundled sample when the setting is empty). */
    wavFile: string;
    traceServer: TraceSetting;
}

export function readConfig(context: vscode.ExtensionContext): WisprConfig {
    const c = vscode.workspace.getConfiguration(SECTION);
    const modelPath = c.get<string>(Settings.modelPath, '').trim();
    const wavFile = c.get<string>(Settings.wavFile, '').trim();
    return {
        sidecarPath: c.get<string>(Settings.sidecarPath, '').trim(),
        modelPath: modelPath || null,
        insertionMode: c.get<InsertionMode>(Settings.insertionMode, 'text') === 'comment' ? 'comment' : 'text',
        audioSource: 'wavFile',
        wavFile: wavFile || context.asAbsolutePath('samples/jfk.wav'),
        traceServer: c.get<TraceSetting>(Settings.traceServer, 'off'),
    };
}

export function affects(e: vscode.ConfigurationChangeEvent, ...keys: (typeof Settings)[keyof typeof Settings][]): boolean {
    return keys.some(k => e.affectsConfiguration(`${SECTION}.${k}`));
}
