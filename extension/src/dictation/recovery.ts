// No spoken word lost: the sidecar spools every dictation to a recording file and keeps it when the words were not
// delivered (it crashed or was killed mid-dictation, the window reloaded, recognition failed). This module tells the user
// at once when a dictation is interrupted, and whenever a sidecar becomes ready (after a restart or a new activation) offers
// what was left: "Transcribe recovered recording" (the normal transcribe-and-insert path, then the file is deleted) or
// "Discard". The sidecar deletes a dictation's file itself once its text is in the reply.
import * as vscode from 'vscode';
import { RecordingInfo, RecordingsDeleteRequest, RecordingsListRequest } from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { SidecarState } from '../sidecar/sidecarState';
import { showProblem } from '../ui/notify';
import { DictationStage } from './dictationController';

export const TRANSCRIBE_RECOVERED = 'Transcribe recovered recording';
export const DISCARD_RECOVERED = 'Discard';

/** What the recovery needs of the dictation controller. */
export interface RecoveryDictation {
    readonly onDidInterruptDictation: vscode.Event<DictationStage>;
    /** Transcribes a WAV file into the editor through the normal path; true once the text is out. */
    transcribeFile(uri: vscode.Uri): Promise<boolean>;
}

export class RecordingRecovery implements vscode.Disposable {
    /** Recordings already offered this session: a dismissed offer is not repeated on every restart (the command lists them all). */
    private readonly offered = new Set<string>();
    private checking: Promise<void> | undefined;
    private interrupted = false;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(
        private readonly sidecar: SidecarProcess,
        private readonly dictation: RecoveryDictation,
        private readonly log: vscode.LogOutputChannel,
    ) {
        this.disposables.push(
            dictation.onDidInterruptDictation(stage => this.onInterrupted(stage)),
            sidecar.state.onDidChangeState(state => {
                if (state === SidecarState.Ready) {
                    void this.offerLeftovers();
                }
            }),
            sidecar.onRecordingUnsaved(p => {
                this.log.error(`Dictation ${p.dictationId} cannot be kept on disk: ${p.error}`);
                void vscode.window.showWarningMessage(
                    `Wispr: this dictation's recording cannot be saved (${p.error}); if the sidecar stops before you finish, its words cannot be kept.`);
            }),
        );
        if (sidecar.state.state === SidecarState.Ready) {
            void this.offerLeftovers();
        }
    }

    /** Lists what is left and offers it (once per recording and session); the command passes `all` to list everything again. */
    offerLeftovers(all = false): Promise<void> {
        // One listing at a time: a restart during a listing must not show the same offer twice.
        this.checking ??= this.doOffer(all).finally(() => (this.checking = undefined));
        return this.checking;
    }

    /** Settles when the listing and offer in progress (if any) is done (for tests). */
    whenIdle(): Promise<void> {
        return this.checking ?? Promise.resolve();
    }

    /** Wispr: Recover Dictation Recordings… — every recording left, to transcribe or discard. */
    async pick(): Promise<void> {
        const recordings = await this.list();
        if (!recordings) {
            return;
        }
        if (recordings.length === 0) {
            void vscode.window.showInformationMessage('Wispr: no recordings are waiting to be transcribed.');
            return;
        }
        const picked = await vscode.window.showQuickPick(recordings.map(r => ({ label: describe(r), description: r.path, recording: r })), {
            title: 'Wispr: recordings whose words were not delivered',
            placeHolder: 'Pick one to transcribe it or discard it',
        });
        if (picked) {
            await this.decide([picked.recording]);
        }
    }

    dispose(): void {
        for (const d of this.disposables) {
            d.dispose();
        }
    }

    private onInterrupted(stage: DictationStage): void {
        this.interrupted = true;
        const what = stage === DictationStage.Transcribing ? 'while your dictation was being transcribed' : 'while you were dictating';
        this.log.warn(`The sidecar stopped ${what}; the recording stays on disk and is offered once the sidecar is back.`);
        void vscode.window.showWarningMessage(
            `Wispr: the sidecar stopped ${what}; your recording was kept. It is offered for transcription as soon as the sidecar is back.`);
    }

    private async doOffer(all: boolean): Promise<void> {
        const recordings = await this.list();
        const fresh = (recordings ?? []).filter(r => all || !this.offered.has(r.id));
        if (fresh.length === 0) {
            return;
        }
        for (const r of fresh) {
            this.offered.add(r.id);
        }
        const why = this.interrupted
            ? 'the sidecar stopped while you were dictating'
            : 'a dictation was interrupted (the sidecar stopped or the window was reloaded) or could not be transcribed';
        this.interrupted = false;
        this.log.info(`Recordings waiting to be transcribed: ${fresh.map(r => r.path).join(', ')}`);
        await this.decide(fresh, `Wispr: ${why}; your recording${fresh.length > 1 ? 's were' : ' was'} kept (${fresh.map(describe).join('; ')}).`);
    }

    private async decide(recordings: RecordingInfo[], message?: string): Promise<void> {
        const text = message ?? `Wispr: ${recordings.map(describe).join('; ')}`;
        const choice = await vscode.window.showWarningMessage(text, TRANSCRIBE_RECOVERED, DISCARD_RECOVERED);
        if (choice === TRANSCRIBE_RECOVERED) {
            for (const r of recordings) {
                if (await this.dictation.transcribeFile(vscode.Uri.file(r.path))) {
                    await this.delete(r); // only once its words are out (inserted, or on the clipboard and in the history)
                }
            }
        } else if (choice === DISCARD_RECOVERED) {
            for (const r of recordings) {
                await this.delete(r);
            }
        }
    }

    private async list(): Promise<RecordingInfo[] | undefined> {
        try {
            return (await this.sidecar.request(RecordingsListRequest.type, {})).recordings;
        } catch (e) {
            this.log.warn(`Could not list kept recordings: ${e instanceof Error ? e.message : String(e)}`);
            return undefined;
        }
    }

    private async delete(recording: RecordingInfo): Promise<void> {
        try {
            await this.sidecar.request(RecordingsDeleteRequest.type, { id: recording.id });
            this.log.info(`Recording ${recording.path} deleted.`);
        } catch (e) {
            await showProblem(e, this.log);
        }
    }
}

function describe(r: RecordingInfo): string {
    const when = new Date(r.createdMs).toLocaleString();
    return `${(r.durationMs / 1000).toFixed(1)} s recorded ${when}`;
}
