import { app, type InvocationContext } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { InvalidMessageError } from '../errors';
import { invocationLogger } from '../logging';
import { SYNC_QUEUE } from '../storage';
import { parseSyncMessage } from '../sync/syncMessage';
import type { WorkerResult } from '../sync/syncWorker';

/**
 * Queue trigger on `tenant-sync`: one delivery syncs (part of) one tenant. A message that is not a
 * sync message fails every attempt with a line naming the problem, and the host moves it to
 * `tenant-sync-poison` after host.json's maxDequeueCount.
 */
export function syncWorkerHandler(services: Pick<Services, 'syncWorker'>) {
    return async (message: unknown, context: InvocationContext): Promise<WorkerResult> => {
        let parsed;
        try {
            parsed = parseSyncMessage(message);
        } catch (error) {
            if (error instanceof InvalidMessageError)
                invocationLogger(context).error('rejected a queue message', {
                    error,
                    dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 0),
                });
            throw error;
        }
        const logger = invocationLogger(context, parsed.correlationId ?? context.invocationId);
        const result = await services.syncWorker.handle(parsed, { invocationId: context.invocationId, logger });
        logger.info('sync message handled', { tenantId: parsed.tenantId, ...result });
        return result;
    };
}

app.storageQueue('syncWorker', {
    queueName: SYNC_QUEUE,
    connection: 'AzureWebJobsStorage',
    handler: (message, context) => syncWorkerHandler(runtimeServices())(message, context),
});
