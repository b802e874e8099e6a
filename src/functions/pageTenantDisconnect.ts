import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { pageHandler, parseTenantId, readVerifiedForm, redirectResponse, requireSession } from '../web';

/** POST /tenants/{tenantId}/disconnect (administrators, after the confirmation page): offboards the tenant. */
export function disconnectHandler(services: Pick<Services, 'auth' | 'config' | 'tenantPages'>) {
    return pageHandler(
        () => services.auth,
        async ({ request, page, logger }) => {
            const tenantId = parseTenantId(request.params.tenantId);
            const session = requireSession(page, `/tenants/${tenantId}`);
            await readVerifiedForm(services.auth, request, session, services.config.publicBaseUrl);
            await services.tenantPages.disconnect(session, tenantId, logger);
            return redirectResponse(`/tenants/${tenantId}`, { status: 303 });
        },
    );
}

app.http('pageTenantDisconnect', {
    route: 'tenants/{tenantId}/disconnect',
    methods: ['POST'],
    authLevel: 'anonymous',
    handler: (request, context) => disconnectHandler(runtimeServices())(request, context),
});
