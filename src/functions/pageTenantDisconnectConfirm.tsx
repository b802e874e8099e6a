import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { htmlResponse, pageHandler, parseTenantId, pathOf, requireSession } from '../web';
import { DisconnectPage } from '../web/pages/disconnect';

/** GET /tenants/{tenantId}/disconnect: the confirmation page (administrators). */
export function disconnectConfirmHandler(services: Pick<Services, 'auth' | 'tenantPages'>) {
    return pageHandler(
        () => services.auth,
        async ({ request, page }) => {
            const session = requireSession(page, pathOf(request));
            const tenantId = parseTenantId(request.params.tenantId);
            const tenant = await services.tenantPages.forAdmin(session, tenantId);
            return htmlResponse(<DisconnectPage context={page} tenant={tenant} />);
        },
    );
}

app.http('pageTenantDisconnectConfirm', {
    route: 'tenants/{tenantId}/disconnect',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => disconnectConfirmHandler(runtimeServices())(request, context),
});
