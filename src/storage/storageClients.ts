import { type TokenCredential } from '@azure/core-auth';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';

import type { StorageConfig } from '../config';

/** The tables the app owns. infra/modules/storage.bicep creates the same names. */
export const TableName = {
    tenants: 'Tenants',
    users: 'Users',
    runs: 'SyncRuns',
    authStates: 'AuthStates',
} as const;
export type TableName = (typeof TableName)[keyof typeof TableName];

/** The queue the fan-out and the pages write to and the worker reads. */
export const SYNC_QUEUE = 'tenant-sync';

export interface StorageClients {
    table(name: TableName): TableClient;
    queue(name: string): QueueClient;
    /** Creates the tables and the queue when they are missing (Bicep creates them in Azure; Azurite starts empty). */
    ensureCreated(): Promise<void>;
}

/** Clients for a connection string (Azurite locally) or for identity-based access (Azure). */
export function createStorageClients(config: StorageConfig, credential: () => TokenCredential): StorageClients {
    // Azurite speaks http; the SDKs refuse to send a key over http unless told the endpoint is trusted.
    const options = { allowInsecureConnection: true };
    const tables = new Map<TableName, TableClient>();
    const queues = new Map<string, QueueClient>();
    let queueService: QueueServiceClient | undefined;
    let ensured: Promise<void> | undefined;

    const table = (name: TableName): TableClient => {
        let client = tables.get(name);
        if (client === undefined) {
            client =
                config.kind === 'connectionString'
                    ? TableClient.fromConnectionString(config.connectionString, name, options)
                    : new TableClient(config.tableServiceUri, name, credential());
            tables.set(name, client);
        }
        return client;
    };

    const queue = (name: string): QueueClient => {
        let client = queues.get(name);
        if (client === undefined) {
            queueService ??=
                config.kind === 'connectionString'
                    ? QueueServiceClient.fromConnectionString(config.connectionString)
                    : new QueueServiceClient(config.queueServiceUri, credential());
            client = queueService.getQueueClient(name);
            queues.set(name, client);
        }
        return client;
    };

    return {
        table,
        queue,
        ensureCreated() {
            ensured ??= (async () => {
                const service =
                    config.kind === 'connectionString'
                        ? TableServiceClient.fromConnectionString(config.connectionString, options)
                        : new TableServiceClient(config.tableServiceUri, credential());
                // createTable and createIfNotExists already treat "exists" as success.
                await Promise.all(Object.values(TableName).map((name) => service.createTable(name)));
                await queue(SYNC_QUEUE).createIfNotExists();
            })().catch((error: unknown) => {
                ensured = undefined;
                throw error;
            });
            return ensured;
        },
    };
}
