import { output } from '@azure/functions';

import { SYNC_QUEUE } from '../storage';

/**
 * The `tenant-sync` queue as a function output: a page that asks for a sync hands the message to the
 * host, which writes it when the invocation succeeds, and the worker's queue trigger wakes at once.
 */
export const syncQueueOutput = output.storageQueue({ queueName: SYNC_QUEUE, connection: 'AzureWebJobsStorage' });
