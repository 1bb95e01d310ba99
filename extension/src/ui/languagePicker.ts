// "Wispr: Choose Language…": a quick pick over the languages Whisper knows; the choice goes into wispr.language. A language
// the current model cannot hear (an English-only model) is followed by a suggestion to choose a multilingual model.
import * as vscode from 'vscode';
import { readConfig, SECTION, Settings } from '../config';
import { AUTO, isEnglishOnlyModel, LANGUAGES, languageName, needsMultilingualModel } from '../language/languages';
import { SidecarProcess } from '../sidecar/sidecarProcess';

interface LanguageItem extends vscode.QuickPickItem {
    code: string;
}

/** The picker's items: auto-detect first, then every language, the current one marked. */
export function languageItems(current: string): LanguageItem[] {
    const mark = (code: string) => (code === current ? '$(check) ' : '');
    return [
        { code: AUTO, label: `${mark(AUTO)}Auto-detect`, description: 'the model decides; English-only models always hear English' },
        { code: '', label: '', kind: vscode.QuickPickItemKind.Separator },
        ...LANGUAGES.map(l => ({ code: l.code, label: `${mark(l.code)}${l.name}`, description: l.code })),
    ];
}

export async function pickLanguage(context: vscode.ExtensionContext): Promise<void> {
    const current = readConfig(context).language;
    const picked = await vscode.window.showQuickPick(languageItems(current), {
        title: 'Wispr: dictation language',
        placeHolder: `You speak… (now: ${languageName(current)})`,
        matchOnDescription: true,
    });
    if (!picked || picked.code === current) {
        return;
    }
    // The configuration listener updates the status item and suggests a model if this one cannot hear the language.
    await vscode.workspace.getConfiguration(SECTION).update(Settings.language, picked.code, vscode.ConfigurationTarget.Global);
}

/** Offers the model picker when the language needs a multilingual model and the current one is English-only. */
export async function suggestModelForLanguage(language: string, sidecar: SidecarProcess): Promise<void> {
    if (!needsMultilingualModel(language, isEnglishOnlyModel(sidecar.status))) {
        return;
    }
    const choose = 'Choose Model…';
    const choice = await vscode.window.showWarningMessage(
        `Wispr: the current model hears only English. For ${languageName(language)}, choose a multilingual Whisper model or Parakeet v3.`,
        choose);
    if (choice === choose) {
        await vscode.commands.executeCommand('wispr.chooseModel');
    }
}
