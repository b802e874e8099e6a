/**
 * Microsoft Graph v1.0 (users, delta, organization) on its own HTTPS origin, serving the directory
 * of the access token's tenant; and the OpenID Connect UserInfo endpoint (/oidc/userinfo).
 */
import type { SimClock } from '../core/clock';
import type { TokenVerifier } from '../core/contracts';
import type { FaultRule } from '../core/faults';
import type { Handler, Route, ServiceDefinition, SimRequest, SimResponse } from '../core/http';
import type { IdFactory } from '../core/ids';
import type { Directory } from '../directory';
import { authenticate, type GraphCaller, unverifiedClaims, verifiedClaims } from './auth';
import type { DeltaSettings, GraphContext, GraphResult, GraphSettings, LatencySettings } from './context';
import { delta, deltaShape, resyncLocation } from './delta';
import { organization } from './organization';
import { defaultErrorFor, GraphError, graphError, graphHeaders } from './responses';
import { StateTokens } from './stateTokens';
import {
    DEFAULT_THROTTLING,
    type RequestShape,
    resourceUnitCost,
    ResourceUnitLimiter,
    type ThrottlingSettings,
} from './throttling';
import { userInfo } from './userinfo';
import { entityShape, getUser, listShape, listUsers } from './users';

export type { DeltaSettings, GraphSettings, LatencySettings, ThrottlingSettings };
export { resourceUnitCost, ResourceUnitLimiter } from './throttling';

/** Partial settings; absent or undefined fields keep their current value. */
type Loose<T> = { [K in keyof T]?: T[K] | undefined };
export interface GraphSettingsInput {
    throttling?:
        | (Loose<Omit<ThrottlingSettings, 'budgets'>> & { budgets?: Loose<ThrottlingSettings['budgets']> | undefined })
        | undefined;
    latency?: Loose<LatencySettings> | undefined;
    delta?: Loose<DeltaSettings> | undefined;
}

/** Drops undefined fields so that spreading keeps the base value. */
function defined<T extends object>(value: T | undefined): { [K in keyof T]?: Exclude<T[K], undefined> } {
    return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as {
        [K in keyof T]?: Exclude<T[K], undefined>;
    };
}

export function resolveGraphSettings(input: GraphSettingsInput = {}, base?: GraphSettings): GraphSettings {
    const from = base ?? {
        throttling: DEFAULT_THROTTLING,
        latency: { fixedMs: 0, perUserMs: 0 },
        delta: {
            pageSize: 200,
            tokenLifetimeDays: 7,
            removedInInitialRound: false,
            replayChanges: 0,
            replicationDelayMs: 0,
        },
    };
    const { budgets, ...throttling } = input.throttling ?? {};
    return {
        throttling: {
            ...from.throttling,
            ...defined(throttling),
            budgets: { ...from.throttling.budgets, ...defined(budgets) },
        },
        latency: { ...from.latency, ...defined(input.latency) },
        delta: { ...from.delta, ...defined(input.delta) },
    };
}

export interface GraphOptions {
    origin: string;
    /** Login origin, for the WWW-Authenticate challenge. */
    loginOrigin: string;
    clock: SimClock;
    ids: IdFactory;
    directory: Directory;
    tokens: TokenVerifier;
    settings?: GraphSettingsInput;
}

export interface GraphService {
    definition: ServiceDefinition;
    /** Live settings: changing a field (PATCH /control/graph) takes effect on the next request. */
    settings: GraphSettings;
    limiter: ResourceUnitLimiter;
}

const DELTA_PATHS = ['/v1.0/users/delta', '/v1.0/users/microsoft.graph.delta'];
/** Where identity's discovery document (`userinfo_endpoint`) sends OIDC clients. */
const USERINFO_PATH = '/oidc/userinfo';

