import { type ChildProcess, fork } from 'node:child_process';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

import type { FunctionMetadata, RpcInvocationRequest, RpcInvocationResponse } from '../core/coreTypes';
import { HostError } from '../errors';
import { deserializeError, type HostToWorker, type WorkerToHost } from './protocol';

export interface WorkerExit {
    code: number | null;
    signal: NodeJS.Signals | null;
}

export interface WorkerProcessOptions {
    appDir: string;
    /** The worker's whole environment: the app settings, as the host passes them to the real worker. */
    env: Record<string, string>;
    onLog(message: Extract<WorkerToHost, { kind: 'log' }>): void;
    /** Each line the worker (the app) writes to stdout or stderr. */
    onOutput(line: string, stream: 'stdout' | 'stderr'): void;
}

/** How to start the worker's entry file: through tsx when the host itself runs from TypeScript. */
function workerCommand(): { entry: string; execArgv: string[] } {
    const extension = extname(__filename);
    const entry = join(__dirname, `main${extension}`);
    const execArgv = extension === '.ts' ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
    return { entry, execArgv };
}

function describeExit(exit: WorkerExit): string {
    return exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
}

/** One worker process: its start-up, the invocations running in it, and its end. */
export class WorkerProcess {
    readonly pid: number;
    /** The app's registrations once it has loaded; rejects with a HostError when it cannot start. */
    readonly ready: Promise<FunctionMetadata[]>;
    readonly exited: Promise<WorkerExit>;
    readonly #child: ChildProcess;
    readonly #pending = new Map<
        string,
        { resolve(response: RpcInvocationResponse): void; reject(error: Error): void }
    >();
    #exit: WorkerExit | undefined;

    constructor(options: WorkerProcessOptions) {
        const { entry, execArgv } = workerCommand();
        this.#child = fork(entry, [options.appDir], {
            cwd: options.appDir,
            env: options.env,
            execArgv,
            // Uint8Array bodies and bytes outputs cross the channel as they are.
            serialization: 'advanced',
            stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
        if (this.#child.pid === undefined) throw new HostError('The worker process could not be started');
        this.pid = this.#child.pid;
        for (const stream of ['stdout', 'stderr'] as const) {
            const input = this.#child[stream];
            if (input !== null) createInterface({ input }).on('line', (line) => options.onOutput(line, stream));
        }
        this.exited = new Promise((resolve) => {
            this.#child.on('exit', (code, signal) => {
                this.#exit = { code, signal };
                const error = new Error(`The worker process (pid ${this.pid}) exited (${describeExit(this.#exit)})`);
                for (const pending of this.#pending.values()) pending.reject(error);
                this.#pending.clear();
                resolve(this.#exit);
            });
        });
        this.ready = new Promise((resolve, reject) => {
            let loadFailure: string | undefined;
            this.#child.on('message', (message: WorkerToHost) => {
                switch (message.kind) {
                    case 'ready':
                        resolve(message.functions);
                        return;
                    case 'loadFailed':
                        loadFailure = message.message;
                        reject(new HostError(message.message));
                        return;
                    case 'log':
                        options.onLog(message);
                        return;
                    case 'result':
                    case 'failure': {
                        const pending = this.#pending.get(message.invocationId);
                        this.#pending.delete(message.invocationId);
                        if (message.kind === 'result') pending?.resolve(message.response);
                        else pending?.reject(deserializeError(message.error));
                        return;
                    }
                    case 'terminated':
                        return;
                }
            });
            void this.exited.then((exit) => {
                if (loadFailure === undefined) {
                    reject(new HostError(`The worker process exited while starting (${describeExit(exit)})`));
                }
            });
        });
        // An unobserved failed start must not become an unhandled rejection in the host.
        this.ready.catch(() => undefined);
    }

    get running(): boolean {
        return this.#exit === undefined;
    }

    /** Starts an invocation; rejects if the function throws or the worker exits before it answers. */
    invoke(functionName: string, request: RpcInvocationRequest): Promise<RpcInvocationResponse> {
        const invocationId = request.invocationId ?? '';
        return new Promise((resolve, reject) => {
            if (!this.running) {
                reject(new Error(`The worker process (pid ${this.pid}) is not running`));
                return;
            }
            this.#pending.set(invocationId, { resolve, reject });
            this.#send({ kind: 'invoke', functionName, request });
        });
    }

    hasInvocation(invocationId: string): boolean {
        return this.#pending.has(invocationId);
    }

    kill(): void {
        if (this.running) this.#child.kill('SIGKILL');
    }

    /** Asks the worker to run appTerminate hooks and exit; kills it if it has not exited after `graceMs`. */
    async terminate(graceMs: number): Promise<WorkerExit> {
        if (!this.running) return this.exited;
        this.#send({ kind: 'terminate' });
        const timer = setTimeout(() => this.kill(), graceMs);
        const exit = await this.exited;
        clearTimeout(timer);
        return exit;
    }

    #send(message: HostToWorker): void {
        if (this.#child.connected) this.#child.send(message);
    }
}
