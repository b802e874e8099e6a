import { app } from '@azure/functions';

import { operationsApi } from '../api/operationsApi';
import { runtimeServices } from '../app/runtime';

/** GET /api/tenants/{tenantId} (Tenants.Read) and DELETE, which offboards it (Tenants.Manage). */
app.http('apiTenant', {
    route: 'api/tenants/{tenantId}',
    methods: ['GET', 'DELETE'],
    authLevel: 'anonymous',
    handler: (request, context) => {
        const api = operationsApi(runtimeServices());
        return request.method === 'DELETE' ? api.deleteTenant(request, context) : api.getTenant(request, context);
    },
});
