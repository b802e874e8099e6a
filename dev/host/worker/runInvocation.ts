import { format } from 'node:util';

import type {
    CoreInvocationContext,
    LogCategory,
    LogLevel,
    RpcInvocationRequest,
    RpcInvocationResponse,
} from '../core/coreTypes';
import type { CoreRuntime } from '../core/functionsCore';
import { applyLogHooks, runHooks } from './hooks';

export type InvocationLog = (level: LogLevel, category: LogCategory, message: string) => void;

function toError(value: unknown): Error {
    return value instanceof Error ? value : new Error(`Non-error value thrown: ${format(value)}`);
}

/**
 * Runs one invocation the way the Node.js worker does (azure-functions-nodejs-worker, InvocationHandler):
 * the library's own InvocationModel builds the handler arguments (HttpRequest, timer object, parsed queue
 * message, InvocationContext) from RPC data, pre/postInvocation hooks run around the handler, and
 * getResponse turns the result and `context.extraOutputs` back into RPC data. `log` receives every log
 * line after the app's log hooks.
 */
export async function runInvocation(
    core: CoreRuntime,
    functionName: string,
    request: RpcInvocationRequest,
    log: InvocationLog,
): Promise<RpcInvocationResponse> {
    const registration = core.functions().find((f) => f.metadata.name === functionName);
    const model = core.programmingModel();
    if (registration === undefined || model === undefined) {
        throw new Error(`Function "${functionName}" is not registered`);
    }
    const invocationId = request.invocationId ?? '';
    // Filled in once the library has built the context; log hooks receive it.
    const current: { invocationContext?: unknown } = {};
    const coreContext: CoreInvocationContext = {
        invocationId,
        metadata: registration.metadata,
        request,
        log: (level, category, message) => {
            let entry = { level, message };
            try {
                entry = applyLogHooks(core, { level, category, message }, current.invocationContext);
            } catch (error) {
                log('warning', 'system', `A log hook threw: ${toError(error).message}`);
            }
            log(entry.level, category, entry.message);
        },
    };
    const invocationModel = await model.getInvocationModel(coreContext);
    const { context, inputs } = await invocationModel.getArguments();
    current.invocationContext = context;
    const hookData: Record<string, unknown> = {};
    const appHookData = core.appHookData;

    const pre = { invocationContext: context, inputs, functionCallback: registration.callback, hookData, appHookData };
    coreContext.state = 'preInvocationHooks';
    await runHooks(core, 'preInvocation', pre);

    coreContext.state = 'invocation';
    let result: unknown;
    let error: unknown;
    try {
        result = await invocationModel.invokeFunction(context, pre.inputs, pre.functionCallback);
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
