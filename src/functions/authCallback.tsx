import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import type { SignInProblem } from '../auth';
import { htmlResponse, pageHandler, redirectResponse } from '../web';
import { SignInProblemPage } from '../web/pages/problems';

const STATUS: Record<SignInProblem, number> = {
    state: 400,
    bad_request: 400,
    identity_platform: 401,
    code: 401,
    token: 401,
    personal_account: 403,
};

/** GET /auth/callback: the identity platform's redirect after sign-in. */
export function signInCallbackHandler(services: Pick<Services, 'auth'>) {
    return pageHandler(
        () => services.auth,
        async ({ request, logger, correlationId, page }) => {
            const outcome = await services.auth.signIn.complete(request.query, request.headers.get('cookie'), logger);
            if (outcome.kind === 'signedIn')
                return redirectResponse(outcome.returnTo, { status: 303, cookies: outcome.cookies });
            return htmlResponse(
                <SignInProblemPage
                    context={page}
                    problem={outcome.problem}
                    returnTo={outcome.returnTo}
                    error={outcome.error}
                    description={outcome.description}
                    correlationId={correlationId}
                />,
                { status: STATUS[outcome.problem], cookies: outcome.cookies },
            );
        },
    );
}

app.http('authCallback', {
    route: 'auth/callback',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => signInCallbackHandler(runtimeServices())(request, context),
});
