// What `activate()` returns: a small read-only view for other extensions and the end-to-end tests
// (vscode.extensions.getExtension('wispr.wispr-vscode').exports). Commands stay the way to act.
import * as vscode from 'vscode';
import { DictationController, DictationStage } from './dictation/dictationController';
import { DictationHistory, HistoryEntry } from './history/dictationHistory';
import { DictationContext } from './sidecar/protocol';
import { SidecarProcess } from './sidecar/sidecarProcess';
import { SidecarState } from './sidecar/sidecarState';
import { CursorIndicator } from './ui/cursorIndicator';
import { latestProblem, ShownProblem } from './ui/notify';

export interface WisprApi {
    /** 'stopped' | 'starting' | 'ready' | 'crashed' */
    readonly sidecarState: SidecarState;
    readonly onDidChangeSidecarState: vscode.Event<SidecarState>;
    /** Process id of the running sidecar (from `initialize`); undefined when none is running. */
    readonly sidecarPid: number | undefined;
    /** 'idle' | 'listening' | 'transcribing' */
    readonly dictationStage: DictationStage;
    readonly onDidChangeDictationStage: vscode.Event<DictationStage>;
    /** The sidecar's current backend id (e.g. 'whisper'); undefined before the first start. */
    readonly backend: string | undefined;
    /** The `context` of the latest dictation: the start's (mode, language), then the full one (vocabulary too) sent with its stop. */
    readonly lastDictationContext: DictationContext | undefined;
    /**
     * The "LLM cleanup unavailable (…); inserted the rule-cleaned text" warning shown for the latest transcript (its LLM
     * cleanup fell back), as shown; undefined when the latest transcript showed none, or before the first.
     */
    readonly lastCleanupWarning: string | undefined;
    /** The dictation history, newest first (what "Wispr: Dictation History" lists). */
    readonly history: readonly HistoryEntry[];
    /** What the indicator at the cursors says now ("● Listening…", "◌ Transcribing…"); undefined when hidden. */
    readonly cursorIndicator: string | undefined;
    /** The latest error or warning shown to the user (a new object each time): its error code (RPC errors) and its text. */
    readonly lastProblem: ShownProblem | undefined;
}

export function createApi(sidecar: SidecarProcess, dictation: DictationController, history: DictationHistory, indicator: CursorIndicator): WisprApi {
    return {
        get sidecarState() { return sidecar.state.state; },
        onDidChangeSidecarState: sidecar.state.onDidChangeState,
        get sidecarPid() { return sidecar.state.state === SidecarState.Ready ? sidecar.initializeResult?.pid : undefined; },
        get dictationStage() { return dictation.stage; },
        onDidChangeDictationStage: dictation.onDidChangeStage,
        get backend() { return sidecar.status?.backend; },
        get history() { return history.entries; },
        get lastDictationContext() { return dictation.lastContext; },
        get lastCleanupWarning() { return dictation.lastCleanupWarning; },
        get cursorIndicator() { return indicator.label; },
        get lastProblem() { return latestProblem(); },
    };
}
