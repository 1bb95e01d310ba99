// One running sidecar process and its JSON-RPC connection. No `vscode` import: the extension (sidecarProcess.ts)
// and the integration test both drive the real sidecar through this class.
import { ChildProcess, spawn } from 'node:child_process';
import {
    CancellationToken,
    CancellationTokenSource,
    createMessageConnection,
    Logger,
    MessageConnection,
    StreamMessageReader,
    StreamMessageWriter,
    Trace,
    Tracer,
} from 'vscode-jsonrpc/node';
import { SidecarLaunch } from './locateSidecar';
import { InitializeRequest, ShutdownRequest } from './protocol';

/** Level names the sidecar's `--logLevel` takes (Microsoft.Extensions.Logging's LogLevel names). */
export type SidecarLogLevel = 'Trace' | 'Debug' | 'Information' | 'Warning' | 'Error' | 'Critical' | 'None';

export interface SidecarSpawnOptions {
    logLevel: SidecarLogLevel;
    /** Threads (0 = auto) and Whisper's encoder window; the sidecar's own defaults when absent. */
    recognition?: { threads: number; audioContext: 'fit' | 'full' };
    /** The sidecar exits by itself when this process dies (the extension host, or the test runner). */
    clientProcessId: number;
    /** Each stderr line, without its line break; the sidecar writes all its logging there. */
    onStderrLine?: (line: string) => void;
    /** Problems of the connection itself (not of the sidecar's requests). */
    logger?: Logger;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
}

export interface SidecarExit {
    code: number | null;
    signal: NodeJS.Signals | null;
    /** Set when the process could not be started at all (e.g. `dotnet` not on PATH). */
    error?: Error;
}

const silentLogger: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, log: () => undefined };

/** The arguments the sidecar gets after the launch's own (`dotnet <dll>`). */
export function sidecarArguments(options: Pick<SidecarSpawnOptions, 'logLevel' | 'clientProcessId' | 'recognition'>): string[] {
    const args = ['--logLevel', options.logLevel, '--clientProcessId', String(options.clientProcessId)];
    if (options.recognition) {
        args.push('--threads', String(options.recognition.threads), '--audioContext', options.recognition.audioContext);
    }
    return args;
}

/** Splits a stream of chunks into lines (LF or CRLF); the last partial line waits for more data or `flush`. */
export class LineSplitter {
    private pending = '';
    constructor(private readonly onLine: (line: string) => void) {}

    push(chunk: string): void {
        const parts = (this.pending + chunk).split(/\r?\n/);
        this.pending = parts.pop() ?? '';
        for (const line of parts) {
            this.onLine(line);
        }
    }

    flush(): void {
        if (this.pending) {
            const line = this.pending;
            this.pending = '';
            this.onLine(line);
        }
    }
}

export class SidecarConnection {
    readonly connection: MessageConnection;
    readonly process: ChildProcess;
    /** Resolves once, when the process has exited (or failed to start). Never rejects. */
    readonly exited: Promise<SidecarExit>;
    readonly commandLine: string;
    private exitInfo: SidecarExit | undefined;

