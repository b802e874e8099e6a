/**
 * Messages between the host and its worker process, over the IPC channel of `child_process.fork`. They play
 * the part of the real host's gRPC messages (FunctionsMetadataResponse, InvocationRequest,
 * InvocationResponse, RpcLog, WorkerTerminate) and carry the same RPC data shapes.
 */
import type {
    FunctionMetadata,
    LogCategory,
    LogLevel,
    RpcInvocationRequest,
    RpcInvocationResponse,
} from '../core/coreTypes';

export type HostToWorker =
    | { kind: 'invoke'; functionName: string; request: RpcInvocationRequest }
    /** Run appTerminate hooks and exit. */
    | { kind: 'terminate' };

export interface SerializedError {
    name: string;
    message: string;
    stack?: string | undefined;
}

export type WorkerToHost =
    /** The app loaded and its appStart hooks ran; these are its registrations. */
    | { kind: 'ready'; functions: FunctionMetadata[] }
    /** The app cannot start; `message` says why in words for the developer. */
    | { kind: 'loadFailed'; message: string }
    | {
          kind: 'log';
          level: LogLevel;
          category: LogCategory;
          message: string;
          functionName?: string | undefined;
          invocationId?: string | undefined;
      }
    | { kind: 'result'; invocationId: string; response: RpcInvocationResponse }
    | { kind: 'failure'; invocationId: string; error: SerializedError }
    | { kind: 'terminated' };

export function serializeError(value: unknown): SerializedError {
    if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
    return { name: 'Error', message: `Non-error value thrown: ${String(value)}` };
}

export function deserializeError(error: SerializedError): Error {
    const result = new Error(error.message);
    result.name = error.name;
    if (error.stack !== undefined) result.stack = error.stack;
    return result;
}
