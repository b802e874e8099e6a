import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { pageHandler, redirectResponse } from '../web';

/** GET /auth/signin?returnTo=: to the identity platform (authorization code + PKCE, state, nonce). */
export function signInHandler(services: Pick<Services, 'auth'>) {
    return pageHandler(
        () => services.auth,
        async ({ request }) => {
            const returnTo = request.query.getAll('returnTo').length === 1 ? request.query.get('returnTo') : null;
            const { authorizationUrl, cookie } = await services.auth.signIn.begin(returnTo);
            return redirectResponse(authorizationUrl, { cookies: [cookie] });
        },
    );
}

app.http('authSignIn', {
    route: 'auth/signin',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => signInHandler(runtimeServices())(request, context),
});
