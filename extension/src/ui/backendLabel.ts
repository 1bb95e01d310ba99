// How the status bar and the diagnostics name a backend. Pure (no `vscode` import), so unit tests check it.
import { BackendInfo, InitializeRequest, Status } from '../sidecar/protocol';

/** "Whisper", "Parakeet", or for the remote backend "remote: host:port" (the server that receives the audio). */
export function backendDisplay(id: string | null, status: Status | undefined, init: InitializeRequest.Result | undefined): string {
    if (id === null) {
        return 'none';
    }
    if (id === 'remote' && status?.backend === 'remote' && status.model?.path.startsWith('remote: ')) {
        // The sidecar names the remote "model" "remote: host:port (model name)".
        return status.model.path.replace(/ \([^)]*\)$/, '');
    }
    return init?.capabilities.backends.find(b => b.id === id)?.label ?? id;
}

/** "host:port" of a server address (the port only when the URL names one), for the backend pick; undefined when unset or not a URL. */
export function serverHost(baseUrl: string | null | undefined): string | undefined {
    if (!baseUrl) {
        return undefined;
    }
    try {
        return new URL(baseUrl).host || undefined;
    } catch {
        return undefined;
    }
}

/** The backend item's tooltip. The remote backend holds no local model (one backend resident): it says where the audio goes instead. */
export function backendTooltip(id: string | null, label: string): string {
    return id === 'remote'
        ? `Speech backend: ${label}. No local model is loaded; your recordings go to this server. Click to switch backends.`
        : `Speech backend: ${label}. Click to switch backends.`;
}

/**
 * A backend's row in the backend pick: the current one checked, the remote one described by its server's host:port (or
 * that none is set, with how to set it), an unavailable one with its reason (QuickPickItem cannot be disabled: picking it
 * only repeats the reason).
 */
export function backendPickText(b: BackendInfo, current: string | undefined, remoteHost: string | undefined): { label: string; description: string; detail?: string } {
    const remote = b.id === 'remote' && b.available;
    const where = remote ? remoteHost ?? 'no server set' : b.id;
    const icon = !b.available ? '$(circle-slash)' : b.id === current ? '$(check)' : remote ? '$(cloud)' : '$(mic)';
    const description = b.id === current ? `current${remote ? `, ${where}` : ''}` : b.available ? where : 'unavailable';
    const detail = !b.available
        ? b.reason ?? 'Not available in this sidecar.'
        : remote && !remoteHost ? 'Set wispr.remote.baseUrl to your team\'s transcription server first.' : undefined;
    return { label: `${icon} ${b.label}`, description, ...(detail ? { detail } : {}) };
}
