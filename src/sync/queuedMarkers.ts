import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';

import { isNotFound, storageFault } from '../storage';

/**
 * "A sync message for this tenant is on the queue": one small row per tenant in one partition of
 * the Tenants table, so the fan-out can write a hundred at once (one entity-group transaction)
 * instead of one write per tenant row, and read them back in tenant-id order beside the tenants.
 */
export const QUEUED_PARTITION = '~queued';

export interface QueuedMarker {
    tenantId: string;
    runId: string;
    queuedAt: number;
}

export interface QueuedMarkers {
    /** Every marker, in tenant-id order (the order tenant rows are listed in). */
    stream(): AsyncIterable<QueuedMarker>;
    /** Writes markers, a hundred per transaction. */
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
                            filter: odata`PartitionKey eq ${QUEUED_PARTITION}`,
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
            const actions = markers.map((marker): TransactionAction => [
                'upsert',
                {
                    partitionKey: QUEUED_PARTITION,
                    rowKey: marker.tenantId,
                    runId: marker.runId,
                    // Milliseconds exceed Int32: stored as a double, which holds them exactly.
                    queuedAt: marker.queuedAt,
                },
                'Replace',
            ]);
            try {
                for (let i = 0; i < actions.length; i += 100) await table.submitTransaction(actions.slice(i, i + 100));
            } catch (error) {
                throw storageFault('writing queue markers', error);
            }
        },
        async clear(tenantId) {
            try {
                await table.deleteEntity(QUEUED_PARTITION, tenantId);
            } catch (error) {
                if (!isNotFound(error)) throw storageFault('clearing a queue marker', error);
            }
        },
    };
}
