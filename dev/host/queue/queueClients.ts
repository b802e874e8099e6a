import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';

import type { StorageConnection } from '../config/storageConnection';

/** Bounded SDK retries, so a stopped Azurite surfaces as a logged polling error instead of a long hang. */
const CLIENT_OPTIONS = { retryOptions: { maxTries: 3, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 } };

/** One service client per connection and a memo of queues already created. */
export class QueueClients {
    readonly #services = new Map<string, QueueServiceClient>();
    readonly #created = new Map<string, Promise<QueueClient>>();

    queue(connection: StorageConnection, name: string): QueueClient {
        let service = this.#services.get(connection.settingName);
        if (service === undefined) {
            service = QueueServiceClient.fromConnectionString(connection.connectionString, CLIENT_OPTIONS);
            this.#services.set(connection.settingName, service);
        }
        return service.getQueueClient(name);
    }

    /** The queue, created on first use (output and poison queues are created by the host on demand). */
    ensureQueue(connection: StorageConnection, name: string): Promise<QueueClient> {
        const key = `${connection.settingName}/${name}`;
        let created = this.#created.get(key);
        if (created === undefined) {
            const client = this.queue(connection, name);
            created = client.createIfNotExists().then(() => client);
            created.catch(() => this.#created.delete(key));
            this.#created.set(key, created);
        }
        return created;
    }
}
