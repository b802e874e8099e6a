import { app } from '@azure/functions';

import { operationsApi } from '../api/operationsApi';
import { runtimeServices } from '../app/runtime';

/** GET /api/tenants/{tenantId}/users: the synced users, at most 1,000 a page (Users.Read). */
app.http('apiTenantUsers', {
    route: 'api/tenants/{tenantId}/users',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => operationsApi(runtimeServices()).listUsers(request, context),
});
