import type { HttpRequest, HttpResponseInit, InvocationContext, StorageQueueOutput } from '@azure/functions';
import { z } from 'zod';

import type { Services } from '../app/services';
import { InvalidRequestError, RequestError } from '../errors';
import { invocationLogger, type Logger } from '../logging';
import { RUN_ID_PATTERN } from '../sync/syncMessage';
import { type AccessTokenValidator, type ApiCaller, ApiRole } from './accessTokens';
import { problemFor } from './problem';
import { runJson, tenantJson, userJson } from './representations';

export type ApiServices = Pick<
    Services,
    'config' | 'clock' | 'tenants' | 'users' | 'runs' | 'syncRequests' | 'offboarding' | 'fanOut' | 'onboarding'
> & { accessTokens: AccessTokenValidator };

interface RouteInput {
    request: HttpRequest;
    context: InvocationContext;
    caller: ApiCaller;
    logger: Logger;
}

type Route = (input: RouteInput) => Promise<HttpResponseInit>;

const guid = z.guid();

function json(status: number, body: unknown): HttpResponseInit {
    return { status, jsonBody: body, headers: { 'cache-control': 'no-store' } };
}

function tenantIdOf(request: HttpRequest): string {
    const value = request.params.tenantId ?? '';
    if (!guid.safeParse(value).success)
        throw new InvalidRequestError(`"${value.slice(0, 80)}" is not a tenant id (a GUID).`);
    return value.toLowerCase();
}

function topOf(request: HttpRequest, max: number, fallback: number): number {
    const raw = request.query.get('top');
    if (raw === null) return fallback;
    if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
        throw new InvalidRequestError(`top must be a whole number from 1 to ${max}.`);
    return Number(raw);
}

/** Continuation tokens are the table's own (base64 JSON of keys); anything else is refused before it reaches storage. */
function continuationOf(request: HttpRequest): string | undefined {
    const raw = request.query.get('continuationToken');
    if (raw === null || raw === '') return undefined;
    const invalid = () => new InvalidRequestError('continuationToken is not one this API gave out.');
    if (raw.length > 2048 || !/^[A-Za-z0-9+/=_-]+$/.test(raw)) throw invalid();
    try {
        const decoded = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
        if (decoded === null || typeof decoded !== 'object') throw invalid();
    } catch {
        throw invalid();
    }
    return raw;
}

function nextLinkFor(request: HttpRequest, continuationToken: string | undefined, baseUrl: string): string | null {
    if (continuationToken === undefined) return null;
    const url = new URL(new URL(request.url).pathname, baseUrl);
    for (const [key, value] of new URL(request.url).searchParams)
        if (key !== 'continuationToken') url.searchParams.set(key, value);
    url.searchParams.set('continuationToken', continuationToken);
    return url.href;
}

const unknownTenant = (tenantId: string) =>
    new RequestError('not_found', `No tenant ${tenantId} is connected.`, { detailCode: 'tenant_unknown' });

/**
 * The operations API's routes. Each one validates the caller's token (and its app role) first,
 * then its input, and answers JSON or an `application/problem+json` with a stable code.
 */
