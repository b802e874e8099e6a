import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { pageHandler, redirectResponse, requireSession } from '../web';

/** GET /connect: to Microsoft's admin-consent page for the signed-in user's organization (sign-in first). */
export function connectHandler(services: Pick<Services, 'auth' | 'onboarding'>) {
    return pageHandler(
        () => services.auth,
        async ({ page }) => {
            const session = requireSession(page, '/connect');
            return redirectResponse(await services.onboarding.consentUrl(session));
        },
    );
}

app.http('connect', {
    route: 'connect',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => connectHandler(runtimeServices())(request, context),
});
