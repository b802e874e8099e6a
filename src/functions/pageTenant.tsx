import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { htmlResponse, pageHandler, parseTenantId, pathOf, requireSession } from '../web';
import { TenantPage } from '../web/pages/tenant';

/** GET /tenants/{tenantId}: the organization's connection and sync status, for its own users. */
export function tenantPageHandler(services: Pick<Services, 'auth' | 'tenantPages'>) {
    return pageHandler(
        () => services.auth,
        async ({ request, page }) => {
            const session = requireSession(page, pathOf(request));
            const tenantId = parseTenantId(request.params.tenantId);
            const view = await services.tenantPages.overview(session, tenantId);
            return htmlResponse(<TenantPage context={page} {...view} />);
        },
    );
}

app.http('pageTenant', {
    route: 'tenants/{tenantId}',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => tenantPageHandler(runtimeServices())(request, context),
});
