// The recognition settings (wispr.recognition.*) as the extension reads them and hands them to the sidecar.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type * as Config from '../../../extension/src/config';
import { repoRoot } from '../repoRoot';

// config.ts imports `vscode`: load it with the mock.
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const originalResolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? path.join(__dirname, '..', 'fixtures', 'vscodeMock.js') : originalResolve.call(this, request, ...rest);
};
const { recognitionConfig, Settings, SECTION } = require('../../../extension/src/config') as typeof Config;

describe('recognition settings', () => {
    test('threads: a whole number from 0 (auto); anything else is auto', () => {
        assert.equal(recognitionConfig(0, 'fit').threads, 0);
        assert.equal(recognitionConfig(2, 'fit').threads, 2);
        assert.equal(recognitionConfig(2.7, 'fit').threads, 2);
        assert.equal(recognitionConfig(1000, 'fit').threads, 64);
        for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '4', undefined, null]) {
            assert.equal(recognitionConfig(bad, 'fit').threads, 0, String(bad));
        }
    });

    test('audio context: full only when asked for, fit otherwise', () => {
        assert.equal(recognitionConfig(0, 'full').audioContext, 'full');
        assert.equal(recognitionConfig(0, 'fit').audioContext, 'fit');
        assert.equal(recognitionConfig(0, undefined).audioContext, 'fit');
        assert.equal(recognitionConfig(0, 'FULL').audioContext, 'fit');
    });

    test('the manifest declares both settings with the defaults the code assumes', () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as {
            contributes: { configuration: { properties?: Record<string, { default?: unknown; enum?: unknown[] }> } | { properties?: Record<string, { default?: unknown; enum?: unknown[] }> }[] };
        };
        const sections = Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration];
        const properties = Object.assign({}, ...sections.map(s => s.properties ?? {})) as Record<string, { default?: unknown; enum?: unknown[] }>;
        assert.equal(properties[`${SECTION}.${Settings.recognitionThreads}`]?.default, 0);
        assert.equal(properties[`${SECTION}.${Settings.audioContext}`]?.default, 'fit');
        assert.deepEqual(properties[`${SECTION}.${Settings.audioContext}`]?.enum, ['fit', 'full']);
    });
});