export function createGraph(options: GraphOptions): GraphService {
    const settings = resolveGraphSettings(options.settings);
    const limiter = new ResourceUnitLimiter(options.clock, settings.throttling);
    const context: GraphContext = {
        origin: options.origin,
        clock: options.clock,
        directory: options.directory,
        stateTokens: new StateTokens(options.ids.secret('graph-state-tokens', 48)),
        limiter,
        settings,
    };

    /** Authentication, throttling, error envelope, headers and latency around a handler. */
    const endpoint =
        (
            shape: (request: SimRequest) => RequestShape,
            handle: (request: SimRequest, caller: GraphCaller) => GraphResult,
        ): Handler =>
        async (request) => {
            let caller: GraphCaller | undefined;
            let earlyRetry = false;
            const log = () => ({ earlyRetry, ...(caller ? { tenant: caller.tenant.record.id } : {}) });
            try {
                caller = authenticate(request, options.tokens, options.directory, options.loginOrigin);
                const decision = limiter.charge(
                    caller.appId,
                    caller.tenant.record.id,
                    caller.tenant.record.size,
                    resourceUnitCost(shape(request)),
                );
                earlyRetry = decision.earlyRetry;
                if (!decision.allowed)
                    throw new GraphError(429, 'TooManyRequests', 'Too many requests.', decision.headers);
                const result = handle(request, caller);
                if (result.pageUsers !== undefined) {
                    const { fixedMs, perUserMs } = settings.latency;
                    const wait = fixedMs + perUserMs * result.pageUsers;
                    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
                }
                return {
                    status: 200,
                    headers: graphHeaders(request, { ...decision.headers, ...result.headers }),
                    body: result.body,
                    log: log(),
                };
            } catch (error) {
                if (!(error instanceof GraphError)) throw error;
                return {
                    ...graphError(request, options.clock, error.status, error.code, error.message, error.headers),
                    log: log(),
                };
            }
        };

    const notAllowed: Handler = (request) =>
        graphError(
            request,
            options.clock,
            405,
            'Request_BadRequest',
            'Specified HTTP method is not allowed for the request target.',
        );
    const deltaHandler = endpoint(
        (request) => deltaShape(context, request),
        (request, caller) => delta(context, request, caller),
    );
    const userHandler = endpoint(
        (request) => (isDeltaFunction(request.params.id) ? deltaShape(context, request) : entityShape(request)),
        (request, caller) => {
            const id = request.params.id ?? '';
            // SDKs may call the function with parentheses: /users/delta() - same function.
            return isDeltaFunction(id) ? delta(context, request, caller) : getUser(context, request, caller, id);
        },
    );
    const organizationHandler = endpoint(
        () => ({ kind: 'get', selected: false }),
        (request, caller) => organization(context, request, caller, request.params.id),
    );
    /** OIDC UserInfo: authentication of its own (delegated, `openid`), not charged, no latency. */
    const userInfoHandler: Handler = (request) => {
        let tenant: string | undefined;
        try {
            const claims = verifiedClaims(request, options.tokens, options.loginOrigin);
            tenant = options.directory.tenant(claims.tid)?.record.id;
            const { body } = userInfo(claims, options.directory);
            return {
                status: 200,
                headers: graphHeaders(request, { 'content-type': 'application/json; charset=utf-8' }),
                body,
                log: { earlyRetry: false, ...(tenant ? { tenant } : {}) },
            };
        } catch (error) {
            if (!(error instanceof GraphError)) throw error;
            return {
                ...graphError(request, options.clock, error.status, error.code, error.message, error.headers),
                log: { earlyRetry: false, ...(tenant ? { tenant } : {}) },
            };
        }
    };
    const paths = ['/v1.0/users', ...DELTA_PATHS, '/v1.0/users/:id', '/v1.0/organization', '/v1.0/organization/:id'];
    const routes: Route[] = [
        { method: 'GET', path: '/v1.0/users', handler: endpoint(listShape, (r, c) => listUsers(context, r, c)) },
        ...DELTA_PATHS.map((path): Route => ({ method: 'GET', path, handler: deltaHandler })),
        { method: 'GET', path: '/v1.0/users/:id', handler: userHandler },
        { method: 'GET', path: '/v1.0/organization', handler: organizationHandler },
        { method: 'GET', path: '/v1.0/organization/:id', handler: organizationHandler },
        ...paths.map((path): Route => ({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], path, handler: notAllowed })),
        // OIDC Core §5.3.1: the UserInfo endpoint answers GET and POST.
        { method: ['GET', 'POST'], path: USERINFO_PATH, handler: userInfoHandler },
        { method: ['PUT', 'PATCH', 'DELETE'], path: USERINFO_PATH, handler: notAllowed },
    ];

    const definition: ServiceDefinition = {
        routes,
        tenantOf: (request) => unverifiedClaims(request).tid?.toLowerCase(),
        faultResponse: (rule, request) => faultResponse(context, rule, request),
        notFound: (request) => {
            const segments = request.url.pathname.split('/').filter(Boolean);
            const message =
                segments[0] !== 'v1.0' && segments[0] !== 'beta'
                    ? `Invalid version: ${segments[0] ?? ''}`
                    : `Resource not found for the segment '${segments.at(-1) ?? ''}'.`;
            return graphError(request, options.clock, 400, 'BadRequest', message);
        },
    };
    return { definition, settings, limiter };
}

function isDeltaFunction(id: string | undefined): boolean {
    const lower = (id ?? '').toLowerCase();
    return lower === 'delta()' || lower === 'microsoft.graph.delta()';
}

/**
 * Injected faults answered the way Graph would: its error envelope for the status; for 410 on a
 * delta URL, `Location` = the initial query with an empty `$deltatoken` (a forced full resync). An
 * injected 429/503 with Retry-After counts for early-retry detection like a real throttle.
 */
function faultResponse(context: GraphContext, rule: FaultRule, request: SimRequest): SimResponse {
    const status = rule.status ?? 500;
    const claims = unverifiedClaims(request);
    const tenant = claims.tid === undefined ? undefined : context.directory.tenant(claims.tid);
    let earlyRetry = false;
    if (tenant && claims.appid !== undefined) {
        earlyRetry = context.limiter.isEarly(claims.appid, tenant.record.id);
        if (rule.retryAfter !== undefined && (status === 429 || status === 503))
            context.limiter.noteRetryAfter(claims.appid, tenant.record.id, tenant.record.size, rule.retryAfter);
    }
    const isDelta = DELTA_PATHS.some((p) => request.url.pathname.toLowerCase().startsWith(p.toLowerCase()));
    const response =
        status === 410 && isDelta
            ? graphError(
                  request,
                  context.clock,
                  410,
                  'resyncRequired',
                  'The sync state is no longer valid. Restart the synchronization from the URL in the Location header.',
                  { location: resyncLocation(context, request) },
              )
            : graphError(request, context.clock, status, defaultErrorFor(status).code, defaultErrorFor(status).message);
    return { ...response, log: { earlyRetry, ...(tenant ? { tenant: tenant.record.id } : {}) } };
}
