// Reads the comment tokens that the built-in extensions of a VS Code build (here: the code-server package that the e2e
// suite installs) declare in their language configurations. Shared by the fixture generator and the unit test that
// checks the committed fixture is still what that build says.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommentSyntax } from '../../../extension/src/dictation/commentFormat';
import { commentSyntaxFromConfig, parseJsonc } from '../../../extension/src/dictation/languageConfig';

export interface LanguageCommentsFixture {
    /** Where the data came from: the code-server package and its version. */
    source: string;
    /** Every language id a built-in extension contributes with a configuration file; null: that file declares no comments. */
    languages: Record<string, CommentSyntax | null>;
}

interface LanguageContribution {
    id?: unknown;
    configuration?: unknown;
}

export function codeServerVersion(codeServerDir: string): string {
    return (JSON.parse(fs.readFileSync(path.join(codeServerDir, 'package.json'), 'utf8')) as { version: string }).version;
}

export function readBuiltinLanguageComments(codeServerDir: string): LanguageCommentsFixture {
    const extensionsDir = path.join(codeServerDir, 'lib', 'vscode', 'extensions');
    const languages: Record<string, CommentSyntax | null> = {};
    for (const name of fs.readdirSync(extensionsDir).sort()) {
        const manifest = path.join(extensionsDir, name, 'package.json');
        if (!fs.existsSync(manifest)) {
            continue;
        }
        const contributes = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { contributes?: { languages?: unknown } }).contributes;
        if (!Array.isArray(contributes?.languages)) {
            continue;
        }
        for (const language of contributes.languages as LanguageContribution[]) {
            if (typeof language.id !== 'string' || typeof language.configuration !== 'string') {
                continue;
            }
            const file = path.join(extensionsDir, name, language.configuration);
            const syntax = commentSyntaxFromConfig(parseJsonc(fs.readFileSync(file, 'utf8')));
            // The first configuration that declares comments wins, as in CommentSyntaxProvider.
            if (!languages[language.id]) {
                languages[language.id] = syntax ? { ...syntax } : null;
            }
        }
    }
    const sorted: Record<string, CommentSyntax | null> = {};
    for (const id of Object.keys(languages).sort()) {
        sorted[id] = languages[id];
    }
    return { source: `code-server ${codeServerVersion(codeServerDir)}`, languages: sorted };
}