    private constructor(launch: SidecarLaunch, options: SidecarSpawnOptions) {
        const args = [...launch.args, ...sidecarArguments(options)];
        this.commandLine = [launch.command, ...args].map(a => (/\s/.test(a) ? `"${a}"` : a)).join(' ');
        this.process = spawn(launch.command, args, {
            stdio: ['pipe', 'pipe', 'pipe'],
            env: sidecarEnvironment(options.env ?? process.env),
            cwd: options.cwd,
            windowsHide: true,
        });

        this.exited = new Promise<SidecarExit>(resolve => {
            this.process.once('error', error => {
                // Without a pid the spawn failed and no 'exit' follows; otherwise it was a kill failure and changes nothing.
                if (this.process.pid === undefined && this.exitInfo === undefined) {
                    this.exitInfo = { code: null, signal: null, error };
                    resolve(this.exitInfo);
                }
            });
            this.process.once('exit', (code, signal) => {
                this.exitInfo ??= { code, signal };
                resolve(this.exitInfo);
            });
        });

        // A write to a dead process's stdin raises EPIPE on the stream; the exit is reported through `exited` instead.
        this.process.stdin?.on('error', () => undefined);

        const splitter = new LineSplitter(line => options.onStderrLine?.(line));
        this.process.stderr?.setEncoding('utf8');
        this.process.stderr?.on('data', (chunk: string) => splitter.push(chunk));
        this.process.stderr?.on('end', () => splitter.flush());

        this.connection = createMessageConnection(
            new StreamMessageReader(this.process.stdout!),
            new StreamMessageWriter(this.process.stdin!),
            options.logger ?? silentLogger,
        );
        // Handlers registered by the caller right after `start` returns are in place before the first
        // chunk is read: stream data is delivered asynchronously.
        this.connection.listen();
        void this.exited.then(() => this.connection.dispose());
    }

    /** Spawns the sidecar and starts listening; register notification handlers on `connection` straight away. */
    static start(launch: SidecarLaunch, options: SidecarSpawnOptions): SidecarConnection {
        return new SidecarConnection(launch, options);
    }

    get hasExited(): boolean {
        return this.exitInfo !== undefined;
    }

    get pid(): number | undefined {
        return this.process.pid;
    }

    /** Sends `initialize`; rejects if the process exits first (so a crash at start-up does not hang the caller). */
    async initialize(params: InitializeRequest.Params, token?: CancellationToken): Promise<InitializeRequest.Result> {
        const exitedError = (e: SidecarExit) => new Error(`The sidecar exited during initialize (${describeExit(e)}).`);
        const exit = this.exited.then(e => {
            throw exitedError(e);
        });
        exit.catch(() => undefined); // handled by the race below, or moot if sendRequest throws at once
        try {
            return await Promise.race([this.connection.sendRequest(InitializeRequest.type, params, token), exit]);
        } catch (e) {
            // The connection is disposed on exit, which rejects the request first with a less useful message.
            throw this.exitInfo ? exitedError(this.exitInfo) : e;
        }
    }

    async setTrace(value: string, tracer: Tracer): Promise<void> {
        // sendNotification: false — the sidecar is not an LSP server and defines no $/setTrace.
        // Verbose tracing prints every request's params; cleanup/configure carries the API key, so keys are masked here,
        // below every tracer.
        const redacting: Tracer = {
            log: (message: unknown, data?: string) => (tracer.log as (m: unknown, d?: string) => void)(
                typeof message === 'string' ? redactSecrets(message) : JSON.parse(redactSecrets(JSON.stringify(message))),
                data === undefined ? undefined : redactSecrets(data)),
        };
        await this.connection.trace(Trace.fromString(value), redacting, false);
    }

