import type { QueueClient } from '@azure/storage-queue';

import { storageFault } from '../storage';
import type { SyncMessage } from './syncMessage';

/** Sends sync messages with the SDK (for delayed ones; prompt ones go through the function's output binding). */
export interface SyncQueue {
    send(message: SyncMessage, options?: { delaySeconds?: number }): Promise<void>;
}

/** The queue trigger reads base64 (host.json `messageEncoding`), so that is what we write. */
export function encodeMessage(message: SyncMessage): string {
    return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

export function createSyncQueue(queue: QueueClient): SyncQueue {
    return {
        async send(message, options = {}) {
            const delay = Math.max(0, Math.min(Math.ceil(options.delaySeconds ?? 0), 7 * 24 * 3600 - 1));
            try {
                await queue.sendMessage(encodeMessage(message), delay > 0 ? { visibilityTimeout: delay } : {});
            } catch (error) {
                throw storageFault('sending a sync message', error);
            }
        },
    };
}
