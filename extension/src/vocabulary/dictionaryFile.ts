// Where the dictionary file may come from. Every line of it goes out as vocabulary (to the sidecar, and with LLM cleanup
// to a server), so a repository must not be able to name a file outside itself: a workspace setting may only give a
// relative path, and any relative path must resolve, symbolic links followed, to a regular text file inside a workspace
// folder. No `vscode` import, so the rules are unit-tested under plain node against real files.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Larger files are ignored: a dictionary is a short list of words, not a place to smuggle a file through. */
export const DICTIONARY_MAX_BYTES = 64 * 1024;

export type DictionaryFileResult =
    /** A file to read: `realPath` is where it really is (inside a workspace folder for a relative setting). */
    | { kind: 'file'; realPath: string; mtime: number; size: number }
    /** No dictionary and nothing to say: the setting is empty or the file does not exist. */
    | { kind: 'none' }
    /** The setting names something that must not be read; `reason` is the one log line. */
    | { kind: 'ignored'; reason: string };

export interface DictionaryFileInputs {
    setting: string;
    /** The setting's value comes from a workspace or folder settings file (the repository), not from the user. */
    fromWorkspace: boolean;
    /** Workspace folders (file system paths), the one of the target file first. */
    folders: readonly string[];
}

const isInside = (child: string, parent: string) => {
    const rel = path.relative(parent, child);
    return rel === '' ? false : !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** Workspace folders' real paths; a folder's does not change while it is open. */
const folderRealPaths = new Map<string, Promise<string>>();
function realFolder(folder: string): Promise<string> {
    let p = folderRealPaths.get(folder);
    if (!p) {
        p = fs.promises.realpath(folder).catch(() => folder);
        folderRealPaths.set(folder, p);
    }
    return p;
}

/** Decides which file (if any) the dictionary setting may read. Never throws. */
export async function resolveDictionaryFile(inputs: DictionaryFileInputs): Promise<DictionaryFileResult> {
    const setting = inputs.setting.trim();
    if (!setting) {
        return { kind: 'none' };
    }
    const what = `wispr.vocabulary.dictionaryFile '${setting}'${inputs.fromWorkspace ? ' (from workspace settings)' : ''}`;
    let candidate: string;
    let mustStayIn: string[] | undefined;
    if (path.isAbsolute(setting) || path.win32.isAbsolute(setting)) {
        if (inputs.fromWorkspace) {
            return { kind: 'ignored', reason: `${what} is ignored: a workspace may only name a file inside itself, by a relative path.` };
        }
        candidate = setting; // the user's own choice, anywhere
    } else {
        if (setting.split(/[\\/]+/).includes('..')) {
            return { kind: 'ignored', reason: `${what} is ignored: '..' may not appear in a relative path.` };
        }
        const folder = inputs.folders[0];
        if (!folder) {
            return { kind: 'none' };
        }
        candidate = path.join(folder, setting);
        mustStayIn = [...inputs.folders];
    }
    // One round trip: the dictionary is read within the dictation's context budget.
    const [realPath, realFolders] = await Promise.all([
        fs.promises.realpath(candidate).catch(() => undefined),
        Promise.all((mustStayIn ?? []).map(realFolder)),
    ]);
    if (realPath === undefined) {
        return { kind: 'none' }; // most often there simply is no dictionary file
    }
    if (mustStayIn) {
        if (!realFolders.some(f => isInside(realPath, f))) {
            return { kind: 'ignored', reason: `${what} is ignored: it resolves to ${realPath}, outside the workspace folders.` };
        }
    }
    let stat: fs.Stats;
    try {
        stat = await fs.promises.stat(realPath);
    } catch {
        return { kind: 'none' };
    }
    // A FIFO or device would block the read (or never end), a folder has no lines.
    if (!stat.isFile()) {
        return { kind: 'ignored', reason: `${what} is ignored: ${realPath} is not a regular file.` };
    }
    if (stat.size > DICTIONARY_MAX_BYTES) {
        return { kind: 'ignored', reason: `${what} is ignored: ${realPath} has ${stat.size} bytes, more than ${DICTIONARY_MAX_BYTES}.` };
    }
    return { kind: 'file', realPath, mtime: stat.mtimeMs, size: stat.size };
}

/** The file's text, or why it is not a dictionary: only UTF-8 text without NUL bytes, up to the size limit. */
export async function readDictionaryText(realPath: string): Promise<{ text: string } | { reason: string }> {
    const bytes = await fs.promises.readFile(realPath);
    if (bytes.length > DICTIONARY_MAX_BYTES) {
        return { reason: `${realPath} grew beyond ${DICTIONARY_MAX_BYTES} bytes.` };
    }
    if (bytes.includes(0)) {
        return { reason: `${realPath} is not a text file (it holds NUL bytes).` };
    }
    try {
        return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
        return { reason: `${realPath} is not UTF-8 text.` };
    }
}
