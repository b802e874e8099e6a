import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';

import type { QueueOptions } from '../config/hostJson';
import { describeStorageConnection, type StorageConnection } from '../config/storageConnection';
import type { RpcTypedData } from '../core/coreTypes';
import { RandomizedExponentialBackoff } from '../invoke/backoff';
import type { InvocationRequest, InvocationResult } from '../invoke/invoker';
import { describeError, type HostLogger } from '../log/hostLogger';
import type { QueueClients } from './queueClients';
import { decodeQueueMessage } from './queueMessageCodec';
import type { QueueWatcher } from './queueWatcher';

/** The host's shortest polling interval (QueuePollingIntervals.Minimum). */
const MIN_POLLING_INTERVAL_MS = 100;
/** How long a running message stays invisible before its lease is renewed: the host's fixed 10 minutes. */
export const DEFAULT_MESSAGE_LEASE_SECONDS = 10 * 60;

export interface QueueListenerOptions {
    functionName: string;
    triggerBindingName: string;
    queueName: string;
    connection: StorageConnection;
    clients: QueueClients;
    options: QueueOptions;
    invoke(request: InvocationRequest): Promise<InvocationResult>;
    logger: HostLogger;
    watcher: QueueWatcher;
    /** Visibility of a message while its invocation runs, renewed halfway; default 10 minutes. */
    messageLeaseSeconds?: number;
    random?: () => number;
}

function statusOf(error: unknown): { statusCode?: number; code?: string } {
    return error as { statusCode?: number; code?: string };
}

function isQueueNotFound(error: unknown): boolean {
    const { statusCode, code } = statusOf(error);
    return statusCode === 404 || code === 'QueueNotFound';
}

/** The message is gone or someone else holds it now: nothing left to delete, release or renew. */
function isLostOwnership(error: unknown): boolean {
    const { statusCode, code } = statusOf(error);
    return statusCode === 404 || code === 'PopReceiptMismatch' || code === 'MessageNotFound';
}

function isTransient(error: unknown): boolean {
    const { statusCode } = statusOf(error);
    return statusCode === undefined || statusCode >= 500 || statusCode === 408;
}

/**
 * The trigger metadata the host sends with a queue message. The fixed fields come first; for a message
 * holding a JSON object its top-level properties are added and win over fixed fields of the same name
 * (azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.Storage.Queues Triggers/QueueTriggerBinding.cs
 * CreateBindingData; keys are case-insensitive there, as the library's camel-casing makes them here).
 */
