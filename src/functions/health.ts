import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { appVersion } from '../version';

/** Liveness probe: answers without touching any dependency so it stays cheap and always available. */
export function health(_request: HttpRequest, _context: InvocationContext): HttpResponseInit {
    return { status: 200, jsonBody: { status: 'ok', version: appVersion }, headers: { 'cache-control': 'no-store' } };
}

app.http('health', { route: 'api/health', methods: ['GET'], authLevel: 'anonymous', handler: health });