export function operationsApi(services: ApiServices) {
    const route =
        (role: ApiRole, handle: Route) =>
        async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
            const logger = invocationLogger(context);
            try {
                const caller = await services.accessTokens.authorize(request.headers.get('authorization'), role);
                return await handle({ request, context, caller, logger: logger.with({ caller: caller.subject }) });
            } catch (error) {
                return problemFor(error, context.invocationId, logger);
            }
        };

    const baseUrl = services.config.publicBaseUrl;

    return {
        /** GET /api/tenants?top=&continuationToken= */
        listTenants: route(ApiRole.tenantsRead, async ({ request }) => {
            const continuationToken = continuationOf(request);
            const page = await services.tenants.list({
                pageSize: topOf(request, 1000, 100),
                ...(continuationToken === undefined ? {} : { continuationToken }),
            });
            const now = services.clock.now();
            return json(200, {
                value: page.tenants.map((t) => tenantJson(t.record, now)),
                nextLink: nextLinkFor(request, page.continuationToken, baseUrl),
            });
        }),

        /** GET /api/tenants/{tenantId} */
        getTenant: route(ApiRole.tenantsRead, async ({ request }) => {
            const tenantId = tenantIdOf(request);
            const tenant = await services.tenants.get(tenantId);
            if (tenant === undefined) throw unknownTenant(tenantId);
            return json(200, tenantJson(tenant.record, services.clock.now()));
        }),

        /**
         * PUT /api/tenants/{tenantId}: connect a tenant whose admin consented some other way (an
         * admin-consent link). The consent is proven first; 201 (new) or 200 with the tenant and its first run.
         */
        connectTenant: (queueOutput: StorageQueueOutput) =>
            route(ApiRole.tenantsManage, async ({ request, context, caller, logger }) => {
                const tenantId = tenantIdOf(request);
                const outcome = await services.onboarding.connectByOperator(
                    tenantId,
                    { oid: caller.subject, name: 'Operations API', username: caller.subject },
                    { logger, correlationId: context.invocationId },
                );
                if (outcome.kind === 'operatorError') throw outcome.error;
                if (outcome.kind === 'notProven')
                    throw new RequestError(
                        'conflict',
                        `Tenant ${tenantId} has not granted admin consent to this app, or Microsoft has not applied it yet (${outcome.reason}); send its admin the consent link, then try again.`,
                        { detailCode: 'consent_not_granted' },
                    );
                context.extraOutputs.set(queueOutput, outcome.syncMessage);
                const statusUrl = `${baseUrl}/api/tenants/${tenantId}/runs/${outcome.syncMessage.runId}`;
                return json(outcome.created ? 201 : 200, {
                    ...tenantJson(outcome.tenant, services.clock.now()),
                    firstRun: { runId: outcome.syncMessage.runId, statusUrl },
                });
            }),

        /** DELETE /api/tenants/{tenantId}: offboard (disconnect, delete its users and runs). */
        deleteTenant: route(ApiRole.tenantsManage, async ({ request, logger }) => {
            const tenantId = tenantIdOf(request);
            const result = await services.offboarding.disconnect(tenantId, logger);
            if (result === undefined) throw unknownTenant(tenantId);
            return { status: 204, headers: { 'cache-control': 'no-store' } };
        }),

        /** POST /api/tenants/{tenantId}/sync?allowMassDelete=true: 202 with the run to watch. */
        requestSync: (queueOutput: StorageQueueOutput) =>
            route(ApiRole.syncRun, async ({ request, context }) => {
                const tenantId = tenantIdOf(request);
                const allow = request.query.get('allowMassDelete');
                if (allow !== null && allow !== 'true' && allow !== 'false')
                    throw new InvalidRequestError('allowMassDelete must be true or false.');
                const requested = await services.syncRequests.request(tenantId, 'manual', {
                    correlationId: context.invocationId,
                    allowMassDelete: allow === 'true',
                });
                // Through the output binding: written when this invocation succeeds, and it wakes the worker at once.
                context.extraOutputs.set(queueOutput, requested.message);
                const statusUrl = `${baseUrl}/api/tenants/${tenantId}/runs/${requested.runId}`;
                return {
                    ...json(202, { runId: requested.runId, statusUrl }),
                    headers: { 'cache-control': 'no-store', location: statusUrl },
                };
            }),

        /** GET /api/tenants/{tenantId}/runs?top= (newest first) */
        listRuns: route(ApiRole.tenantsRead, async ({ request }) => {
            const tenantId = tenantIdOf(request);
            const top = topOf(request, 100, 20);
            if ((await services.tenants.get(tenantId)) === undefined) throw unknownTenant(tenantId);
            return json(200, { value: (await services.runs.recent(tenantId, top)).map(runJson) });
        }),

        /** GET /api/tenants/{tenantId}/runs/{runId} */
        getRun: route(ApiRole.tenantsRead, async ({ request }) => {
            const tenantId = tenantIdOf(request);
            const runId = request.params.runId ?? '';
            if (!RUN_ID_PATTERN.test(runId)) throw new InvalidRequestError(`"${runId.slice(0, 80)}" is not a run id.`);
            const run = await services.runs.get(tenantId, runId);
            if (run === undefined)
                throw new RequestError('not_found', `Tenant ${tenantId} has no run ${runId}.`, {
                    detailCode: 'run_unknown',
                });
            return json(200, runJson(run));
        }),

        /** GET /api/tenants/{tenantId}/users?top=&continuationToken= */
        listUsers: route(ApiRole.usersRead, async ({ request }) => {
            const tenantId = tenantIdOf(request);
            const top = topOf(request, 1000, 100);
            const continuationToken = continuationOf(request);
            if ((await services.tenants.get(tenantId)) === undefined) throw unknownTenant(tenantId);
            const page = await services.users.list(tenantId, {
                pageSize: top,
                ...(continuationToken === undefined ? {} : { continuationToken }),
            });
            return json(200, {
                value: page.users.map(userJson),
                nextLink: nextLinkFor(request, page.continuationToken, baseUrl),
            });
        }),

        /** POST /api/sync: the fan-out, now. */
        syncAll: route(ApiRole.syncRun, async ({ context, logger }) => {
            const result = await services.fanOut(context.invocationId, logger);
            return json(202, result);
        }),
    };
}
