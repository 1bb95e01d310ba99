// Finds the sidecar in a fixed order (env → setting → bundled bin/<rid> → dev checkout .dll).
// No `vscode` import and every outside fact injected, so the rule order is unit-tested under plain node.
import * as path from 'node:path';

export type LocateRule = 'env' | 'setting' | 'bundled' | 'devRelease' | 'devDebug';

export interface SidecarLaunch {
    /** The program to spawn: the sidecar itself, or `dotnet` for a .dll. */
    command: string;
    /** Arguments before the sidecar's own (`[dll]` for a .dll, otherwise empty). */
    args: string[];
    /** The sidecar file that was found. */
    sidecarPath: string;
    rule: LocateRule;
}

export interface LocateInputs {
    env: Readonly<Record<string, string | undefined>>;
    /** The `wispr.sidecar.path` setting ('' or undefined when unset). */
    settingPath: string | undefined;
    /** Root of the installed extension (= repository root in a dev checkout). */
    extensionRoot: string;
    platform: NodeJS.Platform;
    arch: string;
    exists: (p: string) => boolean;
    log?: (message: string) => void;
    /** The `dotnet` host used for .dll files. */
    dotnetCommand?: string;
}

export const SIDECAR_ENV_VAR = 'WISPR_SIDECAR_PATH';
const SIDECAR_NAME = 'Wispr.Sidecar';

/** .NET runtime identifier for a Node platform/arch pair, or undefined where we ship no sidecar. */
export function runtimeIdentifier(platform: NodeJS.Platform, arch: string): string | undefined {
    const os = platform === 'win32' ? 'win' : platform === 'darwin' ? 'osx' : platform === 'linux' ? 'linux' : undefined;
    const cpu = arch === 'x64' ? 'x64' : arch === 'arm64' ? 'arm64' : undefined;
    return os && cpu ? `${os}-${cpu}` : undefined;
}

export function launchFor(sidecarPath: string, rule: LocateRule, dotnetCommand = 'dotnet'): SidecarLaunch {
    // A framework-dependent .dll has no apphost of its own: run it through the dotnet host.
    return sidecarPath.toLowerCase().endsWith('.dll')
        ? { command: dotnetCommand, args: [sidecarPath], sidecarPath, rule }
        : { command: sidecarPath, args: [], sidecarPath, rule };
}

export function locateSidecar(inputs: LocateInputs): SidecarLaunch {
    const { env, exists, extensionRoot } = inputs;
    const log = inputs.log ?? (() => undefined);
    const dotnet = inputs.dotnetCommand ?? 'dotnet';

    // An explicit path (env or setting) is authoritative: silently running some other sidecar than the one the
    // user named would hide their mistake, so a missing file is an error naming that path.
    const explicit: [LocateRule, string, string | undefined][] = [
        ['env', `environment variable ${SIDECAR_ENV_VAR}`, env[SIDECAR_ENV_VAR]],
        ['setting', 'setting wispr.sidecar.path', inputs.settingPath],
    ];
    for (const [rule, what, value] of explicit) {
        const trimmed = value?.trim();
        if (!trimmed) {
            continue;
        }
        const resolved = path.resolve(trimmed);
        if (!exists(resolved)) {
            throw new Error(`Wispr sidecar not found at '${resolved}' (from the ${what}).`);
        }
        log(`Using the sidecar from the ${what}: ${resolved}`);
        return launchFor(resolved, rule, dotnet);
    }

    const tried: string[] = [];
    const candidates: [LocateRule, string][] = [];
    const rid = runtimeIdentifier(inputs.platform, inputs.arch);
    if (rid) {
        const exe = inputs.platform === 'win32' ? `${SIDECAR_NAME}.exe` : SIDECAR_NAME;
        candidates.push(['bundled', path.join(extensionRoot, 'extension', 'bin', rid, exe)]);
    } else {
        log(`No bundled sidecar for ${inputs.platform}-${inputs.arch}.`);
    }
    for (const [rule, configuration] of [['devRelease', 'Release'], ['devDebug', 'Debug']] as const) {
        candidates.push([rule, path.join(extensionRoot, 'sidecar', SIDECAR_NAME, 'bin', configuration, 'net10.0', `${SIDECAR_NAME}.dll`)]);
    }
    for (const [rule, candidate] of candidates) {
        tried.push(candidate);
        if (exists(candidate)) {
            log(`Using the ${rule === 'bundled' ? 'bundled' : 'dev checkout'} sidecar: ${candidate}`);
            return launchFor(candidate, rule, dotnet);
        }
    }
    throw new Error(
        `Wispr sidecar not found. Set ${SIDECAR_ENV_VAR} or the wispr.sidecar.path setting, or build the sidecar. Tried: ${tried.join(', ')}`,
    );
}
