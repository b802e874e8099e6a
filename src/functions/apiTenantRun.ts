import { app } from '@azure/functions';

import { operationsApi } from '../api/operationsApi';
import { runtimeServices } from '../app/runtime';

/** GET /api/tenants/{tenantId}/runs/{runId}: one run, with its outcome once it ends (Tenants.Read). */
app.http('apiTenantRun', {
    route: 'api/tenants/{tenantId}/runs/{runId}',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => operationsApi(runtimeServices()).getRun(request, context),
});
