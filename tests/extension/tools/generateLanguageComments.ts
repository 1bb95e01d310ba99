// Writes tests/extension/fixtures/builtin-language-comments.json from the code-server build the e2e suite installs; the
// unit test languageComments.test.ts checks the fallback table in extension/src/dictation/languageConfig.ts against it.
//
// Usage (after tests/e2e/setup.sh has installed code-server):
//   npm run build && node out/tests/extension/tools/generateLanguageComments.js [path/to/code-server]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';
import { readBuiltinLanguageComments } from './builtinLanguageComments';

const root = repoRoot();
const codeServer = path.resolve(process.argv[2] ?? path.join(root, 'tests', 'e2e', 'node_modules', 'code-server'));
const fixture = readBuiltinLanguageComments(codeServer);
const out = path.join(root, 'tests', 'extension', 'fixtures', 'builtin-language-comments.json');
// One language per line, so a regenerated fixture diffs by language.
const lines = Object.entries(fixture.languages).map(([id, syntax]) => `    ${JSON.stringify(id)}: ${JSON.stringify(syntax)}`);
fs.writeFileSync(out, `{\n  "source": ${JSON.stringify(fixture.source)},\n  "languages": {\n${lines.join(',\n')}\n  }\n}\n`);
console.log(`${Object.keys(fixture.languages).length} languages from ${fixture.source} → ${path.relative(root, out)}`);
