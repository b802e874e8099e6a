import { app } from '@azure/functions';

import { operationsApi } from '../api/operationsApi';
import { runtimeServices } from '../app/runtime';

/** POST /api/sync: run the fan-out now (Sync.Run); 202 with its counts. */
app.http('apiSync', {
    route: 'api/sync',
    methods: ['POST'],
    authLevel: 'anonymous',
    handler: (request, context) => operationsApi(runtimeServices()).syncAll(request, context),
});
