// How the status bar and the diagnostics name a backend. Pure (no `vscode` import), so unit tests check it.
import { InitializeRequest, Status } from '../sidecar/protocol';

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
