// "Wispr: Insert Last Dictation" and "Wispr: Dictation History": bring a transcript back from the history.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DictationController } from '../dictation/dictationController';
import { DictationHistory, HistoryEntry } from './dictationHistory';

const LABEL_CHARS = 80;

export async function insertLastDictation(history: DictationHistory, dictation: DictationController): Promise<void> {
    const entry = history.latest;
    if (!entry) {
        void vscode.window.showInformationMessage('Wispr: there is no dictation to insert yet.');
        return;
    }
    await insertOrCopy(entry, dictation);
}

export async function showHistory(history: DictationHistory, dictation: DictationController): Promise<void> {
    const entries = history.entries;
    if (!entries.length) {
        void vscode.window.showInformationMessage('Wispr: the dictation history is empty.');
        return;
    }
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
        entries.map(entry => ({ label: oneLine(entry.text), description: describeEntry(entry, now), detail: entry.file ?? undefined, entry })),
        {
            title: 'Wispr: dictation history (newest first)',
            placeHolder: vscode.window.activeTextEditor ? 'Pick a dictation to insert at the cursors' : 'Pick a dictation to copy to the clipboard',
            matchOnDescription: true,
            matchOnDetail: true,
        },
    );
    if (picked) {
        await insertOrCopy(picked.entry, dictation);
    }
}

/** Into the active editor like a dictation (every cursor, one undo step); without an editor, onto the clipboard. */
async function insertOrCopy(entry: HistoryEntry, dictation: DictationController): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (editor && await dictation.insertInto(editor, entry.text)) {
        return;
    }
    await vscode.env.clipboard.writeText(entry.text);
    void vscode.window.showInformationMessage(`Wispr: ${editor ? 'the editor refused the edit' : 'no editor is active'}, so the dictation is on the clipboard.`);
}

/** "14:03 · main.py · comment · LLM fell back", for the quick pick. Pure. */
export function describeEntry(entry: HistoryEntry, now: number): string {
    const time = new Date(entry.time);
    const sameDay = new Date(now).toDateString() === time.toDateString();
    const when = sameDay ? time.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : time.toLocaleString();
    const where = entry.mode === 'commit' ? 'commit message' : entry.file ? path.basename(entry.file) : 'no editor';
    const parts = [when, where];
    if (entry.mode === 'comment') {
        parts.push('comment');
    }
    if (entry.fallbackReason) {
        parts.push(`LLM fell back: ${entry.fallbackReason}`);
    }
    return parts.join(' · ');
}

function oneLine(text: string): string {
    const line = text.replace(/\s+/g, ' ').trim();
    return line.length > LABEL_CHARS ? `${line.slice(0, LABEL_CHARS)}…` : line;
}
