/**
 * The operations API's handlers, called directly with the library's own HttpRequest and
 * InvocationContext, against Azurite and the simulator (real tokens from its identity platform,
 * and forged ones signed with its real key for every way a token can be wrong).
 */
import { HttpRequest, type HttpRequestInit, InvocationContext, output } from '@azure/functions';

import { operationsApi } from '../../../src/api/operationsApi';
import { SYNC_QUEUE } from '../../../src/storage';
import { forgeToken, publishedPublicKey } from '../../support/apiTokens';
import { PUBLIC_BASE_URL, startProductWorld, type ProductWorld } from '../../support/productWorld';
import { connectTenant, expectTableEqualsDirectory, syncMessage, syncUntilIdle } from '../../support/syncHarness';

let world: ProductWorld;
let token: string;
let contoso: string;
const queueOutput = output.storageQueue({ queueName: SYNC_QUEUE, connection: 'AzureWebJobsStorage' });

beforeAll(async () => {
    world = await startProductWorld();
    token = await world.sim.operationsToken();
    contoso = world.sim.tenantId('Contoso');
    await connectTenant(world, contoso);
    await syncUntilIdle(world, syncMessage(world.services, contoso));
});
afterAll(() => world.stop());

const api = () => operationsApi(world.services);

function request(
    method: string,
    path: string,
    auth: string | null = `Bearer ${token}`,
    init: Partial<HttpRequestInit> = {},
) {
    const url = new URL(path, PUBLIC_BASE_URL);
    const params: Record<string, string> = {};
    const match = /^\/api\/tenants\/([^/]+)(?:\/runs\/([^/]+))?/.exec(url.pathname);
    if (match?.[1] !== undefined) params.tenantId = decodeURIComponent(match[1]);
    if (match?.[2] !== undefined) params.runId = decodeURIComponent(match[2]);
    return new HttpRequest({
        method,
        url: url.href,
        headers: auth === null ? {} : { authorization: auth },
        params,
        ...init,
    });
}
const context = () =>
    new InvocationContext({ invocationId: 'api-test', functionName: 'api', logHandler: () => undefined });
const body = (response: { body?: unknown; jsonBody?: unknown }) =>
    response.jsonBody ?? (typeof response.body === 'string' ? JSON.parse(response.body) : undefined);

describe('authentication', () => {
    const routes = () =>
        [
            ['GET /api/tenants', () => api().listTenants],
            ['GET /api/tenants/{id}', () => api().getTenant],
            ['DELETE /api/tenants/{id}', () => api().deleteTenant],
            ['PUT /api/tenants/{id}', () => api().connectTenant(queueOutput)],
            ['POST /api/tenants/{id}/sync', () => api().requestSync(queueOutput)],
            ['GET /api/tenants/{id}/runs', () => api().listRuns],
            ['GET /api/tenants/{id}/users', () => api().listUsers],
            ['POST /api/sync', () => api().syncAll],
        ] as const;

    it.each(routes())('%s without a token is 401 with WWW-Authenticate: Bearer', async (name, handler) => {
        const [method, path] = name.split(' ') as [string, string];
        const response = await handler()(request(method, path.replace('{id}', contoso), null), context());
        expect(response.status).toBe(401);
        expect((response.headers as Record<string, string>)['www-authenticate']).toMatch(/^Bearer /);
        expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
        expect(body(response)).toMatchObject({ status: 401, code: 'unauthorized' });
    });

    const bad: [string, () => Promise<string>][] = [
        ['a wrong audience', () => forgeToken(world.sim, { claims: { aud: 'https://graph.microsoft.com' } })],
        ['another issuer', () => forgeToken(world.sim, { claims: { iss: `https://sts.windows.net/${contoso}/` } })],
        ['an expired token', () => forgeToken(world.sim, { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } })],
        [
            'a token not valid yet',
            () => forgeToken(world.sim, { claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }),
        ],
        ['alg none', () => forgeToken(world.sim, { algorithm: 'none' })],
        [
            'HS256 signed with the public key',
            async () => forgeToken(world.sim, { algorithm: 'HS256', hmacSecret: await publishedPublicKey(world.sim) }),
        ],
        ['a key the tenant never published', () => forgeToken(world.sim, { foreignKey: true })],
        [
            'a tampered payload',
            () => {
                const [h, , s] = token.split('.');
                const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
                const tampered = Buffer.from(JSON.stringify({ ...claims, roles: ['Tenants.Manage'] })).toString(
                    'base64url',
                );
                return Promise.resolve(`${h}.${tampered}.${s}`);
            },
        ],
        ['a Graph token from the simulator', () => world.sim.graphToken(contoso)],
        ['not a JWT', () => Promise.resolve('opaque-token-value')],
    ];
    it.each(bad)('%s is 401', async (_label, make) => {
        const response = await api().listTenants(request('GET', '/api/tenants', `Bearer ${await make()}`), context());
        expect(response.status).toBe(401);
        expect(body(response)).toMatchObject({ code: 'unauthorized' });
    });

    it('a valid token without the route’s role is 403', async () => {
        const readOnly = await forgeToken(world.sim, { claims: { roles: ['Tenants.Read'] } });
        const response = await api().requestSync(queueOutput)(
            request('POST', `/api/tenants/${contoso}/sync`, `Bearer ${readOnly}`),
            context(),
        );
        expect(response.status).toBe(403);
        expect(body(response)).toMatchObject({ code: 'role_missing' });
        const allowed = await api().listTenants(request('GET', '/api/tenants', `Bearer ${readOnly}`), context());
        expect(allowed.status).toBe(200);
    });

    it('accepts the v2 issuer and the client id as audience', async () => {
        const v2 = await forgeToken(world.sim, {
            claims: {
                iss: `${world.config.authorityHost}/${world.sim.publisherTenantId}/v2.0`,
                aud: world.sim.appClientId,
                ver: '2.0',
            },
        });
        expect(
            (await api().getTenant(request('GET', `/api/tenants/${contoso}`, `Bearer ${v2}`), context())).status,
        ).toBe(200);
    });
});

