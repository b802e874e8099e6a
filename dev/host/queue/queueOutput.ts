import type { QueueOptions } from '../config/hostJson';
import type { StorageConnection } from '../config/storageConnection';
import type { RpcParameterBinding, RpcTypedData } from '../core/coreTypes';
import type { OutputWriter } from '../invoke/invoker';
import type { HostLogger } from '../log/hostLogger';
import type { QueueClients } from './queueClients';
import { encodeQueueMessage } from './queueMessageCodec';

export interface QueueOutputTarget {
    queueName: string;
    connection: StorageConnection;
}

function jsonElementToMessage(element: unknown): string {
    return typeof element === 'string' ? element : JSON.stringify(element);
}

/**
 * The messages one output value becomes: an array writes one message per element (strings as they are,
 * anything else as JSON), a single value writes one message. Bytes stay bytes.
 */
export function toQueueMessages(data: RpcTypedData): (string | Buffer)[] {
    if (typeof data.string === 'string') return [data.string];
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
}

/** Writes queue output bindings after a successful invocation, encoded per host.json, creating queues on demand. */
export function createQueueOutputWriter(options: QueueOutputWriterOptions): OutputWriter {
    return async (functionName, invocationId, outputs: RpcParameterBinding[]) => {
        const targets = options.targets.get(functionName);
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
            options.logger.write({
                functionName,
                invocationId,
                level: 'information',
                message: `Wrote ${messages.length} message(s) to queue '${target.queueName}'`,
            });
        }
    };
}
