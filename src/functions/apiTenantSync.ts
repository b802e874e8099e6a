import { app, output } from '@azure/functions';

import { operationsApi } from '../api/operationsApi';
import { runtimeServices } from '../app/runtime';
import { SYNC_QUEUE } from '../storage';

const syncQueue = output.storageQueue({ queueName: SYNC_QUEUE, connection: 'AzureWebJobsStorage' });

/** POST /api/tenants/{tenantId}/sync: sync one tenant now (Sync.Run); 202 with the run to watch. */
app.http('apiTenantSync', {
    route: 'api/tenants/{tenantId}/sync',
    methods: ['POST'],
    authLevel: 'anonymous',
    extraOutputs: [syncQueue],
    handler: (request, context) => operationsApi(runtimeServices()).requestSync(syncQueue)(request, context),
});
