import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import {
    pageHandler,
    parseTenantId,
    readVerifiedForm,
    redirectResponse,
    requireSession,
    syncQueueOutput,
} from '../web';

/** POST /tenants/{tenantId}/sync ("Sync now", administrators): queues a manual sync, back to the page. */
export function tenantSyncHandler(services: Pick<Services, 'auth' | 'config' | 'tenantPages'>) {
    return pageHandler(
        () => services.auth,
        async ({ request, invocation, page, correlationId }) => {
            const tenantId = parseTenantId(request.params.tenantId);
            const session = requireSession(page, `/tenants/${tenantId}`);
            await readVerifiedForm(services.auth, request, session, services.config.publicBaseUrl);
            const message = await services.tenantPages.requestSync(session, tenantId, correlationId);
            invocation.extraOutputs.set(syncQueueOutput, message);
            return redirectResponse(`/tenants/${tenantId}`, { status: 303 });
        },
    );
}

app.http('pageTenantSync', {
    route: 'tenants/{tenantId}/sync',
    methods: ['POST'],
    authLevel: 'anonymous',
    extraOutputs: [syncQueueOutput],
    handler: (request, context) => tenantSyncHandler(runtimeServices())(request, context),
});
