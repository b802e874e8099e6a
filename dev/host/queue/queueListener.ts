import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';

import type { QueueOptions } from '../config/hostJson';
import { describeStorageConnection, type StorageConnection } from '../config/storageConnection';
import type { RpcTypedData } from '../core/coreTypes';
import type { InvocationRequest, InvocationResult } from '../invoke/invoker';
import { describeError, type HostLogger } from '../log/hostLogger';
import type { QueueClients } from './queueClients';
import { decodeQueueMessage } from './queueMessageCodec';

/** The host's shortest polling interval; it doubles up to maxPollingInterval while the queue stays empty. */
const MIN_POLLING_INTERVAL_MS = 100;
/** How long a dequeued message stays invisible while its function runs (the host's default lease). */
const MESSAGE_LEASE_SECONDS = 10 * 60;

export interface QueueListenerOptions {
    functionName: string;
    triggerBindingName: string;
    queueName: string;
    connection: StorageConnection;
    clients: QueueClients;
    options: QueueOptions;
    invoke(request: InvocationRequest): Promise<InvocationResult>;
    logger: HostLogger;
}

function isQueueNotFound(error: unknown): boolean {
    const { statusCode, code } = error as { statusCode?: number; code?: string };
    return statusCode === 404 || code === 'QueueNotFound';
}

function triggerMetadata(
    functionName: string,
    message: DequeuedMessageItem,
    text: string,
): Record<string, RpcTypedData> {
    const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });
    // PascalCase like the host; the library camel-cases keys (context.triggerMetadata.dequeueCount).
    return {
        QueueTrigger: { string: text },
        Id: { string: message.messageId },
        DequeueCount: json(message.dequeueCount),
        InsertionTime: json(message.insertedOn.toISOString()),
        ExpirationTime: json(message.expiresOn.toISOString()),
        NextVisibleTime: json(message.nextVisibleOn.toISOString()),
        PopReceipt: { string: message.popReceipt },
        sys: json({ MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
    };
}

/**
 * A queue trigger with the host's semantics: polls with back-off, runs up to batchSize +
 * newBatchThreshold messages at once, deletes a message when its invocation succeeds, makes it visible
 * again after `visibilityTimeout` when it fails, and moves it to `<queue>-poison` after
 * `maxDequeueCount` failed attempts. Messages that cannot be decoded go to poison at once.
 */
export class QueueListener {
    readonly #o: QueueListenerOptions;
    readonly #queue: QueueClient;
    readonly #abort = new AbortController();
    readonly #inFlight = new Set<Promise<void>>();
    #capacityFreed: (() => void) | undefined;
    #loop: Promise<void> | undefined;

    constructor(options: QueueListenerOptions) {
        this.#o = options;
        this.#queue = options.clients.queue(options.connection, options.queueName);
    }

    get poisonQueueName(): string {
        return `${this.#o.queueName}-poison`;
    }

    start(): void {
        this.#loop ??= this.#poll();
    }

    /** Stops polling and waits up to `graceMs` for running invocations; unfinished messages reappear later. */
    async stop(graceMs: number): Promise<void> {
        this.#abort.abort();
        this.#capacityFreed?.();
        await this.#loop;
        const running = Promise.allSettled([...this.#inFlight]);
        await Promise.race([running, sleep(graceMs, undefined, { ref: false })]);
    }

    #log(level: 'information' | 'warning' | 'error', message: string): void {
        this.#o.logger.write({ functionName: this.#o.functionName, level, message });
    }

    async #poll(): Promise<void> {
        const { batchSize, newBatchThreshold, maxPollingIntervalMs } = this.#o.options;
        const signal = this.#abort.signal;
        let delay = MIN_POLLING_INTERVAL_MS;
        let lastProblem: string | undefined;
        while (!signal.aborted) {
            while (this.#inFlight.size > newBatchThreshold && !signal.aborted) {
                await new Promise<void>((resolve) => (this.#capacityFreed = resolve));
            }
            if (signal.aborted) break;
            let messages: DequeuedMessageItem[] = [];
            try {
                const response = await this.#queue.receiveMessages({
                    numberOfMessages: batchSize,
                    visibilityTimeout: MESSAGE_LEASE_SECONDS,
                    abortSignal: signal,
                });
                messages = response.receivedMessageItems;
                lastProblem = undefined;
            } catch (error) {
                if (signal.aborted) break;
                const problem = isQueueNotFound(error)
                    ? `Queue '${this.#o.queueName}' does not exist yet; polling until it does`
                    : `Polling queue '${this.#o.queueName}' on ${describeStorageConnection(this.#o.connection)} failed: ${describeError(error)}`;
                // Report a problem once, not on every poll.
                if (problem !== lastProblem) this.#log(isQueueNotFound(error) ? 'information' : 'warning', problem);
                lastProblem = problem;
            }
            if (messages.length > 0) {
                delay = MIN_POLLING_INTERVAL_MS;
                for (const message of messages) this.#dispatch(message);
                continue;
            }
            await sleep(delay, undefined, { signal }).catch(() => undefined);
            delay = Math.min(delay * 2, maxPollingIntervalMs);
        }
    }

    #dispatch(message: DequeuedMessageItem): void {
        const work: Promise<void> = this.#process(message)
            .catch((error: unknown) =>
                this.#log('error', `Handling message ${message.messageId} failed in the host: ${describeError(error)}`),
            )
            .finally(() => {
                this.#inFlight.delete(work);
                this.#capacityFreed?.();
            });
        this.#inFlight.add(work);
    }

    async #process(message: DequeuedMessageItem): Promise<void> {
        const { maxDequeueCount, messageEncoding, visibilityTimeoutMs } = this.#o.options;
        if (message.dequeueCount > maxDequeueCount) {
            await this.#moveToPoison(
                message,
                `its dequeue count ${message.dequeueCount} exceeds maxDequeueCount ${maxDequeueCount}`,
            );
            return;
        }
        const decoded = decodeQueueMessage(message.messageText, messageEncoding);
        if (!decoded.ok) {
            await this.#moveToPoison(message, decoded.reason);
            return;
        }
        const result = await this.#o.invoke({
            functionName: this.#o.functionName,
            triggerBindingName: this.#o.triggerBindingName,
            data: { string: decoded.text },
            triggerMetadata: triggerMetadata(this.#o.functionName, message, decoded.text),
            reason: `New queue message detected on '${this.#o.queueName}' (id ${message.messageId}, dequeue count ${message.dequeueCount})`,
        });
        if (result.ok) {
            await this.#queue.deleteMessage(message.messageId, message.popReceipt);
        } else if (message.dequeueCount >= maxDequeueCount) {
            await this.#moveToPoison(
                message,
                `it has reached maxDequeueCount of ${maxDequeueCount} (last error: ${result.error.message})`,
            );
        } else {
            // Keep the content; only the visibility changes, so the retry happens after visibilityTimeout.
            await this.#queue.updateMessage(
                message.messageId,
                message.popReceipt,
                undefined,
                Math.ceil(visibilityTimeoutMs / 1000),
            );
        }
    }

    async #moveToPoison(message: DequeuedMessageItem, why: string): Promise<void> {
        this.#log('error', `Message ${message.messageId} moved to queue '${this.poisonQueueName}' because ${why}`);
        const poison = await this.#o.clients.ensureQueue(this.#o.connection, this.poisonQueueName);
        // The stored text is copied unchanged, still encoded, as the host does.
        await poison.sendMessage(message.messageText);
        await this.#queue.deleteMessage(message.messageId, message.popReceipt);
    }
}
