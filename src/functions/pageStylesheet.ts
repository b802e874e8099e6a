import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';

import { SECURITY_HEADERS, SITE_CSS, STYLESHEET_VERSION } from '../web';

/** GET /assets/site.css: the pages' one stylesheet; a versioned URL may be cached for good. */
export function stylesheetHandler(request: HttpRequest): HttpResponseInit {
    const current = request.query.get('v') === STYLESHEET_VERSION;
    return {
        status: 200,
        headers: {
            'content-type': 'text/css; charset=utf-8',
            ...SECURITY_HEADERS,
            'cache-control': current ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
        body: SITE_CSS,
    };
}

app.http('pageStylesheet', {
    route: 'assets/site.css',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: stylesheetHandler,
});
