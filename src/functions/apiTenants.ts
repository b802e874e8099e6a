import { app } from '@azure/functions';

import { operationsApi } from '../api/operationsApi';
import { runtimeServices } from '../app/runtime';

/** GET /api/tenants: the connected tenants, a page at a time (Tenants.Read). */
app.http('apiTenants', {
    route: 'api/tenants',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => operationsApi(runtimeServices()).listTenants(request, context),
});