export function queueTriggerMetadata(
    functionName: string,
    message: Pick<
        DequeuedMessageItem,
        'messageId' | 'dequeueCount' | 'insertedOn' | 'expiresOn' | 'nextVisibleOn' | 'popReceipt'
    >,
    text: string,
): Record<string, RpcTypedData> {
    const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });
    // PascalCase like the host; the library camel-cases keys (context.triggerMetadata.dequeueCount).
    const metadata: Record<string, RpcTypedData> = {
        QueueTrigger: { string: text },
        Id: { string: message.messageId },
        DequeueCount: json(message.dequeueCount),
        InsertionTime: json(message.insertedOn.toISOString()),
        ExpirationTime: json(message.expiresOn.toISOString()),
        NextVisibleTime: json(message.nextVisibleOn.toISOString()),
        PopReceipt: { string: message.popReceipt },
        sys: json({ MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
    };
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return metadata;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return metadata;
    for (const [key, value] of Object.entries(parsed)) {
        for (const existing of Object.keys(metadata)) {
            if (existing.toLowerCase() === key.toLowerCase()) delete metadata[existing];
        }
        // Sent as JSON so every value keeps its type (a string stays a string, a number a number).
        metadata[key] = json(value);
    }
    return metadata;
}

/** A message being processed: its pop receipt changes each time the lease is renewed. */
interface Lease {
    readonly message: DequeuedMessageItem;
    popReceipt: string;
    lost: boolean;
}

/**
 * A queue trigger with the semantics of the WebJobs queue listener and processor (azure-sdk-for-net,
 * Microsoft.Azure.WebJobs.Extensions.Storage.Common Queues/QueueListener.cs and QueueProcessor.cs): polls
 * with a randomized exponential back-off up to maxPollingInterval (cut short when the host writes to the
 * queue), runs up to batchSize + newBatchThreshold messages at once, keeps each running message invisible
 * with a lease renewed halfway through, deletes it when its invocation succeeds, makes it visible again
 * after `visibilityTimeout` when it fails, and moves it to `<queue>-poison` after `maxDequeueCount` failed
 * attempts. Messages that cannot be decoded go to poison at once.
 */
export class QueueListener {
    readonly #o: QueueListenerOptions;
    readonly #queue: QueueClient;
    readonly #leaseSeconds: number;
    readonly #abort = new AbortController();
    readonly #inFlight = new Set<Promise<void>>();
    readonly #unregister: () => void;
    #capacityFreed: (() => void) | undefined;
    #wake: (() => void) | undefined;
    #notified = false;
    #loop: Promise<void> | undefined;

    constructor(options: QueueListenerOptions) {
        this.#o = options;
        this.#queue = options.clients.queue(options.connection, options.queueName);
        this.#leaseSeconds = options.messageLeaseSeconds ?? DEFAULT_MESSAGE_LEASE_SECONDS;
        this.#unregister = options.watcher.register(options.queueName, () => this.notify());
    }

    get poisonQueueName(): string {
        return `${this.#o.queueName}-poison`;
    }

    start(): void {
        this.#loop ??= this.#poll();
    }

    /** A message was added to the queue by this host: poll now rather than after the back-off. */
    notify(): void {
        this.#notified = true;
        this.#wake?.();
    }

    /** Stops polling and waits up to `graceMs` for running invocations; unfinished messages reappear later. */
    async stop(graceMs: number): Promise<void> {
        this.#unregister();
        this.#abort.abort();
        this.#capacityFreed?.();
        this.#wake?.();
        await this.#loop;
        const running = Promise.allSettled([...this.#inFlight]);
        await Promise.race([running, sleep(graceMs, undefined, { ref: false })]);
    }

    #log(level: 'debug' | 'information' | 'warning' | 'error', message: string): void {
        this.#o.logger.write({ functionName: this.#o.functionName, level, message });
    }

    async #poll(): Promise<void> {
        const { batchSize, newBatchThreshold, maxPollingIntervalMs } = this.#o.options;
        const signal = this.#abort.signal;
        const backoff = new RandomizedExponentialBackoff(
            MIN_POLLING_INTERVAL_MS,
            Math.max(MIN_POLLING_INTERVAL_MS, maxPollingIntervalMs),
            this.#o.random,
        );
        let foundSinceLastDelay = false;
        let lastProblem: string | undefined;
        while (!signal.aborted) {
            while (this.#inFlight.size > newBatchThreshold && !signal.aborted) {
                await new Promise<void>((resolve) => (this.#capacityFreed = resolve));
            }
            if (signal.aborted) break;
            // A notification that arrives from here on ends the next wait at once.
            this.#notified = false;
            let messages: DequeuedMessageItem[] = [];
            try {
                const response = await this.#queue.receiveMessages({
                    numberOfMessages: batchSize,
                    visibilityTimeout: this.#leaseSeconds,
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
                foundSinceLastDelay = true;
                for (const message of messages) this.#dispatch(message);
                continue;
            }
            const delay = backoff.nextDelay(foundSinceLastDelay);
            foundSinceLastDelay = false;
            await this.#sleep(delay);
        }
    }

    /** Waits `delay` ms, or less if the host writes to this queue meanwhile or the listener stops. */
    async #sleep(delay: number): Promise<void> {
        if (this.#notified || this.#abort.signal.aborted) return;
        this.#log('debug', `Queue '${this.#o.queueName}' is empty; polling again in ${Math.round(delay)} ms`);
        await new Promise<void>((resolve) => {
            const timer = setTimeout(done, delay);
            function done() {
                clearTimeout(timer);
                resolve();
            }
            this.#wake = done;
        });
        this.#wake = undefined;
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
        const lease: Lease = { message, popReceipt: message.popReceipt, lost: false };
        if (message.dequeueCount > maxDequeueCount) {
            await this.#moveToPoison(
                lease,
                `its dequeue count ${message.dequeueCount} exceeds maxDequeueCount ${maxDequeueCount}`,
            );
            return;
        }
        const decoded = decodeQueueMessage(message.messageText, messageEncoding);
        if (!decoded.ok) {
            await this.#moveToPoison(lease, decoded.reason);
            return;
        }
        const renewal = this.#renewWhileRunning(lease);
        let result: InvocationResult;
        try {
            result = await this.#o.invoke({
                functionName: this.#o.functionName,
                triggerBindingName: this.#o.triggerBindingName,
                data: { string: decoded.text },
                triggerMetadata: queueTriggerMetadata(this.#o.functionName, message, decoded.text),
                reason: `New queue message detected on '${this.#o.queueName}' (id ${message.messageId}, dequeue count ${message.dequeueCount})`,
            });
        } finally {
            await renewal.stop();
        }
        if (lease.lost) return;
        if (result.ok) {
            await this.#ignoringLostOwnership(() => this.#queue.deleteMessage(message.messageId, lease.popReceipt));
        } else if (message.dequeueCount >= maxDequeueCount) {
            await this.#moveToPoison(
                lease,
                `it has reached maxDequeueCount of ${maxDequeueCount} (last error: ${result.error.message})`,
            );
        } else {
            // Keep the content; only the visibility changes, so the retry happens after visibilityTimeout.
            await this.#ignoringLostOwnership(() =>
                this.#queue.updateMessage(
                    message.messageId,
                    lease.popReceipt,
                    undefined,
                    Math.ceil(visibilityTimeoutMs / 1000),
                ),
            );
        }
    }

    /**
     * Renews the lease when it is halfway to expiring, for as long as the invocation runs
     * (QueueListener.CreateUpdateMessageVisibilityTimer and UpdateQueueMessageVisibilityCommand): a transient
     * failure is retried sooner; a lost message or pop receipt ends the renewals for good.
     */
    #renewWhileRunning(lease: Lease): { stop(): Promise<void> } {
        const normalMs = (this.#leaseSeconds * 1000) / 2;
        let timer: NodeJS.Timeout | undefined;
        let renewing: Promise<void> = Promise.resolve();
        let stopped = false;
        const schedule = (delayMs: number) => {
            if (!stopped) {
                timer = setTimeout(() => {
                    renewing = renew();
                }, delayMs);
            }
        };
        const renew = async () => {
            try {
                const receipt = await this.#queue.updateMessage(
                    lease.message.messageId,
                    lease.popReceipt,
                    undefined,
                    this.#leaseSeconds,
                );
                if (receipt.popReceipt !== undefined) lease.popReceipt = receipt.popReceipt;
                schedule(normalMs);
            } catch (error) {
                if (isLostOwnership(error)) {
                    lease.lost = true;
                    this.#log(
                        'warning',
                        `Message ${lease.message.messageId} is no longer held by this host (${describeError(error)}); its lease is not renewed`,
                    );
                } else if (isTransient(error)) {
                    schedule(Math.max(normalMs / 4, 250));
                } else {
                    this.#log(
                        'error',
                        `Renewing the lease of message ${lease.message.messageId} failed: ${describeError(error)}`,
                    );
                }
            }
        };
        schedule(normalMs);
        return {
            stop: async () => {
                stopped = true;
                clearTimeout(timer);
                await renewing;
            },
        };
    }

    async #ignoringLostOwnership(work: () => Promise<unknown>): Promise<void> {
        try {
            await work();
        } catch (error) {
            // QueueProcessor.DeleteMessageAsync / ReleaseMessageAsync: someone else holds the message now, or it is gone.
            if (!isLostOwnership(error)) throw error;
            this.#log('debug', `Message no longer held by this host: ${describeError(error)}`);
        }
    }

    async #moveToPoison(lease: Lease, why: string): Promise<void> {
        const { message } = lease;
        this.#log('error', `Message ${message.messageId} moved to queue '${this.poisonQueueName}' because ${why}`);
        const poison = await this.#o.clients.ensureQueue(this.#o.connection, this.poisonQueueName);
        // The stored text is copied unchanged, still encoded, as the host does.
        await poison.sendMessage(message.messageText);
        this.#o.watcher.notify(this.poisonQueueName);
        await this.#ignoringLostOwnership(() => this.#queue.deleteMessage(message.messageId, lease.popReceipt));
    }
}
