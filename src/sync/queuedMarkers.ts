import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';

import { isNotFound, storageFault } from '../storage';

/**
 * "A sync message for this tenant is on the queue": one small row per tenant in the Tenants table,
 * so the fan-out can write a hundred at once (one entity-group transaction) instead of one write per
 * tenant row, and read them back in tenant-id order beside the tenants. The rows are spread over 16
 * partitions by the tenant id's first hex digit: a single partition caps the write rate (Table
 * Storage's scalability target is per partition) and Azurite scans a whole partition for every upsert.
 * The partition is a prefix of the row key, so reading the partitions in order yields tenant-id order.
 */
export const QUEUED_PARTITION_PREFIX = '~queued-';

/** The partition of a tenant's marker: `~queued-` and the tenant id's first hex digit. */
export function queuedPartition(tenantId: string): string {
    return `${QUEUED_PARTITION_PREFIX}${tenantId.slice(0, 1).toLowerCase()}`;
}

/** Every marker partition and nothing else: `~queued-` is followed by `~queued.` in key order. */
const EVERY_QUEUED_PARTITION = odata`PartitionKey ge ${QUEUED_PARTITION_PREFIX} and PartitionKey lt ${'~queued.'}`;

export interface QueuedMarker {
    tenantId: string;
    runId: string;
    queuedAt: number;
}

export interface QueuedMarkers {
    /** Every marker, in tenant-id order (the order tenant rows are listed in). */
    stream(): AsyncIterable<QueuedMarker>;
    /** Writes markers: one transaction per partition and hundred markers. */
    mark(markers: readonly QueuedMarker[]): Promise<void>;
    /** The worker took the tenant's message off the queue. */
    clear(tenantId: string): Promise<void>;
}

export function createQueuedMarkers(table: TableClient): QueuedMarkers {
    return {
        async *stream() {
            try {
                for await (const page of table
                    .listEntities({
                        queryOptions: {
                            filter: EVERY_QUEUED_PARTITION,
                            select: ['RowKey', 'runId', 'queuedAt'],
                        },
                    })
                    .byPage({ maxPageSize: 1000 })) {
                    for (const entity of page)
                        yield {
                            tenantId: String(entity.rowKey),
                            runId: typeof entity.runId === 'string' ? entity.runId : '',
                            queuedAt: typeof entity.queuedAt === 'number' ? entity.queuedAt : 0,
                        };
                }
            } catch (error) {
                throw storageFault('reading queue markers', error);
            }
        },
        async mark(markers) {
            const byPartition = new Map<string, TransactionAction[]>();
            for (const marker of markers) {
                const partitionKey = queuedPartition(marker.tenantId);
                const actions = byPartition.get(partitionKey) ?? [];
                // Milliseconds exceed Int32: queuedAt is stored as a double, which holds them exactly.
                const entity = {
                    partitionKey,
                    rowKey: marker.tenantId,
                    runId: marker.runId,
                    queuedAt: marker.queuedAt,
                };
                actions.push(['upsert', entity, 'Replace']);
                byPartition.set(partitionKey, actions);
            }
            try {
                for (const actions of byPartition.values())
                    for (let i = 0; i < actions.length; i += 100)
                        await table.submitTransaction(actions.slice(i, i + 100));
            } catch (error) {
                throw storageFault('writing queue markers', error);
            }
        },
        async clear(tenantId) {
            try {
                await table.deleteEntity(queuedPartition(tenantId), tenantId);
            } catch (error) {
                if (!isNotFound(error)) throw storageFault('clearing a queue marker', error);
            }
        },
    };
}
