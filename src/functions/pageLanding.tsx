import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { htmlResponse, pageHandler } from '../web';
import { LandingPage } from '../web/pages/landing';

/** GET /: what Tenant Sync does and the connect button; signed in, the organization's status. */
export function landingHandler(services: Pick<Services, 'auth' | 'tenants'>) {
    return pageHandler(
        () => services.auth,
        async ({ page }) => {
            const tenant = page.session === undefined ? undefined : await services.tenants.get(page.session.tid);
            return htmlResponse(<LandingPage context={page} tenant={tenant?.record} />);
        },
    );
}

app.http('pageLanding', {
    // The site root: with routePrefix "" the route must match the empty path (AzureWebJobsDisableHomepage frees it in Azure).
    route: '{ignored:maxlength(0)?}',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => landingHandler(runtimeServices())(request, context),
});
