// The dictation language: the `wispr.language` setting ("auto" or an ISO 639-1 code), what it is sent as, and which models
// can hear it. Pure (no `vscode` import), so the unit tests cover it without VS Code.
import type { Status } from '../sidecar/protocol';

export interface Language {
    code: string;
    name: string;
}

export const AUTO = 'auto';

/** Whisper's most used languages first, then the rest it knows (all of them also in Parakeet v3's 25 where marked). */
export const LANGUAGES: readonly Language[] = [
    { code: 'en', name: 'English' }, { code: 'de', name: 'German' }, { code: 'fr', name: 'French' }, { code: 'es', name: 'Spanish' },
    { code: 'it', name: 'Italian' }, { code: 'pt', name: 'Portuguese' }, { code: 'nl', name: 'Dutch' }, { code: 'pl', name: 'Polish' },
    { code: 'ru', name: 'Russian' }, { code: 'uk', name: 'Ukrainian' }, { code: 'sv', name: 'Swedish' }, { code: 'da', name: 'Danish' },
    { code: 'fi', name: 'Finnish' }, { code: 'cs', name: 'Czech' }, { code: 'sk', name: 'Slovak' }, { code: 'hu', name: 'Hungarian' },
    { code: 'ro', name: 'Romanian' }, { code: 'bg', name: 'Bulgarian' }, { code: 'hr', name: 'Croatian' }, { code: 'sl', name: 'Slovenian' },
    { code: 'el', name: 'Greek' }, { code: 'et', name: 'Estonian' }, { code: 'lv', name: 'Latvian' }, { code: 'lt', name: 'Lithuanian' },
    { code: 'mt', name: 'Maltese' }, { code: 'tr', name: 'Turkish' }, { code: 'zh', name: 'Chinese' }, { code: 'ja', name: 'Japanese' },
    { code: 'ko', name: 'Korean' }, { code: 'ar', name: 'Arabic' }, { code: 'he', name: 'Hebrew' }, { code: 'hi', name: 'Hindi' },
    { code: 'id', name: 'Indonesian' }, { code: 'vi', name: 'Vietnamese' }, { code: 'th', name: 'Thai' }, { code: 'no', name: 'Norwegian' },
    { code: 'ca', name: 'Catalan' }, { code: 'fa', name: 'Persian' }, { code: 'ms', name: 'Malay' }, { code: 'ta', name: 'Tamil' },
];

/** The setting as a canonical value: "auto" or a lower-case code; anything unusable reads as "auto". */
export function normalizeLanguage(value: string | undefined): string {
    const v = (value ?? '').trim().toLowerCase();
    return /^[a-z]{2,3}$/.test(v) ? v : AUTO;
}

export function languageName(code: string): string {
    return code === AUTO ? 'Auto-detect' : LANGUAGES.find(l => l.code === code)?.name ?? code;
}

/** What the status bar shows: "Auto" or the upper-case code. */
export function languageBadge(code: string): string {
    return code === AUTO ? 'Auto' : code.toUpperCase();
}

/**
 * True when the model can only transcribe English: whisper.cpp's `*.en*` files (the default `ggml-base.en.bin` when no
 * model is named) and Parakeet TDT v2. Parakeet v3 and Whisper's multilingual files hear other languages.
 */
export function isEnglishOnlyModel(status: Pick<Status, 'backend' | 'model'> | undefined): boolean {
    if (!status) {
        return true; // the default model, ggml-base.en.bin
    }
    const path = status.model?.path ?? '';
    const name = path.split(/[\\/]/).filter(Boolean).pop() ?? '';
    if (status.backend === 'parakeet') {
        return !/v3/i.test(path); // the default folder is parakeet-tdt-0.6b-v2
    }
    return name === '' || /\.en([.\-_]|$)/i.test(name);
}

/**
 * The `language` sent with a dictation. "auto" on an English-only model is sent as "en": such a model hears nothing else,
 * and detecting the language would cost whisper.cpp a second encoder pass for nothing.
 */
export function languageToSend(setting: string, englishOnly: boolean): string {
    return setting === AUTO && englishOnly ? 'en' : setting;
}

/** The language needs a model that hears more than English. */
export function needsMultilingualModel(setting: string, englishOnly: boolean): boolean {
    return englishOnly && setting !== AUTO && setting !== 'en';
}
