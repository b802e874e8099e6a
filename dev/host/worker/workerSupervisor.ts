import { setTimeout as sleep } from 'node:timers/promises';

import type { FunctionMetadata, RpcInvocationRequest, RpcInvocationResponse } from '../core/coreTypes';
import { HostError } from '../errors';
import { describeError, type HostLogger } from '../log/hostLogger';
import { WorkerProcess, type WorkerProcessOptions } from './workerProcess';

/** Failed starts in a row after which the host gives up (the real host then recycles itself). */
const MAX_FAILED_RESTARTS = 3;

export interface WorkerSupervisorOptions extends Omit<WorkerProcessOptions, 'onLog'> {
    logger: HostLogger;
    onLog: WorkerProcessOptions['onLog'];
    /** Called with the pid of each worker that has started and loaded the app. */
    onWorkerReady?(pid: number): void;
    /** Called when no worker can be started any more; the host cannot serve. */
    onFatal?(error: Error): void;
}

/**
 * Keeps one worker process running, as the host's worker channel does: a worker that exits (crash, kill,
 * timeout restart) fails every invocation it was running and is replaced by a new one; invocations that
 * arrive meanwhile wait for it (azure-functions-host, RpcFunctionInvocationDispatcher.WorkerError handling
 * and RestartWorkerWithInvocationIdAsync).
 */
export class WorkerSupervisor {
    readonly #o: WorkerSupervisorOptions;
    #current: WorkerProcess | undefined;
    #ready: Promise<WorkerProcess> | undefined;
    #stopping = false;

    constructor(options: WorkerSupervisorOptions) {
        this.#o = options;
    }

    /** The running worker's pid (undefined between a worker's end and the next one's start). */
    get pid(): number | undefined {
        return this.#current?.running ? this.#current.pid : undefined;
    }

    /** Starts the first worker; a HostError says why the app cannot load. */
    async start(): Promise<FunctionMetadata[]> {
        const worker = this.#spawn();
        const functions = await worker.ready;
        this.#ready = Promise.resolve(worker);
        this.#watch(worker);
        return functions;
    }

    /** Runs an invocation in the current worker (waiting for one if it is being replaced). */
    async invoke(
        functionName: string,
        request: RpcInvocationRequest,
    ): Promise<{ pid: number; response: Promise<RpcInvocationResponse> }> {
        if (this.#stopping || this.#ready === undefined) throw new Error('The host is stopping');
        const worker = await this.#ready;
        return { pid: worker.pid, response: worker.invoke(functionName, request) };
    }

    /** Kills the worker running `invocationId`, if it still runs it (the timeout path). */
    restartWorkerWithInvocation(invocationId: string): boolean {
        const worker = this.#current;
        if (worker === undefined || !worker.running || !worker.hasInvocation(invocationId)) return false;
        this.#o.logger.write({
            level: 'warning',
            message: `A function timeout has occurred. Restarting worker process (pid ${worker.pid}) executing invocationId '${invocationId}'.`,
        });
        worker.kill();
        return true;
    }

    /** Lets the worker run appTerminate hooks and exit (killed after `graceMs`). */
    async stop(graceMs: number): Promise<void> {
        this.#stopping = true;
        const worker = this.#current;
        if (worker?.running) await worker.terminate(graceMs);
    }

    #spawn(): WorkerProcess {
        const worker = new WorkerProcess(this.#o);
        this.#current = worker;
        return worker;
    }

    #watch(worker: WorkerProcess): void {
        this.#o.logger.write({
            level: 'information',
            message: `Worker process started and initialized (pid ${worker.pid})`,
        });
        this.#o.onWorkerReady?.(worker.pid);
        void worker.exited.then((exit) => {
            if (this.#stopping) return;
            const how = exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
            this.#o.logger.write({
                level: 'error',
                message: `Worker process (pid ${worker.pid}) exited (${how}); starting a new one`,
            });
            this.#ready = this.#restart();
            this.#ready.catch((error: unknown) => this.#o.onFatal?.(error as Error));
        });
    }

    async #restart(): Promise<WorkerProcess> {
        for (let attempt = 1; ; attempt++) {
            if (this.#stopping) throw new Error('The host is stopping');
            const worker = this.#spawn();
            try {
                await worker.ready;
                this.#watch(worker);
                return worker;
            } catch (error) {
                this.#o.logger.write({
                    level: 'error',
                    message: `A new worker process could not start: ${describeError(error)}`,
                });
                if (attempt >= MAX_FAILED_RESTARTS) {
                    throw new HostError(
                        `The worker process failed to start ${attempt} times in a row; the local host stops`,
                    );
                }
                await sleep(1000 * attempt);
            }
        }
    }
}
