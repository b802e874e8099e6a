import type { HttpResponseInit } from '@azure/functions';

import {
    ensureError,
    ErrorCategory,
    isTenantSyncError,
    OperatorActionError,
    RequestError,
    TransientError,
} from '../errors';
import type { Logger } from '../logging';

const TITLES: Record<number, string> = {
    400: 'Bad request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not found',
    409: 'Conflict',
    500: 'Internal error',
    503: 'Service unavailable',
};

/** An RFC 9457 problem document, with our stable error `code`. */
export function problemResponse(status: number, code: string, detail: string, invocationId: string): HttpResponseInit {
    const headers: Record<string, string> = {
        'content-type': 'application/problem+json',
        'cache-control': 'no-store',
    };
    if (status === 401) headers['www-authenticate'] = 'Bearer realm="Tenant Sync", error="invalid_token"';
    return {
        status,
        headers,
        body: JSON.stringify({
            type: 'about:blank',
            title: TITLES[status] ?? 'Error',
            status,
            code,
            detail,
            invocationId,
        }),
    };
}

/** Maps anything a route throws to a problem answer; only our own faults and bugs are logged as errors. */
export function problemFor(error: unknown, invocationId: string, logger: Logger): HttpResponseInit {
    if (error instanceof RequestError)
        return problemResponse(error.status, error.detailCode ?? error.code, error.message, invocationId);
    if (error instanceof TransientError) {
        logger.warn('operations API: a dependency failed', { errorCode: error.code });
        const answer = problemResponse(
            503,
            error.code,
            'A service Tenant Sync depends on is unavailable; try again shortly.',
            invocationId,
        );
        return { ...answer, headers: { ...(answer.headers as Record<string, string>), 'retry-after': '5' } };
    }
    if (error instanceof OperatorActionError) {
        logger.error('operations API: the deployment needs an operator', { error });
        return problemResponse(503, error.code, error.message, invocationId);
    }
    const category = isTenantSyncError(error) ? error.category : ErrorCategory.internal;
    logger.error('operations API failed', { error: ensureError(error), category });
    return problemResponse(
        500,
        'internal_error',
        'Tenant Sync failed to answer; the invocation id identifies the log lines.',
        invocationId,
    );
}
