// Builds the `context` of dictation/start and transcribeFile: prompt mode, language, identifiers near the cursor, the
// file's symbols and the workspace dictionary. Bounded in time: a dictation never waits long for a slow symbol provider.
import * as vscode from 'vscode';
import { readConfig } from '../config';
import { DictationContext, DictionaryEntry, PromptMode } from '../sidecar/protocol';
import { parseDictionary } from './dictionary';
import { readDictionaryText, resolveDictionaryFile } from './dictionaryFile';
import { collectNearbyIdentifiers, flattenSymbols, mergeIdentifiers, settleBefore, settleWithin, SymbolLike } from './identifiers';

/**
 * The longest the symbols and the dictionary are waited for: from the request for a file's transcription, or, in a
 * dictation, from the stop (they are collected while the user speaks, so only what is still missing then can delay it).
 */
export const CONTEXT_BUDGET_MS = 150;

interface CachedDictionary {
    file: string;
    mtime: number;
    size: number;
    entries: DictionaryEntry[];
}

export class ContextCollector {
    private cache: CachedDictionary | undefined;
    private lastIgnored: string | undefined;

    constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {}

    /**
     * The context for a dictation into `editor` (undefined: no editor, e.g. a commit message dictated from elsewhere).
     * Symbols and the dictionary count if they arrive before `deadline` settles (default: CONTEXT_BUDGET_MS from now).
     */
    async collect(mode: PromptMode, editor: vscode.TextEditor | undefined, languageId = editor?.document.languageId,
        deadline?: PromiseLike<unknown>): Promise<DictationContext> {
        const config = readConfig(this.context);
        const result: DictationContext = { mode, ...(languageId ? { languageId } : {}) };
        if (!config.vocabularyEnabled) {
            return result;
        }
        const started = Date.now();
        const document = editor?.document;
        const nearby = document
            ? collectNearbyIdentifiers(l => document.lineAt(l).text, document.lineCount, editor.selections[0]?.start.line ?? 0, document.languageId)
            : [];
        const settle = <T>(work: Promise<T>) => (deadline ? settleBefore(work, deadline) : settleWithin(work, CONTEXT_BUDGET_MS));
        const [symbols, dictionary] = await Promise.all([
            document ? settle(this.symbols(document.uri)) : Promise.resolve(undefined),
            settle(this.dictionary(config.dictionaryFile, config.dictionaryFileFromWorkspace, document?.uri)),
        ]);
        const identifiers = mergeIdentifiers(nearby, document ? flattenSymbols(symbols, document.languageId) : []);
        const vocabulary: NonNullable<DictationContext['vocabulary']> = {};
        if (identifiers.length) {
            vocabulary.identifiers = identifiers;
        }
        if (dictionary?.length) {
            vocabulary.dictionary = dictionary;
        }
        if (vocabulary.identifiers || vocabulary.dictionary) {
            result.vocabulary = vocabulary;
        }
        this.log.debug(`Dictation context: mode ${mode}, ${languageId ?? 'no language'}, ${identifiers.length} identifiers`
            + ` (${symbols === undefined && document ? 'no symbols in time' : `${symbols?.length ?? 0} top-level symbols`}),`
            + ` ${dictionary?.length ?? 0} dictionary entries, in ${Date.now() - started} ms.`);
        return result;
    }

    private async symbols(uri: vscode.Uri): Promise<SymbolLike[] | undefined> {
        const symbols = await vscode.commands.executeCommand<SymbolLike[] | undefined>('vscode.executeDocumentSymbolProvider', uri);
        return Array.isArray(symbols) ? symbols : undefined;
    }

    /** The dictionary's entries; re-read only when its modification time or size changed. Never fails a dictation. */
    private async dictionary(setting: string, fromWorkspace: boolean, near: vscode.Uri | undefined): Promise<DictionaryEntry[]> {
        const target = await resolveDictionaryFile({ setting, fromWorkspace, folders: this.folders(near) });
        if (target.kind !== 'file') {
            if (target.kind === 'ignored') {
                this.ignored(target.reason);
            } else if (this.cache) {
                this.log.debug(`Dictionary ${this.cache.file} is gone.`);
            }
            this.cache = undefined;
            return [];
        }
        const file = target.realPath;
        if (this.cache && this.cache.file === file && this.cache.mtime === target.mtime && this.cache.size === target.size) {
            return this.cache.entries;
        }
        try {
            const read = await readDictionaryText(file);
            if ('reason' in read) {
                this.ignored(`wispr.vocabulary.dictionaryFile is ignored: ${read.reason}`);
                this.cache = undefined;
                return [];
            }
            const parsed = parseDictionary(read.text);
            for (const p of parsed.problems) {
                this.log.warn(`${file}:${p.line}: ${p.message}; line ignored.`);
            }
            this.log.info(`Dictionary ${file}: ${parsed.entries.length} entries.`);
            this.lastIgnored = undefined;
            this.cache = { file, mtime: target.mtime, size: target.size, entries: parsed.entries };
            return parsed.entries;
        } catch (e) {
            this.log.debug(`Dictionary ${file} could not be read (${e instanceof Error ? e.message : String(e)}).`);
            this.cache = undefined;
            return [];
        }
    }

    /** One log line per reason, not one per dictation. */
    private ignored(reason: string): void {
        if (this.lastIgnored !== reason) {
            this.lastIgnored = reason;
            this.log.warn(reason);
        }
    }

    /** Workspace folders as paths, the target file's folder first (a relative setting resolves against it). */
    private folders(near: vscode.Uri | undefined): string[] {
        const all = (vscode.workspace.workspaceFolders ?? []).filter(f => f.uri.scheme === 'file').map(f => f.uri.fsPath);
        const first = near && vscode.workspace.getWorkspaceFolder(near);
        return first && first.uri.scheme === 'file' ? [first.uri.fsPath, ...all.filter(f => f !== first.uri.fsPath)] : all;
    }
}
