import { app } from '@azure/functions';

import { operationsApi } from '../api/operationsApi';
import { runtimeServices } from '../app/runtime';

/** GET /api/tenants/{tenantId}/runs: the newest sync runs (Tenants.Read). */
app.http('apiTenantRuns', {
    route: 'api/tenants/{tenantId}/runs',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => operationsApi(runtimeServices()).listRuns(request, context),
});
