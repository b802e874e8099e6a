/**
 * The part of the `@azure/functions-core` contract this host implements. The real module is built into
 * the Azure Functions Node.js worker and has no npm package; these shapes follow what @azure/functions
 * 4.x sends and expects (its `registerFunction`, `registerHook`, `ProgrammingModel` and RPC data).
 */

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type LogCategory = 'user' | 'system' | 'customMetric';

export interface BindingInfo {
    type?: string | null;
    direction?: 'in' | 'out' | 'inout' | null;
    name?: string;
    /** Trigger and binding options (route, methods, schedule, queueName, connection, ...) are spread in. */
    [option: string]: unknown;
}

export interface FunctionMetadata {
    name: string;
    functionId?: string;
    bindings: Record<string, BindingInfo>;
    retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
    metadata: FunctionMetadata;
    callback: FunctionCallback;
}

export interface NullableValue<T> {
    value?: T | null;
}

export interface RpcHttpCookie {
    name?: string | null;
    value?: string | null;
    domain?: NullableValue<string> | null;
    path?: NullableValue<string> | null;
    expires?: NullableValue<{ seconds?: number | null; nanos?: number | null }> | null;
    secure?: NullableValue<boolean> | null;
    httpOnly?: NullableValue<boolean> | null;
    sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
    maxAge?: NullableValue<number> | null;
}

export interface RpcHttpData {
    method?: string | null;
    url?: string | null;
    headers?: Record<string, string> | null;
    body?: RpcTypedData | null;
    params?: Record<string, string> | null;
    query?: Record<string, string> | null;
    statusCode?: string | null;
    cookies?: RpcHttpCookie[] | null;
    enableContentNegotiation?: boolean | null;
}

export interface RpcTypedData {
    string?: string | null;
    json?: string | null;
    bytes?: Uint8Array | null;
    stream?: Uint8Array | null;
    http?: RpcHttpData | null;
    int?: number | null;
    double?: number | null;
    collectionString?: { string?: string[] | null } | null;
    collectionBytes?: { bytes?: Uint8Array[] | null } | null;
}

export interface RpcParameterBinding {
    name?: string | null;
    data?: RpcTypedData | null;
}

export interface RpcInvocationRequest {
    invocationId?: string | null;
    functionId?: string | null;
    inputData?: RpcParameterBinding[] | null;
    triggerMetadata?: Record<string, RpcTypedData> | null;
    traceContext?: { traceParent?: string | null; traceState?: string | null; attributes?: Record<string, string> };
    retryContext?: RpcRetryContext | null;
}

export interface RpcRetryContext {
    retryCount: number;
    maxRetryCount: number;
    exception?: { message?: string; source?: string; stackTrace?: string };
}

export interface RpcInvocationResponse {
    invocationId?: string | null;
    outputData?: RpcParameterBinding[] | null;
    returnValue?: RpcTypedData | null;
}

export type InvocationState = 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';

export interface CoreInvocationContext {
    invocationId: string;
    request: RpcInvocationRequest;
    metadata: FunctionMetadata;
    state?: InvocationState;
    log(level: LogLevel, category: LogCategory, message: string): void;
}

export interface InvocationArguments {
    context: unknown;
    inputs: unknown[];
}

export interface InvocationModel {
    getArguments(): Promise<InvocationArguments>;
    invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
    getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
    name: string;
    version: string;
    getInvocationModel(coreContext: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
    getCapabilities?(capabilities: Record<string, string>): Record<string, string> | Promise<Record<string, string>>;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookData = Record<string, unknown>;
export type HookCallback = (context: Record<string, unknown>) => unknown;

export interface DisposableLike {
    dispose(): unknown;
}
