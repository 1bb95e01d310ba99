// The one way the integration suites spawn the REAL sidecar: the prerequisites (the sidecar, found as the extension finds it;
// WISPR_MODEL_PATH; samples/jfk.wav), checked before anything starts so a missing piece is one clear failure, never a skip or
// a timeout; and a spawn that initializes and keeps the sidecar's stderr for the failure report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { locateSidecar, SidecarLaunch } from '../../../extension/src/sidecar/locateSidecar';
import { InitializeRequest } from '../../../extension/src/sidecar/protocol';
import { SidecarConnection } from '../../../extension/src/sidecar/sidecarConnection';
import { repoRoot } from '../repoRoot';
import { withTimeout } from '../waitFor';

export const root = repoRoot();
export const jfk = path.join(root, 'samples', 'jfk.wav');
/** Loading and running a model on a small CI machine; generous, but a hang still ends. */
export const ASR_TIMEOUT_MS = 240_000;
export const QUICK_TIMEOUT_MS = 30_000;

export interface Prerequisites {
    launch: SidecarLaunch;
    modelPath: string;
}

function requireFile(what: string, file: string | undefined): string {
    if (!file || !fs.existsSync(file)) {
        throw new Error(`Integration test prerequisite missing: ${what} (${file ?? 'not set'}).`);
    }
    return path.resolve(file);
}

/** The sidecar (same rules as the extension: env, then bundled, then the dev build), the model and the sample; or why not. */
export function checkPrerequisites(): Prerequisites | Error {
    try {
        const modelPath = requireFile('a model file in WISPR_MODEL_PATH', process.env.WISPR_MODEL_PATH);
        requireFile('the sample samples/jfk.wav', jfk);
        const launch = locateSidecar({
            env: process.env,
            settingPath: undefined,
            extensionRoot: root,
            platform: process.platform,
            arch: process.arch,
            exists: p => fs.existsSync(p),
            log: m => console.log(`# ${m}`),
        });
        return { launch, modelPath };
    } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
    }
}

export interface SpawnOptions {
    /** Receives every stderr line (kept by the suite for its failure report). */
    stderr: string[];
    clientName: string;
    env?: NodeJS.ProcessEnv;
    /** Subscribes to notifications before `initialize`, so none is missed. */
    beforeInitialize?: (sidecar: SidecarConnection) => void;
}

/** Spawns the sidecar and initializes it with the model; `initialize` is bounded and a timeout shows the stderr so far. */
export async function spawnSidecar(prerequisites: Prerequisites, options: SpawnOptions): Promise<{ sidecar: SidecarConnection; init: InitializeRequest.Result }> {
    const sidecar = SidecarConnection.start(prerequisites.launch, {
        logLevel: 'Debug',
        clientProcessId: process.pid,
        onStderrLine: line => options.stderr.push(line),
        ...(options.env ? { env: options.env } : {}),
    });
    try {
        options.beforeInitialize?.(sidecar);
        const init = await withTimeout(
            sidecar.initialize({ clientName: options.clientName, clientVersion: '0', modelPath: prerequisites.modelPath }),
            QUICK_TIMEOUT_MS,
            () => `initialize: no answer. stderr:\n${options.stderr.join('\n')}`,
        );
        return { sidecar, init };
    } catch (e) {
        await sidecar.kill(); // no process outlives a failed start
        throw e;
    }
}

/** For a failed run's reader: the last stderr lines as TAP comments. */
export function printStderr(stderr: string[], lines: number): void {
    if (stderr.length > 0) {
        console.log(`# sidecar stderr (last ${lines} lines):\n${stderr.slice(-lines).map(l => `#   ${l}`).join('\n')}`);
    }
}
