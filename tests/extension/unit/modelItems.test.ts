import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildDeleteItems, buildModelItems, describeDownload, describeLanguages, formatBytes } from '../../../extension/src/models/modelItems';
import { modelDownloadEnvironment } from '../../../extension/src/sidecar/sidecarConnection';
import { ModelListItem, ModelsListRequest } from '../../../extension/src/sidecar/protocol';

function model(id: string, backend: string, over: Partial<ModelListItem> = {}): ModelListItem {
    return {
        id, backend, label: id, variant: 'f16', languages: ['en'], note: 'A note.', ramMb: 388, sizeBytes: 147_964_211,
        downloaded: false, sizeOnDisk: 0, partialBytes: 0, resident: false, selected: false, downloading: false,
        path: `/cache/${id}`, urls: [`https://huggingface.co/x/${id}`], checksum: true, ...over,
    };
}

function list(models: ModelListItem[], recommended: string): ModelsListRequest.Result {
    return { models, cacheFolder: '/cache', cacheBytes: 1_234_000_000, recommended, machine: { cores: 4, memoryBytes: 8e9 } };
}

describe('Choose Model quick pick items', () => {
    const result = list([
        model('whisper-base.en', 'whisper', { downloaded: true, sizeOnDisk: 147_964_211, resident: true, selected: true }),
        model('whisper-small', 'whisper', { languages: ['*'], sizeBytes: 487_601_967, partialBytes: 243_800_984 }),
        model('whisper-tiny.en', 'whisper', { downloaded: true, sizeOnDisk: 77_704_715, sizeBytes: 77_704_715 }),
        model('parakeet-tdt-0.6b-v3-int8', 'parakeet', { languages: ['de', 'en', 'fr', 'es'], sizeBytes: 670_480_039 }),
    ], 'whisper-small');
    const items = buildModelItems(result);
    const byLabel = (text: string) => items.find(i => i.label.includes(text))!;

    test('the recommended model comes first, under its own heading, and only once', () => {
        assert.equal(items[0]!.separator, true);
        assert.match(items[0]!.label, /Recommended/);
        assert.match(items[1]!.label, /whisper-small/);
        assert.match(items[1]!.description!, /recommended/);
        assert.equal(items.filter(i => i.label.includes('whisper-small')).length, 1);
    });

    test('downloaded models are marked, with size, languages and which one is loaded', () => {
        const base = byLabel('whisper-base.en');
        assert.match(base.label, /^\$\(check\)/);
        assert.equal(base.description, '148 MB · English · loaded');
        const tiny = byLabel('whisper-tiny.en');
        assert.match(tiny.label, /^\$\(check\)/);
        const small = byLabel('whisper-small');
        assert.match(small.label, /^\$\(cloud-download\)/);
        assert.match(small.description!, /488 MB · 99 languages/);
        assert.match(small.detail!, /50% downloaded, resumes/);
        assert.match(small.detail!, /About 388 MB of memory/);
        assert.match(byLabel('parakeet').description!, /670 MB · 4 languages/);
    });

    test('models are grouped by backend, then the store actions with the cache size', () => {
        const separators = items.filter(i => i.separator).map(i => i.label);
        assert.deepEqual(separators, ['Recommended for this machine', 'Whisper', 'Parakeet', 'Manage']);
        const actions = items.filter(i => i.action && i.action.kind !== 'model').map(i => i.action!.kind);
        assert.deepEqual(actions, ['delete', 'reveal', 'useFile']);
        const reveal = items.find(i => i.action?.kind === 'reveal')!;
        assert.equal(reveal.description, '1.2 GB in use');
        assert.equal(reveal.detail, '/cache');
    });

    test('delete offers downloaded models that are not loaded, largest first; none: no delete item', () => {
        assert.deepEqual(buildDeleteItems(result).map(i => i.label), ['whisper-tiny.en']);
        const nothing = buildModelItems(list([model('whisper-base.en', 'whisper', { downloaded: true, resident: true })], 'whisper-base.en'));
        assert.equal(nothing.some(i => i.action?.kind === 'delete'), false);
    });

    test('progress reads percent, sizes and speed', () => {
        assert.equal(describeDownload(52_428_800, 264_477_561, 10_485_760), '19% · 52 MB of 264 MB · 10.5 MB/s');
        assert.equal(describeDownload(0, 0, 0), '0% · 1 KB of 1 KB');
        assert.equal(formatBytes(1_624_555_275), '1.6 GB');
        assert.equal(describeLanguages(['en']), 'English');
        assert.equal(describeLanguages(['*']), '99 languages');
    });
});

describe('model download environment', () => {
    test("VS Code's http.proxy and proxyStrictSSL and the mirror setting reach the sidecar's environment", () => {
        const env = modelDownloadEnvironment({ PATH: '/bin', http_proxy: 'http://old:1' }, {
            proxy: 'http://proxy.example:3128', proxyStrictSSL: false, modelBaseUrl: 'http://mirror.example/',
        });
        assert.equal(env.HTTPS_PROXY, 'http://proxy.example:3128');
        assert.equal(env.HTTP_PROXY, 'http://proxy.example:3128');
        assert.equal(env.http_proxy, undefined);
        assert.equal(env.WISPR_PROXY_STRICT_SSL, 'false');
        assert.equal(env.WISPR_MODEL_BASE_URL, 'http://mirror.example/');
        assert.equal(env.PATH, '/bin');
    });

    test('unset settings leave the inherited proxy variables alone', () => {
        const env = modelDownloadEnvironment({ HTTPS_PROXY: 'http://corp:8080', NO_PROXY: 'localhost' }, { proxy: '', proxyStrictSSL: true });
        assert.equal(env.HTTPS_PROXY, 'http://corp:8080');
        assert.equal(env.NO_PROXY, 'localhost');
        assert.equal(env.WISPR_PROXY_STRICT_SSL, undefined);
        assert.equal(env.WISPR_MODEL_BASE_URL, undefined);
    });
});
