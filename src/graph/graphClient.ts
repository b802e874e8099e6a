import { randomUUID } from 'node:crypto';

// ky: a small, well-kept fetch client whose retries already honour Retry-After exactly (no early
// retry, no jitter on server-given delays) and back off exponentially with jitter otherwise.
import ky, { HTTPError, isForceRetryError, isTimeoutError, type KyInstance } from 'ky';

import type { Clock } from '../app/clock';
import { CustomerActionError, InternalError, isTenantSyncError, TransientError } from '../errors';
import type { AppTokenProvider } from '../identity';
import type { Logger } from '../logging';
import { isAppWideScope, type ThrottleGate } from './throttleGate';

/** What a sync reports about its Graph traffic. */
export interface GraphStats {
    requests: number;
    throttled: number;
    waitedMs: number;
}

export const newGraphStats = (): GraphStats => ({ requests: 0, throttled: 0, waitedMs: 0 });

export interface GraphRequestOptions {
    stats?: GraphStats;
    logger?: Logger;
    signal?: AbortSignal;
    /** Extra request headers (e.g. `Prefer: odata.maxpagesize=…`). */
    headers?: Record<string, string>;
    /** Acquire a fresh token instead of MSAL's cached one (the consent check after a new consent). */
    forceTokenRefresh?: boolean;
}

/** Graph for one customer tenant, with our app-only token. */
export interface TenantGraph {
    /** GET a Graph URL — a link Graph gave us (used verbatim) or a path such as `/v1.0/organization` — as JSON. */
    getJson<T>(urlOrPath: string, options?: GraphRequestOptions): Promise<T>;
}

export interface GraphClient {
    forTenant(tenantId: string): TenantGraph;
}

export interface GraphClientSettings {
    baseUrl: string;
    /** A Retry-After longer than this is not waited out in place: the caller gets a `graph_throttled` error. */
    maxInlineWaitMs: number;
    /** Per attempt, until the response headers arrive. */
    requestTimeoutMs?: number;
    /** Per attempt, for reading the body once the headers are in (a stalled body is retried). */
    bodyTimeoutMs?: number;
    /** Attempts after the first, for 5xx, network errors, timeouts and unreadable bodies. */
    retryLimit?: number;
}

/** Thrown by the delta layer's caller: the delta token is no longer valid and the round must start over. */
export class GraphResyncRequiredError extends TransientError {
    constructor(
        message: string,
        readonly restartUrl: string | undefined,
    ) {
        super('graph_resync_required', message);
    }
}

interface CallState {
    tenantId: string;
    clientRequestId: string;
    stats: GraphStats;
    lastResponseAt: number | undefined;
    body: unknown;
    errorCode: string | undefined;
    requestId: string | null;
    forceTokenRefresh: boolean;
    tokenRefreshed: boolean;
}