describe('routes', () => {
    it('PUT /api/tenants/{id} connects a tenant that consented: 201, active, its first sync through the output binding', async () => {
        const northwind = world.sim.tenantId('Fabrikam');
        await world.sim.consent(northwind);
        const ctx = context();
        const response = await api().connectTenant(queueOutput)(request('PUT', `/api/tenants/${northwind}`), ctx);
        expect(response.status).toBe(201);
        const tenant = body(response);
        expect(tenant).toMatchObject({ tenantId: northwind, displayName: 'Fabrikam', status: 'active' });
        expect(tenant.connectedBy).toMatchObject({ name: 'Operations API' });
        const message = ctx.extraOutputs.get(queueOutput) as ReturnType<typeof syncMessage>;
        expect(message).toMatchObject({ tenantId: northwind, reason: 'consent', runId: tenant.firstRun.runId });
        await syncUntilIdle(world, message);
        await expectTableEqualsDirectory(world, northwind);
        // Again: 200, still connected.
        const again = await api().connectTenant(queueOutput)(request('PUT', `/api/tenants/${northwind}`), context());
        expect(again.status).toBe(200);
    });

    it('PUT /api/tenants/{id} for a tenant that never consented is 409 and stores nothing', async () => {
        const created = await world.sim.control('POST', '/control/tenants', {
            displayName: 'Never Asked',
            userCount: 3,
        });
        const tenantId = created.body.id as string;
        // The consent proof keeps trying for its whole budget (20 s) before it gives up.
        const response = await api().connectTenant(queueOutput)(request('PUT', `/api/tenants/${tenantId}`), context());
        expect([response.status, body(response).code]).toEqual([409, 'consent_not_granted']);
        expect(await world.services.tenants.get(tenantId)).toBeUndefined();
    }, 60_000);

    it('GET /api/tenants lists connected tenants with status and progress, and pages with nextLink', async () => {
        const fabrikam = world.sim.tenantId('Fabrikam');
        await connectTenant(world, fabrikam);
        const first = await api().listTenants(request('GET', '/api/tenants?top=1'), context());
        expect(first.status).toBe(200);
        const page = body(first);
        expect(page.value).toHaveLength(1);
        expect(page.nextLink).toMatch(new RegExp(`^${PUBLIC_BASE_URL}/api/tenants\\?top=1&continuationToken=`));
        const second = body(await api().listTenants(request('GET', page.nextLink), context()));
        const ids = [page.value[0].tenantId, ...second.value.map((t: { tenantId: string }) => t.tenantId)];
        expect(ids).toEqual(expect.arrayContaining([contoso, fabrikam]));
        const tenant = [...page.value, ...second.value].find((t: { tenantId: string }) => t.tenantId === contoso);
        expect(tenant).toMatchObject({
            status: 'active',
            userCount: 120,
            syncing: false,
            lastRun: { outcome: 'succeeded' },
        });
    });

    it('GET /api/tenants/{id} answers 404 for an unknown tenant and 400 for a tenant id that is not a GUID', async () => {
        const unknown = await api().getTenant(
            request('GET', '/api/tenants/00000000-0000-0000-0000-000000000001'),
            context(),
        );
        expect([unknown.status, body(unknown).code]).toEqual([404, 'tenant_unknown']);
        for (const id of ['contoso', '..%2F..%2Fetc', "x' or '1'='1", '<script>']) {
            const bad = await api().getTenant(request('GET', `/api/tenants/${encodeURIComponent(id)}`), context());
            expect([id, bad.status, body(bad).code]).toEqual([id, 400, 'invalid_request']);
        }
    });

    it('GET /api/tenants/{id}/users pages the synced users (at most 1,000) and refuses bad paging input', async () => {
        const first = body(await api().listUsers(request('GET', `/api/tenants/${contoso}/users?top=50`), context()));
        expect(first.value).toHaveLength(50);
        expect(Object.keys(first.value[0]).sort()).toEqual(
            [
                'accountEnabled',
                'department',
                'displayName',
                'givenName',
                'id',
                'jobTitle',
                'mail',
                'officeLocation',
                'surname',
                'userPrincipalName',
                'userType',
            ].sort(),
        );
        const ids = new Set(first.value.map((u: { id: string }) => u.id));
        let next = first.nextLink as string | null;
        while (next !== null) {
            const page = body(await api().listUsers(request('GET', next), context()));
            for (const user of page.value) ids.add(user.id);
            next = page.nextLink;
        }
        expect(ids.size).toBe(120);
        for (const query of [
            'top=0',
            'top=1001',
            'top=abc',
            'continuationToken=%7B%22x',
            'continuationToken=not-base64-json',
        ]) {
            const response = await api().listUsers(request('GET', `/api/tenants/${contoso}/users?${query}`), context());
            expect([query, response.status]).toEqual([query, 400]);
        }
    });

    it('POST /api/tenants/{id}/sync answers 202 with a run to watch, enqueues through the output binding, and the run finishes', async () => {
        const ctx = context();
        const response = await api().requestSync(queueOutput)(request('POST', `/api/tenants/${contoso}/sync`), ctx);
        expect(response.status).toBe(202);
        const { runId, statusUrl } = body(response);
        expect(statusUrl).toBe(`${PUBLIC_BASE_URL}/api/tenants/${contoso}/runs/${runId}`);
        const message = ctx.extraOutputs.get(queueOutput) as ReturnType<typeof syncMessage>;
        expect(message).toMatchObject({ tenantId: contoso, reason: 'manual', runId });
        const queued = body(await api().getRun(request('GET', statusUrl), context()));
        expect(queued).toMatchObject({ runId, state: 'queued', finishedAt: null, outcome: null });
        await syncUntilIdle(world, message);
        const finished = body(await api().getRun(request('GET', statusUrl), context()));
        expect(finished).toMatchObject({ runId, state: 'succeeded', outcome: 'succeeded', mode: 'delta' });
        expect(finished.finishedAt).toEqual(expect.any(String));
        const runs = body(await api().listRuns(request('GET', `/api/tenants/${contoso}/runs?top=5`), context()));
        expect(runs.value[0].runId).toBe(runId);
    });

    it('POST /api/tenants/{id}/sync is 409 for a disconnected tenant and 404 for an unknown one; bad run ids are 400', async () => {
        const unknown = await api().requestSync(queueOutput)(
            request('POST', '/api/tenants/00000000-0000-0000-0000-000000000002/sync'),
            context(),
        );
        expect(unknown.status).toBe(404);
        const badFlag = await api().requestSync(queueOutput)(
            request('POST', `/api/tenants/${contoso}/sync?allowMassDelete=yes`),
            context(),
        );
        expect(badFlag.status).toBe(400);
        const badRun = await api().getRun(request('GET', `/api/tenants/${contoso}/runs/latest`), context());
        expect(badRun.status).toBe(400);
        const missingRun = await api().getRun(
            request('GET', `/api/tenants/${contoso}/runs/0000000000000-00000000`),
            context(),
        );
        expect([missingRun.status, body(missingRun).code]).toEqual([404, 'run_unknown']);
    });

    it('POST /api/sync runs the fan-out and answers its counts', async () => {
        const response = await api().syncAll(request('POST', '/api/sync'), context());
        expect(response.status).toBe(202);
        expect(body(response)).toMatchObject({
            seen: expect.any(Number),
            enqueued: expect.any(Number),
            skipped: expect.any(Object),
        });
    });

    it('DELETE /api/tenants/{id} offboards: 204, status disconnected, users and runs gone; then sync is 409', async () => {
        const fabrikam = world.sim.tenantId('Fabrikam');
        await syncUntilIdle(world, syncMessage(world.services, fabrikam));
        await expectTableEqualsDirectory(world, fabrikam);
        const response = await api().deleteTenant(request('DELETE', `/api/tenants/${fabrikam}`), context());
        expect(response.status).toBe(204);
        expect(body(await api().getTenant(request('GET', `/api/tenants/${fabrikam}`), context()))).toMatchObject({
            status: 'disconnected',
            userCount: 0,
        });
        expect(body(await api().listUsers(request('GET', `/api/tenants/${fabrikam}/users`), context())).value).toEqual(
            [],
        );
        const sync = await api().requestSync(queueOutput)(request('POST', `/api/tenants/${fabrikam}/sync`), context());
        expect([sync.status, body(sync).code]).toEqual([409, 'tenant_disconnected']);
    });
});
