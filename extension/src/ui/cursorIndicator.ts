// Feedback where the user looks: while a dictation listens and transcribes, a short label after each cursor of its
// editor. A decoration's `after` content is drawn by the editor only: it is not part of the document, its undo history
// or what a save writes. It follows the cursors as they move. `show()` takes an optional text, so the words heard so far
// can be shown at the same place (live text).
import * as vscode from 'vscode';
import { IndicatorPhase, indicatorLabel } from './indicatorLabel';

export class CursorIndicator implements vscode.Disposable {
    private readonly type = vscode.window.createTextEditorDecorationType({
        after: {
            margin: '0 0 0 0.6em',
            color: new vscode.ThemeColor('editorCodeLens.foreground'),
            fontStyle: 'italic',
        },
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    private shown: { editor: vscode.TextEditor; phase: IndicatorPhase; text: string | undefined } | undefined;
    private readonly disposables: vscode.Disposable[] = [this.type];

    constructor() {
        this.disposables.push(
            vscode.window.onDidChangeTextEditorSelection(e => {
                if (e.textEditor === this.shown?.editor) {
                    this.render();
                }
            }),
            // A tab switched back in gets a new TextEditor for the same document: follow it.
            vscode.window.onDidChangeVisibleTextEditors(editors => {
                const shown = this.shown;
                if (shown && !editors.includes(shown.editor)) {
                    const again = editors.find(e => e.document === shown.editor.document);
                    if (again) {
                        this.shown = { ...shown, editor: again };
                        this.render();
                    }
                }
            }),
        );
    }

    /** Shows (or updates) the indicator at every cursor of `editor`; `text` replaces the phase's words. */
    show(editor: vscode.TextEditor, phase: IndicatorPhase, text?: string): void {
        if (this.shown && this.shown.editor !== editor) {
            this.shown.editor.setDecorations(this.type, []);
        }
        this.shown = { editor, phase, text };
        this.render();
    }

    hide(): void {
        this.shown?.editor.setDecorations(this.type, []);
        this.shown = undefined;
    }

    /** What is shown now (for the API and the end-to-end tests). */
    get label(): string | undefined {
        return this.shown ? indicatorLabel(this.shown.phase, this.shown.text) : undefined;
    }

    dispose(): void {
        this.hide();
        for (const d of this.disposables) {
            d.dispose();
        }
    }

    private render(): void {
        const shown = this.shown;
        if (!shown) {
            return;
        }
        const contentText = indicatorLabel(shown.phase, shown.text);
        shown.editor.setDecorations(this.type, shown.editor.selections.map(s => ({
            range: new vscode.Range(s.active, s.active),
            renderOptions: { after: { contentText } },
        })));
    }
}
