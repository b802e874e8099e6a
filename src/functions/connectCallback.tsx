import { app } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { htmlResponse, pageHandler, redirectResponse, syncQueueOutput } from '../web';
import { ConsentProblemPage } from '../web/pages/problems';

/**
 * GET /connect/callback: Microsoft's redirect after admin consent. On success the tenant is recorded
 * (active, or pending while Microsoft applies the consent), its first sync goes on the queue, and the
 * browser lands on the tenant's page.
 */
export function connectCallbackHandler(services: Pick<Services, 'auth' | 'onboarding'>) {
    return pageHandler(
        () => services.auth,
        async ({ request, invocation, logger, correlationId, page }) => {
            const outcome = await services.onboarding.completeConsent(request.query, page.session, {
                logger,
                correlationId,
            });
            if (outcome.kind === 'connected') {
                if (outcome.syncMessage !== undefined)
                    invocation.extraOutputs.set(syncQueueOutput, outcome.syncMessage);
                return redirectResponse(`/tenants/${outcome.tenant.tenantId}`, { status: 303 });
            }
            return htmlResponse(<ConsentProblemPage context={page} outcome={outcome} correlationId={correlationId} />, {
                status: outcome.kind === 'otherTenant' ? 403 : 400,
            });
        },
    );
}

app.http('connectCallback', {
    route: 'connect/callback',
    methods: ['GET'],
    authLevel: 'anonymous',
    extraOutputs: [syncQueueOutput],
    handler: (request, context) => connectCallbackHandler(runtimeServices())(request, context),
});
