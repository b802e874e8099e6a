import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { appVersion } from '../version';

/** Liveness probe: answers without touching any dependency so it stays cheap and always available. */
export function healthHandler(_services: Pick<Services, 'config'>) {
    return (_request: HttpRequest): HttpResponseInit => ({
        status: 200,
        jsonBody: { status: 'ok', version: appVersion },
        headers: { 'cache-control': 'no-store' },
    });
}

app.http('health', {
    route: 'api/health',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request) => healthHandler(runtimeServices())(request),
});
