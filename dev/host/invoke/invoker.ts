import { randomUUID } from 'node:crypto';
import { format } from 'node:util';

import type {
    CoreInvocationContext,
    FunctionCallback,
    LogCategory,
    LogLevel,
    RpcInvocationResponse,
    RpcParameterBinding,
    RpcTypedData,
} from '../core/coreTypes';
import type { CoreRuntime } from '../core/functionsCore';
import { describeError, type HostLogger } from '../log/hostLogger';
import { applyLogHooks, runHooks } from './hooks';

/** What a trigger hands the invoker: the trigger binding's data as the host would send it over RPC. */
export interface InvocationRequest {
    functionName: string;
    triggerBindingName: string;
    data: RpcTypedData;
    triggerMetadata?: Record<string, RpcTypedData>;
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
    outputs: RpcParameterBinding[],
) => Promise<void>;

export interface InvokerOptions {
    core: CoreRuntime;
    logger: HostLogger;
    writeOutputs: OutputWriter;
    functionTimeoutMs: number | undefined;
}

function toError(value: unknown): Error {
    return value instanceof Error ? value : new Error(`Non-error value thrown: ${format(value)}`);
}

function formatTimeSpan(ms: number): string {
    const seconds = Math.floor(ms / 1000);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

/**
 * Runs one invocation the way the Node.js worker does: the library's own InvocationModel builds the
 * handler arguments (HttpRequest, timer object, parsed queue message, InvocationContext) from RPC data,
 * pre/postInvocation hooks run around the handler, and getResponse turns the result and
 * `context.extraOutputs` back into RPC data. The host's part is only the trigger data and the outputs.
 */
export class Invoker {
    readonly #options: InvokerOptions;

    constructor(options: InvokerOptions) {
        this.#options = options;
    }

    async invoke(request: InvocationRequest): Promise<InvocationResult> {
        const { core, logger } = this.#options;
        const invocationId = randomUUID();
        const started = Date.now();
        const registration = core.functions().find((f) => f.metadata.name === request.functionName);
        const model = core.programmingModel();
        const where = { functionName: request.functionName, invocationId };
        logger.write({ ...where, level: 'information', message: `Executing (Reason='${request.reason}')` });
        try {
            if (registration === undefined || model === undefined) {
                throw new Error(`Function "${request.functionName}" is not registered`);
            }
            const response = await this.#run(
                invocationId,
                request,
                registration.metadata,
                registration.callback,
                model,
            );
            if (response.outputData && response.outputData.length > 0) {
                await this.#options.writeOutputs(request.functionName, invocationId, response.outputData);
            }
            logger.write({
                ...where,
                level: 'information',
                message: `Executed (Succeeded, ${Date.now() - started} ms)`,
            });
            return { ok: true, invocationId, response };
        } catch (thrown) {
            const error = toError(thrown);
            logger.write({
                ...where,
                level: 'error',
                message: `Executed (Failed, ${Date.now() - started} ms): ${describeError(error)}`,
            });
            return { ok: false, invocationId, error };
        }
    }

    async #run(
        invocationId: string,
        request: InvocationRequest,
        metadata: CoreInvocationContext['metadata'],
        callback: FunctionCallback,
        model: NonNullable<ReturnType<CoreRuntime['programmingModel']>>,
    ): Promise<RpcInvocationResponse> {
        const { core } = this.#options;
        // Filled in once the library has built the context; log hooks receive it.
        const current: { invocationContext?: unknown } = {};
        const coreContext: CoreInvocationContext = {
            invocationId,
            metadata,
            request: {
                invocationId,
                functionId: metadata.functionId ?? metadata.name,
                inputData: [{ name: request.triggerBindingName, data: request.data }],
                triggerMetadata: request.triggerMetadata ?? {},
                retryContext: null,
            },
            log: (level, category, message) =>
                this.#log(
                    { functionName: request.functionName, invocationId, invocationContext: current.invocationContext },
                    level,
                    category,
                    message,
                ),
        };
        const invocationModel = await model.getInvocationModel(coreContext);
        const { context, inputs } = await invocationModel.getArguments();
        current.invocationContext = context;
        const hookData: Record<string, unknown> = {};
        const appHookData = core.appHookData;

        const pre = { invocationContext: context, inputs, functionCallback: callback, hookData, appHookData };
        coreContext.state = 'preInvocationHooks';
        await runHooks(core, 'preInvocation', pre);

        coreContext.state = 'invocation';
        let result: unknown;
        let error: unknown;
        try {
            result = await this.#withTimeout(invocationModel.invokeFunction(context, pre.inputs, pre.functionCallback));
        } catch (thrown) {
            error = thrown;
        }

        const post = { invocationContext: context, inputs: pre.inputs, result, error, hookData, appHookData };
        coreContext.state = 'postInvocationHooks';
        await runHooks(core, 'postInvocation', post);
        delete coreContext.state;
        if (post.error !== undefined && post.error !== null) throw toError(post.error);
        return invocationModel.getResponse(context, post.result);
    }

    async #withTimeout<T>(work: Promise<T>): Promise<T> {
        const limit = this.#options.functionTimeoutMs;
        if (limit === undefined) return work;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
                () => reject(new Error(`Timeout value of ${formatTimeSpan(limit)} was exceeded by the function`)),
                limit,
            );
        });
        // The handler cannot be stopped; keep its late rejection from becoming an unhandled one.
        work.catch(() => undefined);
        try {
            return await Promise.race([work, timeout]);
        } finally {
            clearTimeout(timer);
        }
    }

    #log(
        where: { functionName: string; invocationId: string; invocationContext: unknown },
        level: LogLevel,
        category: LogCategory,
        message: string,
    ): void {
        const { core, logger } = this.#options;
        let entry = { level, message };
        try {
            entry = applyLogHooks(core, { level, category, message }, where.invocationContext);
        } catch (error) {
            logger.write({ ...where, level: 'warning', message: `A log hook threw: ${describeError(error)}` });
        }
        const { functionName, invocationId } = where;
        logger.write({
            functionName,
            invocationId,
            level: entry.level,
            message: category === 'system' ? `[system] ${entry.message}` : entry.message,
        });
    }
}