/** Retry-After in milliseconds: delta-seconds (Graph sometimes sends decimals) or an HTTP date. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
    if (header === null || header.trim() === '') return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function readWithin(response: Response, ms: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`response body not complete within ${ms} ms`)), ms);
    });
    try {
        return await Promise.race([response.text(), timeout]);
    } finally {
        clearTimeout(timer);
        if (response.body !== null && !response.bodyUsed) void response.body.cancel().catch(() => undefined);
    }
}

export function createGraphClient(
    settings: GraphClientSettings,
    tokens: AppTokenProvider,
    gate: ThrottleGate,
    clock: Clock,
): GraphClient {
    const bodyTimeoutMs = settings.bodyTimeoutMs ?? 30_000;
    const api: KyInstance = ky.create({
        timeout: settings.requestTimeoutMs ?? 30_000,
        headers: { accept: 'application/json' },
        retry: {
            limit: settings.retryLimit ?? 5,
            methods: ['get'],
            // 4xx other than 429 never succeed on a retry.
            statusCodes: [429, 500, 502, 503, 504],
            afterStatusCodes: [429, 503],
            backoffLimit: 30_000,
            delay: (attempt) => 500 * 2 ** (attempt - 1),
            jitter: true,
            retryOnTimeout: true,
            shouldRetry: ({ error }) => {
                // Our own failures (no token, no consent) are not network faults.
                if (isTenantSyncError(error)) return false;
                if (error instanceof HTTPError) {
                    const wait = retryAfterMs(error.response.headers.get('retry-after'), clock.now());
                    // Longer waits are the caller's: it saves its place and comes back later.
                    if (wait !== undefined && wait > settings.maxInlineWaitMs) return false;
                }
                return undefined;
            },
        },
        hooks: {
            beforeRequest: [
                async (request, options) => {
                    const state = options.context.state as CallState;
                    const wait = gate.waitFor(state.tenantId, clock.now());
                    if (wait > settings.maxInlineWaitMs)
                        throw new TransientError('graph_throttled', 'Graph asked us to wait before the next request', {
                            retryAfterMs: wait,
                        });
                    if (wait > 0) {
                        await clock.sleep(wait, options.signal ?? undefined);
                        state.stats.waitedMs += wait;
                    }
                    let token;
                    try {
                        token = await tokens.graphToken(state.tenantId, { forceRefresh: state.forceTokenRefresh });
                    } finally {
                        state.forceTokenRefresh = false;
                    }
                    if (token.roles.length === 0)
                        // Consented without the application permission, or Microsoft has not applied it yet.
                        throw new CustomerActionError(
                            'consent_required',
                            `The app holds no application permission in tenant ${state.tenantId}`,
                            { remoteCode: 'token_without_roles' },
                        );
                    request.headers.set('authorization', `Bearer ${token.accessToken}`);
                    request.headers.set('client-request-id', state.clientRequestId);
                    state.stats.requests += 1;
                },
            ],
            afterResponse: [
                async (_request, options, response) => {
                    const state = options.context.state as CallState;
                    state.lastResponseAt = clock.now();
                    state.requestId = response.headers.get('request-id');
                    if (response.status === 429) state.stats.throttled += 1;
                    if (response.status === 429 || response.status === 503) {
                        const wait = retryAfterMs(response.headers.get('retry-after'), clock.now());
                        if (wait !== undefined) {
                            const appWide = isAppWideScope(response.headers.get('x-ms-throttle-scope'));
                            gate.close(appWide ? 'app' : { tenantId: state.tenantId }, clock.now() + wait);
                        }
                    }
                    let text: string;
                    try {
                        text = await readWithin(response, bodyTimeoutMs);
                    } catch {
                        // Cut off or stalled mid-body: fetch the same URL again.
                        return response.ok ? ky.retry({ code: 'GRAPH_BODY_INCOMPLETE' }) : undefined;
                    }
                    try {
                        const parsed: unknown = text === '' ? undefined : JSON.parse(text);
                        if (response.ok) state.body = parsed;
                        else state.errorCode = (parsed as { error?: { code?: string } } | undefined)?.error?.code;
                    } catch {
                        if (response.ok) return ky.retry({ code: 'GRAPH_BODY_MALFORMED' });
                    }
                    if (
                        response.status === 401 &&
                        state.errorCode === 'InvalidAuthenticationToken' &&
                        !state.tokenRefreshed
                    ) {
                        // The cached token expired or was revoked early: one more try with a new one.
                        state.tokenRefreshed = true;
                        state.forceTokenRefresh = true;
                        return ky.retry({ code: 'GRAPH_TOKEN_REFRESH', delay: 0 });
                    }
                    return undefined;
                },
            ],
            beforeRetry: [
                ({ options }) => {
                    const state = options.context.state as CallState;
                    if (state.lastResponseAt !== undefined) state.stats.waitedMs += clock.now() - state.lastResponseAt;
                },
            ],
        },
    });

    const fail = (state: CallState, url: string, error: unknown, logger: Logger | undefined): Error => {
        if (isTenantSyncError(error)) return error;
        const where = { clientRequestId: state.clientRequestId, requestId: state.requestId, url: pathOf(url) };
        if (error instanceof HTTPError) {
            const status = error.response.status;
            const code = state.errorCode;
            logger?.warn('Graph request failed', { ...where, status, graphError: code });
            if (status === 429 || status === 503) {
                const wait = retryAfterMs(error.response.headers.get('retry-after'), clock.now());
                return new TransientError('graph_throttled', `Graph answered ${status} (${code ?? 'no code'})`, {
                    retryAfterMs: wait,
                    remoteCode: code,
                    cause: error,
                });
            }
            if (status >= 500)
                return new TransientError('graph_unavailable', `Graph answered ${status} after retries`, {
                    remoteCode: code,
                    cause: error,
                });
            if (status === 403 && code === 'Authorization_RequestDenied')
                return new CustomerActionError(
                    'consent_required',
                    `Graph refused access in tenant ${state.tenantId}: the app's permission is missing`,
                    { remoteCode: code, cause: error },
                );
            if (status === 401 && code === 'Authorization_IdentityNotFound')
                return new CustomerActionError('tenant_not_found', `Graph does not know tenant ${state.tenantId}`, {
                    remoteCode: code,
                    cause: error,
                });
            if (status === 410 || (status === 400 && code?.toLowerCase() === 'syncstatenotfound'))
                return new GraphResyncRequiredError(
                    `Graph asked for a full resync (${status} ${code ?? ''})`.trim(),
                    error.response.headers.get('location') ?? undefined,
                );
            return new InternalError(`Graph answered ${status} (${code ?? 'no code'}) to ${pathOf(url)}`, {
                cause: error,
            });
        }
        logger?.warn('Graph request failed', { ...where, error: String(error) });
        if (isForceRetryError(error))
            return new TransientError('graph_response_invalid', 'Graph sent incomplete or malformed JSON, repeatedly', {
                cause: error,
            });
        if (isTimeoutError(error))
            return new TransientError('graph_unavailable', 'Graph did not answer in time', { cause: error });
        if (error instanceof Error && error.name === 'AbortError') return error;
        return new TransientError('graph_unavailable', 'Graph could not be reached', { cause: error });
    };

    return {
        forTenant(tenantId) {
            return {
                async getJson<T>(urlOrPath: string, options: GraphRequestOptions = {}): Promise<T> {
                    const url = absoluteUrl(settings.baseUrl, urlOrPath);
                    const state: CallState = {
                        tenantId,
                        clientRequestId: randomUUID(),
                        stats: options.stats ?? newGraphStats(),
                        lastResponseAt: undefined,
                        body: undefined,
                        errorCode: undefined,
                        requestId: null,
                        forceTokenRefresh: options.forceTokenRefresh === true,
                        tokenRefreshed: false,
                    };
                    try {
                        await api.get(url, {
                            context: { state },
                            ...(options.headers === undefined ? {} : { headers: options.headers }),
                            ...(options.signal === undefined ? {} : { signal: options.signal }),
                        });
                    } catch (error) {
                        throw fail(state, url, error, options.logger);
                    }
                    return state.body as T;
                },
            };
        },
    };
}

/** Links from Graph are used verbatim; paths are joined to the configured base (the simulator locally). */
function absoluteUrl(baseUrl: string, urlOrPath: string): string {
    if (/^https?:\/\//i.test(urlOrPath)) {
        const url = new URL(urlOrPath);
        // A link must point back at Graph: never send our token to another host.
        if (url.origin !== new URL(baseUrl).origin)
            throw new InternalError(`Graph link points outside ${baseUrl}: ${url.origin}`);
        return url.href;
    }
    return `${baseUrl}${urlOrPath.startsWith('/') ? '' : '/'}${urlOrPath}`;
}

/** A URL without its query (delta and skip tokens are credentials of a sort: keep them out of logs). */
function pathOf(url: string): string {
    try {
        return new URL(url).pathname;
    } catch {
        return '(invalid url)';
    }
}
