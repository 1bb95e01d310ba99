// Finds a language's comment tokens in the language configurations that installed extensions contribute
// (VS Code has no API that returns them), falling back to the built-in table.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CommentSyntax } from './commentFormat';
import { builtinCommentSyntax, commentSyntaxFromConfig, parseJsonc } from './languageConfig';

interface LanguageContribution {
    id?: unknown;
    configuration?: unknown;
}

export class CommentSyntaxProvider implements vscode.Disposable {
    // undefined as a value = looked up, language has no comments; cleared when extensions change.
    private readonly cache = new Map<string, CommentSyntax | undefined>();
    private readonly subscription: vscode.Disposable;

    constructor(private readonly log: vscode.LogOutputChannel) {
        this.subscription = vscode.extensions.onDidChange(() => this.cache.clear());
    }

    get(languageId: string): CommentSyntax | undefined {
        if (!this.cache.has(languageId)) {
            this.cache.set(languageId, this.lookUp(languageId));
        }
        return this.cache.get(languageId);
    }

    dispose(): void {
        this.subscription.dispose();
    }

    private lookUp(languageId: string): CommentSyntax | undefined {
        for (const extension of vscode.extensions.all) {
            const languages = (extension.packageJSON as { contributes?: { languages?: unknown } }).contributes?.languages;
            if (!Array.isArray(languages)) {
                continue;
            }
            for (const language of languages as LanguageContribution[]) {
                if (language.id !== languageId || typeof language.configuration !== 'string') {
                    continue;
                }
                const file = path.join(extension.extensionPath, language.configuration);
                try {
                    const syntax = commentSyntaxFromConfig(parseJsonc(fs.readFileSync(file, 'utf8')));
                    if (syntax) {
                        return syntax;
                    }
                } catch (e) {
                    this.log.debug(`Could not read the language configuration ${file}: ${e instanceof Error ? e.message : String(e)}`);
                }
            }
        }
        return builtinCommentSyntax(languageId);
    }
}
