// Puts a transcript into an editor: at every cursor, replacing selections, as one undo step.
import * as vscode from 'vscode';
import { InsertionMode } from '../config';
import { CommentSyntax, Eol, formatAsComment, normalizeEol, rulerColumn, visualWidth } from './commentFormat';

export interface InsertRequest {
    text: string;
    mode: InsertionMode;
    /** Comment tokens of the document's language (comment mode only). */
    syntax: CommentSyntax | undefined;
}

/** The text for one selection: plain, or a comment shaped by that selection's line. */
export function textForSelection(document: vscode.TextDocument, selection: vscode.Selection, request: InsertRequest, tabSize: number): string {
    const eol: Eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    if (request.mode !== 'comment') {
        return normalizeEol(request.text, eol);
    }
    const lineText = document.lineAt(selection.start.line).text;
    const indent = /^\s*/.exec(lineText)?.[0] ?? '';
    const before = lineText.slice(0, selection.start.character);
    // After code on the same line the comment trails it, separated by one space.
    const separator = before.trim() !== '' && !/\s$/.test(before) ? ' ' : '';
    const comment = formatAsComment(request.text, {
        syntax: request.syntax,
        indent,
        ruler: rulerColumn(vscode.workspace.getConfiguration('editor', document).get<unknown>('rulers')),
        eol,
        firstLineColumn: visualWidth(before, tabSize) + separator.length,
        tabSize,
    });
    return comment ? separator + comment : comment;
}

/** Inserts into every selection of `editor` in a single edit; false when the editor refused (e.g. read-only). */
export async function insertText(editor: vscode.TextEditor, request: InsertRequest): Promise<boolean> {
    const tabSize = typeof editor.options.tabSize === 'number' ? editor.options.tabSize : 4;
    const selections = [...editor.selections];
    const texts = selections.map(s => textForSelection(editor.document, s, request, tabSize));
    return editor.edit(
        builder => {
            selections.forEach((selection, i) => builder.replace(selection, texts[i]));
        },
        { undoStopBefore: true, undoStopAfter: true },
    );
}
