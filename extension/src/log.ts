// The one output channel, "Wispr": extension messages, the sidecar's stderr and (when enabled) the RPC trace.
import * as vscode from 'vscode';
import { classifyStderrLine, SidecarLogLevel } from './sidecar/sidecarConnection';

export function createLog(): vscode.LogOutputChannel {
    return vscode.window.createOutputChannel('Wispr', { log: true });
}

/** The channel's level, in the names the sidecar's `--logLevel` takes, so both sides log alike. */
export function sidecarLogLevel(level: vscode.LogLevel): SidecarLogLevel {
    switch (level) {
        case vscode.LogLevel.Trace: return 'Trace';
        case vscode.LogLevel.Debug: return 'Debug';
        case vscode.LogLevel.Info: return 'Information';
        case vscode.LogLevel.Warning: return 'Warning';
        case vscode.LogLevel.Error: return 'Error';
        case vscode.LogLevel.Off: return 'None';
        default: return 'Information';
    }
}

/** Writes one sidecar stderr line at the level its prefix names. */
export function logSidecarLine(log: vscode.LogOutputChannel, line: string): void {
    if (!line.trim()) {
        return;
    }
    const text = `[sidecar] ${line}`;
    switch (classifyStderrLine(line)) {
        case 'trace': log.trace(text); break;
        case 'debug': log.debug(text); break;
        case 'warn': log.warn(text); break;
        case 'error': log.error(text); break;
        default: log.info(text); break;
    }
}
