// The "Wispr: Choose Model…" quick pick's items, built from `models/list` without `vscode` (unit-tested under plain node).
import { ModelListItem, ModelsListRequest } from '../sidecar/protocol';

export type ModelPickAction =
    | { kind: 'model'; model: ModelListItem }
    | { kind: 'delete' }
    | { kind: 'reveal' }
    | { kind: 'useFile' };

export interface ModelPickEntry {
    label: string;
    description?: string;
    detail?: string;
    /** A group title (a QuickPickItemKind.Separator), not a choice. */
    separator?: boolean;
    action?: ModelPickAction;
}

/** "142 MB", "1.5 GB": decimal units, as download pages quote sizes. */
export function formatBytes(bytes: number): string {
    if (bytes >= 1e9) {
        return `${(bytes / 1e9).toFixed(1)} GB`;
    }
    if (bytes >= 1e6) {
        return `${Math.round(bytes / 1e6)} MB`;
    }
    return `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}

/** "English", "99 languages", "25 languages". */
export function describeLanguages(languages: string[]): string {
    if (languages.includes('*')) {
        return '99 languages';
    }
    if (languages.length === 1 && languages[0] === 'en') {
        return 'English';
    }
    return languages.length <= 3 ? languages.join(', ') : `${languages.length} languages`;
}

function modelEntry(m: ModelListItem, recommended: boolean): ModelPickEntry {
    const state = m.resident ? 'loaded' : m.selected ? 'selected' : m.downloading ? 'downloading' : undefined;
    const description = [formatBytes(m.sizeBytes), describeLanguages(m.languages), state, recommended ? 'recommended' : undefined]
        .filter(Boolean)
        .join(' · ');
    const partial = !m.downloaded && m.partialBytes > 0
        ? ` · ${Math.floor((100 * m.partialBytes) / Math.max(1, m.sizeBytes))}% downloaded, resumes`
        : '';
    return {
        label: `${m.downloaded ? '$(check)' : '$(cloud-download)'} ${m.label}`,
        description,
        detail: `${m.note} About ${formatBytes(m.ramMb * 1e6)} of memory.${partial}`,
        action: { kind: 'model', model: m },
    };
}

/**
 * The items: the recommended model first, then every model by backend (downloaded ones marked ✓, with size, languages, and
 * loaded/selected), then the store's own actions: delete a downloaded model, reveal the cache folder (with its total size),
 * use a model file the user already has.
 */
export function buildModelItems(list: ModelsListRequest.Result): ModelPickEntry[] {
    const items: ModelPickEntry[] = [];
    const recommended = list.models.find(m => m.id === list.recommended);
    if (recommended) {
        items.push({ label: 'Recommended for this machine', separator: true });
        items.push(modelEntry(recommended, true));
    }
    for (const [backend, title] of [['whisper', 'Whisper'], ['parakeet', 'Parakeet']] as const) {
        const models = list.models.filter(m => m.backend === backend && m.id !== list.recommended);
        if (models.length > 0) {
            items.push({ label: title, separator: true });
            items.push(...models.map(m => modelEntry(m, false)));
        }
    }
    items.push({ label: 'Manage', separator: true });
    const deletable = list.models.filter(m => m.downloaded && !m.resident);
    if (deletable.length > 0) {
        items.push({
            label: '$(trash) Delete a downloaded model…',
            description: `${deletable.length} deletable`,
            action: { kind: 'delete' },
        });
    }
    items.push({
        label: '$(folder-opened) Reveal the model folder',
        description: `${formatBytes(list.cacheBytes)} in use`,
        detail: list.cacheFolder,
        action: { kind: 'reveal' },
    });
    items.push({
        label: '$(file) Use a model file I already have…',
        description: 'a Whisper .bin file or a Parakeet folder',
        action: { kind: 'useFile' },
    });
    return items;
}

/** Items of the "delete which model" pick: downloaded models that are not loaded, largest first. */
export function buildDeleteItems(list: ModelsListRequest.Result): ModelPickEntry[] {
    return list.models
        .filter(m => m.downloaded && !m.resident)
        .sort((a, b) => b.sizeOnDisk - a.sizeOnDisk)
        .map(m => ({ label: m.label, description: formatBytes(m.sizeOnDisk), action: { kind: 'model', model: m } }));
}

/** The progress line: "42% · 60 of 142 MB · 8.5 MB/s". */
export function describeDownload(receivedBytes: number, totalBytes: number, bytesPerSecond: number): string {
    const percent = totalBytes > 0 ? Math.floor((100 * receivedBytes) / totalBytes) : 0;
    const speed = bytesPerSecond > 0 ? ` · ${(bytesPerSecond / 1e6).toFixed(1)} MB/s` : '';
    return `${percent}% · ${formatBytes(receivedBytes)} of ${formatBytes(totalBytes)}${speed}`;
}
