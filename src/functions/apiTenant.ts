import { app, output } from '@azure/functions';

import { operationsApi } from '../api/operationsApi';
import { runtimeServices } from '../app/runtime';
import { SYNC_QUEUE } from '../storage';

const syncQueue = output.storageQueue({ queueName: SYNC_QUEUE, connection: 'AzureWebJobsStorage' });

/**
 * /api/tenants/{tenantId}: GET (Tenants.Read); PUT connects a tenant whose admin has consented
 * (Tenants.Manage; its first sync goes out through the queue output); DELETE offboards it (Tenants.Manage).
 */
app.http('apiTenant', {
    route: 'api/tenants/{tenantId}',
    methods: ['GET', 'PUT', 'DELETE'],
    authLevel: 'anonymous',
    extraOutputs: [syncQueue],
    handler: (request, context) => {
        const api = operationsApi(runtimeServices());
        if (request.method === 'DELETE') return api.deleteTenant(request, context);
        if (request.method === 'PUT') return api.connectTenant(syncQueue)(request, context);
        return api.getTenant(request, context);
    },
});