    /**
     * Asks the sidecar to shut down, waits up to `timeoutMs` for it to exit, then kills it.
     * Resolves with the exit either way.
     */
    async stop(timeoutMs: number): Promise<SidecarExit> {
        if (this.hasExited) {
            return this.exitInfo!;
        }
        const cts = new CancellationTokenSource();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>(resolve => {
            timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        try {
            const asked = this.connection.sendRequest(ShutdownRequest.type, {}, cts.token).then(
                () => this.process.stdin?.end(), // EOF is a second, protocol-defined way to say "exit".
                () => undefined,
            );
            const outcome = await Promise.race([asked.then(() => this.exited), this.exited, timedOut]);
            if (outcome !== 'timeout') {
                return outcome;
            }
            const afterShutdown = await Promise.race([this.exited, timedOut]);
            if (afterShutdown !== 'timeout') {
                return afterShutdown;
            }
        } finally {
            cts.cancel();
            cts.dispose();
            clearTimeout(timer);
        }
        return this.kill();
    }

    /** Kills the process and waits for its exit. */
    async kill(): Promise<SidecarExit> {
        if (!this.hasExited) {
            this.process.kill('SIGKILL');
        }
        return this.exited;
    }
}

/** Masks the value of every `apiKey` property in JSON text (a traced message), escaped quotes included. */
export function redactSecrets(text: string): string {
    return text.replace(/("apiKey"\s*:\s*)"(?:[^"\\]|\\.)*"/g, '$1"<redacted>"');
}

export function describeExit(exit: SidecarExit): string {
    if (exit.error) {
        return `could not start: ${exit.error.message}`;
    }
    return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** The sidecar's exit code for a JSON-RPC stream it could not read any more (docs/protocol.md, "Launching"). */
export const ProtocolErrorExitCode = 4;

/** What a documented exit code means, for the crash report; undefined for codes that need no explanation. */
export function explainExit(exit: SidecarExit): string | undefined {
    switch (exit.error || exit.signal ? undefined : exit.code) {
        case 1: return 'the client process it watches exited';
        case 2: return 'bad command-line arguments';
        case ProtocolErrorExitCode: return 'protocol error: it could not read the extension\'s JSON-RPC messages any more (the reason is in its log)';
        default: return undefined;
    }
}

export type StderrLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * The level of a sidecar stderr line, from the short prefix of .NET's console formatter
 * (`info: Category[0]`); lines without one (continuations, stack traces, early output) are info.
 */
export function classifyStderrLine(line: string): StderrLevel {
    const match = /^\s*(trce|dbug|info|warn|fail|crit)\b/.exec(line);
    switch (match?.[1]) {
        case 'trce': return 'trace';
        case 'dbug': return 'debug';
        case 'warn': return 'warn';
        case 'fail':
        case 'crit': return 'error';
        default: return 'info';
    }
}

/**
 * The sidecar's environment: the given one, plus MALLOC_ARENA_MAX=2 unless set. glibc otherwise gives each native thread
 * (whisper.cpp's, ONNX Runtime's) its own malloc arena, and memory freed by a model unload stays scattered over them:
 * bench/memory-cycle.sh measured the sidecar growing from 100 to 300+ MiB over 20 backend switches without it. It must be
 * set before the process starts; glibc ignores it elsewhere.
 */
export function sidecarEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return env.MALLOC_ARENA_MAX ? env : { ...env, MALLOC_ARENA_MAX: '2' };
}

export interface ModelDownloadSettings {
    /** VS Code's http.proxy. */
    proxy?: string;
    /** VS Code's http.proxyStrictSSL (false: accept the proxy's own certificates). */
    proxyStrictSSL?: boolean;
    /** wispr.models.baseUrl: a mirror with Hugging Face's layout. */
    modelBaseUrl?: string;
}

/**
 * The environment the sidecar downloads models under: VS Code's http.proxy becomes HTTPS_PROXY/HTTP_PROXY (which .NET's
 * HttpClient honours with NO_PROXY), http.proxyStrictSSL=false becomes WISPR_PROXY_STRICT_SSL=false, and wispr.models.baseUrl
 * WISPR_MODEL_BASE_URL. Unset settings leave the inherited environment as it is.
 */
export function modelDownloadEnvironment(env: NodeJS.ProcessEnv, settings: ModelDownloadSettings): NodeJS.ProcessEnv {
    const result: NodeJS.ProcessEnv = { ...env };
    const proxy = settings.proxy?.trim();
    if (proxy) {
        result.HTTPS_PROXY = proxy;
        result.HTTP_PROXY = proxy;
        delete result.https_proxy;
        delete result.http_proxy;
    }
    if (settings.proxyStrictSSL === false) {
        result.WISPR_PROXY_STRICT_SSL = 'false';
    }
    const base = settings.modelBaseUrl?.trim();
    if (base) {
        result.WISPR_MODEL_BASE_URL = base;
    }
    return result;
}
