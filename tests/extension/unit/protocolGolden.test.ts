// One contract, checked from both ends: the sidecar test ProtocolGoldenTests writes examples of every result and notification
// (serialized exactly as on the wire) into tests/fixtures/protocol-golden/; this test compiles each file with `satisfies`
// against the types in protocol.ts, under the TypeScript compiler with the project's strict settings. A renamed property,
// a null where protocol.ts has an optional property (or none), or a wrong type is a compile error here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import * as ts from 'typescript';
import { allMessages } from '../../../extension/src/sidecar/protocol';
import { repoRoot } from '../repoRoot';

const root = repoRoot();
const goldenDir = path.join(root, 'tests', 'fixtures', 'protocol-golden');
const protocolPath = path.join(root, 'extension', 'src', 'sidecar', 'protocol.ts');

/** Golden file → the protocol.ts type its examples must satisfy. */
const typeOf: Record<string, string> = {
    'initialize.result.json': 'InitializeRequest.Result',
    'status.result.json': 'StatusRequest.Result',
    'dictation.start.result.json': 'DictationStartRequest.Result',
    'dictation.stop.result.json': 'DictationStopRequest.Result',
    'dictation.cancel.result.json': 'DictationCancelRequest.Result',
    'dictation.delivered.result.json': 'DictationDeliveredRequest.Result',
    'transcribeFile.result.json': 'TranscribeFileRequest.Result',
    'backend.select.result.json': 'BackendSelectRequest.Result',
    'model.prepare.result.json': 'ModelPrepareRequest.Result',
    'audio.listDevices.result.json': 'AudioListDevicesRequest.Result',
    'model.unload.result.json': 'ModelUnloadRequest.Result',
    'cleanup.configure.result.json': 'CleanupConfigureRequest.Result',
    'cleanup.apply.result.json': 'CleanupApplyRequest.Result',
    'remote.configure.result.json': 'RemoteConfigureRequest.Result',
    'shutdown.result.json': 'ShutdownRequest.Result',
    'recordings.list.result.json': 'RecordingsListRequest.Result',
    'recordings.delete.result.json': 'RecordingsDeleteRequest.Result',
    'dictation.stateChanged.params.json': 'DictationStateChangedNotification.Params',
    'dictation.sourceEnded.params.json': 'DictationSourceEndedNotification.Params',
    'dictation.segment.params.json': 'DictationSegmentNotification.Params',
    'dictation.limitApproaching.params.json': 'DictationLimitApproachingNotification.Params',
    'audio.level.params.json': 'AudioLevelNotification.Params',
    'model.progress.params.json': 'ModelProgressNotification.Params',
    'dictation.recordingUnsaved.params.json': 'DictationRecordingUnsavedNotification.Params',
    'models.list.result.json': 'ModelsListRequest.Result',
    'models.download.result.json': 'ModelsDownloadRequest.Result',
    'models.delete.result.json': 'ModelsDeleteRequest.Result',
    'models.useFile.result.json': 'ModelsUseFileRequest.Result',
    'models.downloadProgress.params.json': 'ModelsDownloadProgressNotification.Params',
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function readGolden(name: string): Json[] {
    return JSON.parse(fs.readFileSync(path.join(goldenDir, name), 'utf8')) as Json[];
}

/**
 * Type-checks each source (examples as JSON text, and the type they must satisfy) in one program, with protocol.ts
 * imported for real; returns the error messages per source name.
 */
function typeCheck(sources: { name: string; json: string; type: string }[]): Map<string, string[]> {
    const options: ts.CompilerOptions = {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        skipLibCheck: true,
        types: [],
    };
    const importPath = protocolPath.replace(/\\/g, '/').replace(/\.ts$/, '');
    const virtual = new Map(sources.map(s => [
        path.join(root, 'out', 'golden-check', `${s.name}.ts`),
        `import type * as P from '${importPath}';\nexport const examples = ${s.json} satisfies P.${s.type}[];\n`,
    ]));
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
        const text = virtual.get(path.normalize(fileName));
        return text !== undefined ? ts.createSourceFile(fileName, text, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = fileName => virtual.has(path.normalize(fileName)) || fileExists(fileName);
    const program = ts.createProgram([...virtual.keys()], options, host);
    const result = new Map<string, string[]>(sources.map(s => [s.name, []]));
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
        const file = diagnostic.file?.fileName;
        const source = sources.find(s => file !== undefined && path.normalize(file).endsWith(`${s.name}.ts`));
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
        if (source) {
            result.get(source.name)!.push(message);
        } else {
            // An error anywhere else (protocol.ts itself) makes every verdict meaningless.
            assert.fail(`type check failed outside the golden sources (${file ?? 'global'}): ${message}`);
        }
    }
    return result;
}

/** A deep copy of the first example of `name` with `change` applied. */
function mutated(name: string, change: (example: { [key: string]: Json }) => void): string {
    const example = structuredClone(readGolden(name)[0]) as { [key: string]: Json };
    change(example);
    return JSON.stringify([example]);
}

describe('the sidecar\'s golden protocol examples satisfy protocol.ts', () => {
    test('there is a golden file for every result and notification in protocol.ts, and no other', () => {
        const files = fs.readdirSync(goldenDir).filter(f => f.endsWith('.json')).sort();
        assert.deepEqual(files, Object.keys(typeOf).sort());
        const expected = allMessages.map(m => `${m.method.replace(/\//g, '.')}.${m.messageDirection === 'clientToServer' ? 'result' : 'params'}.json`);
        assert.deepEqual([...expected].sort(), files);
    });

    test('each file type-checks against its protocol.ts type, and deliberate breakage does not', () => {
        const good = Object.entries(typeOf).map(([name, type]) => ({ name: name.replace(/\W/g, '_'), json: JSON.stringify(readGolden(name)), type }));
        // Each of these must fail: they prove the check can tell a broken contract from a good one.
        const broken = [
            { name: 'renamed', type: 'StatusRequest.Result', json: mutated('status.result.json', e => { e.workingSetByte = e.workingSetBytes; delete e.workingSetBytes; }) },
            { name: 'null_for_optional', type: 'DictationStateChangedNotification.Params', json: mutated('dictation.stateChanged.params.json', e => { e.reason = null; }) },
            { name: 'null_for_required', type: 'DictationStopRequest.Result', json: mutated('dictation.stop.result.json', e => { e.text = null; }) },
            { name: 'wrong_type', type: 'DictationSourceEndedNotification.Params', json: mutated('dictation.sourceEnded.params.json', e => { e.capturedMs = '11000'; }) },
            { name: 'unknown_enum', type: 'StatusRequest.Result', json: mutated('status.result.json', e => { e.state = 'sleeping'; }) },
            { name: 'null_bytes', type: 'ModelProgressNotification.Params', json: mutated('model.progress.params.json', e => { e.receivedBytes = null; }) },
        ];
        const verdicts = typeCheck([...good, ...broken]);
        for (const g of good) {
            assert.deepEqual(verdicts.get(g.name), [], `${g.name} does not satisfy ${g.type}`);
        }
        for (const b of broken) {
            assert.ok(verdicts.get(b.name)!.length > 0, `the check accepted a broken example (${b.name})`);
        }
    });
});
