// Which program plays a short WAV cue on each platform. Pure (no `vscode` import) so unit tests run under node.
// VS Code has no audio API for extensions (its accessibility signals cannot be triggered by one), so the extension host
// runs the platform's own player. In a remote window (SSH, WSL, Codespaces, code-server) the extension host runs on the
// remote machine, so the cue plays there: one reason the setting is off by default (docs/extension.md).

export interface PlayerCommand {
    command: string;
    args: string[];
}

/** The player for `platform` (a `process.platform` value), or undefined where there is none. */
export function soundPlayerFor(platform: string, wavFile: string): PlayerCommand | undefined {
    switch (platform) {
        case 'linux':
            // PulseAudio and PipeWire (pipewire-pulse) both serve paplay.
            return { command: 'paplay', args: [wavFile] };
        case 'darwin':
            return { command: 'afplay', args: [wavFile] };
        case 'win32':
            return {
                command: 'powershell.exe',
                args: ['-NoProfile', '-NonInteractive', '-Command', `(New-Object Media.SoundPlayer '${wavFile.replace(/'/g, "''")}').PlaySync()`],
            };
        default:
            return undefined;
    }
}
