import { randomUUID } from 'node:crypto';

import type { RpcInvocationRequest, RpcInvocationResponse, RpcRetryContext, RpcTypedData } from '../core/coreTypes';
import { describeError, type HostLogger } from '../log/hostLogger';

/** What a trigger hands the invoker: the trigger binding's data as the host would send it over RPC. */
export interface InvocationRequest {
    functionName: string;
    triggerBindingName: string;
    data: RpcTypedData;
    triggerMetadata?: Record<string, RpcTypedData>;
    /** Set by a retry policy: which attempt this is. */
    retryContext?: RpcRetryContext;
    /** Why it runs, for the "Executing" line, e.g. `HTTP GET /api/health` or `timer`. */
    reason: string;
}

export type InvocationResult =
    | { ok: true; invocationId: string; response: RpcInvocationResponse }
    | { ok: false; invocationId: string; error: Error };

/** Writes a successful invocation's output bindings; a failure fails the invocation, as in the host. */
export type OutputWriter = (
    functionName: string,
    invocationId: string,
    response: RpcInvocationResponse,
) => Promise<void>;

/** Where invocations run: the worker process (see worker/workerSupervisor.ts). */
export interface InvocationTarget {
    invoke(
        functionName: string,
        request: RpcInvocationRequest,
    ): Promise<{ pid: number; response: Promise<RpcInvocationResponse> }>;
    restartWorkerWithInvocation(invocationId: string): boolean;
}

export interface InvokerOptions {
    target: InvocationTarget;
    logger: HostLogger;
    writeOutputs: OutputWriter;
    functionTimeoutMs: number | undefined;
    /** How long a timed-out invocation may still finish before its worker is restarted. */
    timeoutGraceMs?: number;
}

/** The WebJobs TimeoutAttribute's grace period, about 2 s in the host's logs. */
const DEFAULT_TIMEOUT_GRACE_MS = 2000;

function formatTimeSpan(ms: number): string {
    const seconds = Math.floor(ms / 1000);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

class FunctionTimeoutError extends Error {
    override readonly name = 'FunctionTimeoutException';
}

/**
 * The host's side of an invocation: it assigns the invocation id, logs Executing/Executed, sends the
 * trigger data to the worker, enforces `functionTimeout` and writes the output bindings. A timed-out
 * invocation fails at once; if it has not finished after a short grace period its worker is restarted,
 * which stops the handler (azure-functions-host, WebScriptHostExceptionHandler.OnTimeoutExceptionAsync).
 */
export class Invoker {
    readonly #o: InvokerOptions;

    constructor(options: InvokerOptions) {
        this.#o = options;
    }

    async invoke(request: InvocationRequest): Promise<InvocationResult> {
        const { logger } = this.#o;
        const invocationId = randomUUID();
        const started = Date.now();
        const where = { functionName: request.functionName, invocationId };
        logger.write({ ...where, level: 'information', message: `Executing (Reason='${request.reason}')` });
        try {
            const running = await this.#o.target.invoke(request.functionName, {
                invocationId,
                functionId: request.functionName,
                inputData: [{ name: request.triggerBindingName, data: request.data }],
                triggerMetadata: request.triggerMetadata ?? {},
                retryContext: request.retryContext ?? null,
            });
            const response = await this.#withTimeout(request.functionName, invocationId, running.response);
            await this.#o.writeOutputs(request.functionName, invocationId, response);
            logger.write({
                ...where,
                level: 'information',
                message: `Executed (Succeeded, ${Date.now() - started} ms)`,
            });
            return { ok: true, invocationId, response };
        } catch (thrown) {
            const error = thrown instanceof Error ? thrown : new Error(String(thrown));
            logger.write({
                ...where,
                level: 'error',
                message: `Executed (Failed, ${Date.now() - started} ms): ${describeError(error)}`,
            });
            return { ok: false, invocationId, error };
        }
    }

    async #withTimeout(
        functionName: string,
        invocationId: string,
        work: Promise<RpcInvocationResponse>,
    ): Promise<RpcInvocationResponse> {
        const limit = this.#o.functionTimeoutMs;
        if (limit === undefined) return work;
        let settled = false;
        work.then(
            () => (settled = true),
            () => (settled = true),
        );
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
                this.#o.logger.write({
                    functionName,
                    invocationId,
                    level: 'error',
                    message: `Timeout value of ${formatTimeSpan(limit)} exceeded by function 'Functions.${functionName}' (Id: '${invocationId}'). Initiating cancellation.`,
                });
                reject(
                    new FunctionTimeoutError(
                        `Timeout value of ${formatTimeSpan(limit)} was exceeded by function: Functions.${functionName}`,
                    ),
                );
                const grace = setTimeout(() => {
                    if (!settled) this.#o.target.restartWorkerWithInvocation(invocationId);
                }, this.#o.timeoutGraceMs ?? DEFAULT_TIMEOUT_GRACE_MS);
                grace.unref();
            }, limit);
        });
        try {
            return await Promise.race([work, timeout]);
        } finally {
            clearTimeout(timer);
        }
    }
}
