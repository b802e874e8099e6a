import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { htmlResponse, pageHandler, parseTenantId, parseUsersQuery, pathOf, requireSession } from '../web';
import { UsersPage } from '../web/pages/users';

/** GET /tenants/{tenantId}/users?q=&page=: the synced users, 100 a page, searchable by name prefix. */
export function tenantUsersHandler(services: Pick<Services, 'auth' | 'tenantPages'>) {
    return pageHandler(
        () => services.auth,
        async ({ request, page }) => {
            const session = requireSession(page, pathOf(request));
            const tenantId = parseTenantId(request.params.tenantId);
            const query = parseUsersQuery(request.query);
            const result = await services.tenantPages.users(session, tenantId, query);
            return htmlResponse(
                <UsersPage
                    context={page}
                    tenant={result.tenant}
                    users={result.users}
                    search={query.search}
                    nextPage={result.nextPage}
                    firstPage={query.page === undefined}
                />,
            );
        },
    );
}

app.http('pageTenantUsers', {
    route: 'tenants/{tenantId}/users',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => tenantUsersHandler(runtimeServices())(request, context),
});
