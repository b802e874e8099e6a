import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { pageHandler, readVerifiedForm, redirectResponse } from '../web';

/** POST /auth/signout: ends the session (CSRF-checked, so another site cannot sign people out). */
export function signOutHandler(services: Pick<Services, 'auth' | 'config'>) {
    return pageHandler(
        () => services.auth,
        async ({ request, page, logger }) => {
            if (page.session !== undefined) {
                await readVerifiedForm(services.auth, request, page.session, services.config.publicBaseUrl);
                logger.info('signed out', { tenantId: page.session.tid });
            }
            return redirectResponse('/', { status: 303, cookies: [services.auth.sessions.clear()] });
        },
    );
}

app.http('authSignOut', {
    route: 'auth/signout',
    methods: ['POST'],
    authLevel: 'anonymous',
    handler: (request, context) => signOutHandler(runtimeServices())(request, context),
});
