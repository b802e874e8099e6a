import type { QueueOptions } from '../config/hostJson';
import type { StorageConnection } from '../config/storageConnection';
import type { RpcInvocationResponse, RpcParameterBinding, RpcTypedData } from '../core/coreTypes';
import type { OutputWriter } from '../invoke/invoker';
import type { HostLogger } from '../log/hostLogger';
import type { QueueClients } from './queueClients';
import { encodeQueueMessage } from './queueMessageCodec';
import type { QueueWatcher } from './queueWatcher';

export interface QueueOutputTarget {
    queueName: string;
    connection: StorageConnection;
}

function jsonElementToMessage(element: unknown): string {
    return typeof element === 'string' ? element : JSON.stringify(element);
}

/** The name the library gives the return value's binding (`return: output.storageQueue(...)`). */
export const RETURN_BINDING = '$return';

function looksLikeJsonArray(text: string): boolean {
    const trimmed = text.trim();
    return trimmed.startsWith('[') && trimmed.endsWith(']');
}

/**
 * The messages one output value becomes: an array writes one message per element (strings as they are,
 * anything else as JSON), a single value writes one message. Bytes stay bytes. A string holding a JSON
 * array is an array too, as in the host (azure-functions-host, FunctionBinding.ReadAsEnumerable: JSON text
 * is parsed, and an array is added element by element); text that looks like one but does not parse fails
 * the invocation, as JToken.Parse does there.
 */
export function toQueueMessages(data: RpcTypedData): (string | Buffer)[] {
    if (typeof data.string === 'string') {
        if (!looksLikeJsonArray(data.string)) return [data.string];
        let elements: unknown;
        try {
            elements = JSON.parse(data.string);
        } catch (error) {
            throw new Error(
                `The queue output is text that looks like a JSON array but is not valid JSON: ${(error as Error).message}`,
                { cause: error },
            );
        }
        return (elements as unknown[]).map(jsonElementToMessage);
    }
    if (data.bytes) return [Buffer.from(data.bytes)];
    if (typeof data.int === 'number' || typeof data.double === 'number') return [String(data.int ?? data.double)];
    if (data.collectionString?.string) return [...data.collectionString.string];
    if (data.collectionBytes?.bytes) return data.collectionBytes.bytes.map((b) => Buffer.from(b));
    if (typeof data.json === 'string') {
        const value: unknown = JSON.parse(data.json);
        return Array.isArray(value) ? value.map(jsonElementToMessage) : [jsonElementToMessage(value)];
    }
    return [];
}

export interface QueueOutputWriterOptions {
    /** Per function, per output binding name: where queue outputs go. Other output types are reported, not written. */
    targets: ReadonlyMap<string, ReadonlyMap<string, QueueOutputTarget | { unsupportedType: string }>>;
    clients: QueueClients;
    encoding: QueueOptions['messageEncoding'];
    logger: HostLogger;
    /** Told about each queue written to, so its listener polls at once. */
    watcher: QueueWatcher;
}

/**
 * Writes queue output bindings after a successful invocation, encoded per host.json, creating queues on
 * demand. The return value is written when the function's return binding is a queue output (the worker
 * sends it as `returnValue`, not among the outputs).
 */
export function createQueueOutputWriter(options: QueueOutputWriterOptions): OutputWriter {
    return async (functionName, invocationId, response: RpcInvocationResponse) => {
        const targets = options.targets.get(functionName);
        const outputs: RpcParameterBinding[] = [...(response.outputData ?? [])];
        if (response.returnValue && targets?.has(RETURN_BINDING)) {
            outputs.push({ name: RETURN_BINDING, data: response.returnValue });
        }
        for (const output of outputs) {
            if (!output.name || !output.data) continue;
            const target = targets?.get(output.name);
            if (target === undefined) continue;
            if ('unsupportedType' in target) {
                options.logger.write({
                    functionName,
                    invocationId,
                    level: 'warning',
                    message: `Output binding "${output.name}" of type ${target.unsupportedType} is not supported by the local host; its value was dropped`,
                });
                continue;
            }
            const messages = toQueueMessages(output.data);
            const queue = await options.clients.ensureQueue(target.connection, target.queueName);
            for (const message of messages) await queue.sendMessage(encodeQueueMessage(message, options.encoding));
            options.watcher.notify(target.queueName);
            options.logger.write({
                functionName,
                invocationId,
                level: 'information',
                message: `Wrote ${messages.length} message(s) to queue '${target.queueName}'`,
            });
        }
    };
}
