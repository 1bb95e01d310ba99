// Tests run from out/tests/...; find the repository root (the folder holding the extension's package.json).
import * as fs from 'node:fs';
import * as path from 'node:path';

export function repoRoot(from: string = __dirname): string {
    let dir = from;
    for (;;) {
        const manifest = path.join(dir, 'package.json');
        if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wispr-vscode') {
            return dir;
        }
        const parent = path.dirname(dir);
        if (parent === dir) {
            throw new Error(`No wispr-vscode package.json above ${from}`);
        }
        dir = parent;
    }
}
