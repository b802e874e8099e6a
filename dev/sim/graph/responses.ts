import type { SimClock } from '../core/clock';
import type { SimRequest, SimResponse } from '../core/http';

/** Graph's JSON content type for OData responses (observed on real responses). */
export const ODATA_JSON =
    'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Headers every Graph response carries: request ids (client's echoed, else = request-id) and OData version. */
export function graphHeaders(request: SimRequest, extra: Record<string, string> = {}): Record<string, string> {
    return {
        'content-type': ODATA_JSON,
        'odata-version': '4.0',
        'request-id': request.requestId,
        'client-request-id': request.header('client-request-id') ?? request.requestId,
        'x-ms-ags-diagnostic': JSON.stringify({
            ServerInfo: {
                DataCenter: 'Local Simulator',
                Slice: 'E',
                Ring: 'SIM',
                ScaleUnit: '000',
                RoleInstance: 'SIM',
            },
        }),
        'strict-transport-security': 'max-age=31536000',
        'cache-control': 'private',
        ...extra,
    };
}

export function graphOk(request: SimRequest, body: unknown, extra: Record<string, string> = {}): SimResponse {
    return { status: 200, headers: graphHeaders(request, extra), body };
}

/**
 * Graph's error envelope, exactly: `{"error":{"code","message","innerError":{"date","request-id",
 * "client-request-id"}}}` with `date` in UTC without a zone suffix.
 */
export function graphError(
    request: SimRequest,
    clock: SimClock,
    status: number,
    code: string,
    message: string,
    extra: Record<string, string> = {},
): SimResponse {
    const headers = graphHeaders(request, extra);
    return {
        status,
        headers,
        body: {
            error: {
                code,
                message,
                innerError: {
                    date: new Date(clock.now()).toISOString().slice(0, 19),
                    'request-id': headers['request-id'],
                    'client-request-id': headers['client-request-id'],
                },
            },
        },
    };
}

/** Thrown by query parsing and handlers; turned into a Graph error response by the dispatcher. */
export class GraphError extends Error {
    override readonly name = 'GraphError';

    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
    }
}

export const badRequest = (message: string) => new GraphError(400, 'BadRequest', message);
export const unsupportedQuery = (message: string) => new GraphError(400, 'Request_UnsupportedQuery', message);

/** Default error code and message for a status (used for injected faults). */
export function defaultErrorFor(status: number): { code: string; message: string } {
    switch (status) {
        case 400:
            return { code: 'BadRequest', message: 'The request is malformed or incorrect.' };
        case 401:
            return { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' };
        case 403:
            return {
                code: 'Authorization_RequestDenied',
                message: 'Insufficient privileges to complete the operation.',
            };
        case 404:
            return { code: 'Request_ResourceNotFound', message: 'The requested resource does not exist.' };
        case 429:
            return { code: 'TooManyRequests', message: 'Too many requests.' };
        case 500:
            return { code: 'generalException', message: 'An unspecified error has occurred.' };
        case 502:
            return { code: 'BadGateway', message: 'Bad gateway.' };
        case 503:
            return { code: 'serviceNotAvailable', message: 'The service is temporarily unavailable. Try again later.' };
        case 504:
            return { code: 'UnknownError', message: 'Gateway timeout.' };
        default:
            return { code: 'UnknownError', message: `The simulator injected HTTP ${status}.` };
    }
}
