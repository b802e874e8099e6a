/**
 * One answer style across the whole control API, whichever part of the simulator contributes a route:
 * JSON with `cache-control: no-store`, errors as exactly `{"error":{"code","message"}}` with the code of their
 * status (400 BadRequest, 404 NotFound, 409 Conflict, 500 InternalError). Walks every route the control
 * service mounts.
 */
import { CONTROL_ERROR_CODES } from '../../../../dev/sim/core/controlReply';
import type { Route } from '../../../../dev/sim/core/http';
import { createIdentity } from '../../../../dev/sim/identity';
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let t: TestSimulator;

beforeAll(async () => {
    t = await startTestSimulator({
        // A route that fails unexpectedly, to see the 500 in the same style (nothing real can reach it).
        createIdentity: (options) => {
            const identity = createIdentity(options);
            const boom: Route = {
                method: 'GET',
                path: '/control/test/boom',
                handler: () => {
                    throw new Error('boom');
                },
            };
            return { ...identity, controlRoutes: () => [...identity.controlRoutes(), boom] };
        },
    });
});
afterAll(() => t.stop());

interface Answer {
    status: number;
    headers: Headers;
    body: Json;
}

async function send(method: string, path: string, body?: string): Promise<Answer> {
    const response = await fetch(`${t.origins.control}${path}`, {
        method,
        ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
}

function expectStyle(answer: Answer, where: string): void {
    expect({ where, cacheControl: answer.headers.get('cache-control') }).toEqual({ where, cacheControl: 'no-store' });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    if (answer.status < 400) return;
    const code = CONTROL_ERROR_CODES[answer.status as keyof typeof CONTROL_ERROR_CODES];
    expect({ where, status: answer.status, known: code !== undefined }).toEqual({
        where,
        status: answer.status,
        known: true,
    });
    expect({ where, body: answer.body }).toEqual({
        where,
        body: { error: { code, message: expect.stringMatching(/\S/) } },
    });
}

/** Every (method, path) the control service mounts. */
function allRoutes(): Array<{ method: string; path: string }> {
    return t.sim.control.routes
        .flatMap((route) =>
            (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({
                method,
                path: route.path,
            })),
        )
        .filter((route) => route.path !== '/control/test/boom');
}

/** Route parameters filled with things that do not exist. */
function unknownThings(path: string): string {
    return path
        .replace(':tid', 'no-such-tenant.example')
        .replace(':clientId', '99999999-9999-4999-8999-999999999999')
        .replace(':name', 'no-such-secret')
        .replace(':id', '99999999');
}

/** Routes that neither read a body nor take parameters that could be wrong: they succeed whatever is sent. */
const TAKE_NOTHING = new Set([
    'GET /control/state',
    'GET /control/tenants',
    'GET /control/faults',
    'DELETE /control/faults',
    'GET /control/clock',
    // Its query (since, service) is checked in the last test.
    'GET /control/requests',
    'GET /control/graph',
    'DELETE /control/graph/throttling',
    'POST /control/identity/keys/roll',
]);

it('walks a control API of the expected size, the identity half included', () => {
    const routes = allRoutes().map((r) => `${r.method} ${r.path}`);
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes).toContain('POST /control/tenants/:tid/consent');
    expect(routes).toContain('POST /control/identity/settings');
    expect(routes).toContain('PATCH /control/tenants/:tid/users/:id');
});

it('every route answers in one style when sent unknown ids and a malformed JSON body', async () => {
    for (const route of allRoutes()) {
        const where = `${route.method} ${route.path}`;
        const answer = await send(route.method, unknownThings(route.path), route.method === 'GET' ? undefined : '{"');
        expectStyle(answer, where);
        if (TAKE_NOTHING.has(where)) expect({ where, status: answer.status }).toEqual({ where, status: 200 });
        else expect({ where, refused: [400, 404].includes(answer.status) }).toEqual({ where, refused: true });
    }
});

it('every route that reads a body refuses a malformed one with 400 BadRequest, given ids that exist', async () => {
    const tenant = t.tenantId('Fabrikam');
    const user = (await send('GET', `/control/tenants/${tenant}/users?top=1`)).body.users[0].id as string;
    const fault = (await send('POST', '/control/faults', JSON.stringify({ service: 'graph', status: 500 }))).body
        .id as number;
    const real = (path: string) =>
        path
            .replace(':tid', tenant)
            .replace(':clientId', t.sim.identity.publisher.appClientId)
            .replace(':name', 'graph-client-secret')
            .replace(':id', path.startsWith('/control/faults') ? String(fault) : user);
    for (const route of allRoutes()) {
        if (route.method === 'GET' || TAKE_NOTHING.has(`${route.method} ${route.path}`)) continue;
        const where = `${route.method} ${route.path}`;
        const answer = await send(route.method, real(route.path), '{"');
        expectStyle(answer, where);
        // Routes without a body (deletes, restore, enable/disable, expire) succeed or find nothing to do.
        if (answer.status >= 400)
            expect({ where, status: answer.status, code: answer.body.error.code }).toEqual({
                where,
                status: answer.status === 404 ? 404 : 400,
                code: answer.status === 404 ? 'NotFound' : 'BadRequest',
            });
    }
    // The ones that do read a body, named, so that the loop above cannot pass by answering 2xx to everything.
    for (const [method, path] of [
        ['POST', `/control/tenants/${tenant}/consent`],
        ['POST', '/control/identity/settings'],
        ['PATCH', '/control/graph'],
        ['POST', '/control/faults'],
        ['POST', `/control/identity/vault/secrets/graph-client-secret`],
    ] as const) {
        const answer = await send(method, path, '{"');
        expect([method, path, answer.status, answer.body.error?.code]).toEqual([method, path, 400, 'BadRequest']);
    }
});

/** The failing route's answer; the failure is logged (to stderr, silenced here). */
async function crash(): Promise<Answer> {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
        const answer = await send('GET', '/control/test/boom');
        expect(logged).toHaveBeenCalledWith('[sim:control] handler failed:', expect.any(Error));
        return answer;
    } finally {
        logged.mockRestore();
    }
}

it('schema problems, bad query values, conflicts, unknown routes, oversized bodies and crashes answer in the same style', async () => {
    const tenant = t.tenantId('Contoso');
    const cases: Array<[string, Answer, number]> = [
        [
            'invalid identity settings',
            await send('POST', '/control/identity/settings', '{"tokenLifetimeSeconds":1}'),
            400,
        ],
        ['unknown app', await send('POST', '/control/identity/apps/nope/secrets/rotate', '{}'), 404],
        [
            'managed identity has no secrets',
            await send(
                'POST',
                `/control/identity/apps/${t.sim.stackInfo.appSettings.AZURE_CLIENT_ID}/secrets/rotate`,
                '{}',
            ),
            400,
        ],
        ['bad query', await send('GET', '/control/requests?since=soon'), 400],
        [
            'taken user name',
            await send(
                'POST',
                `/control/tenants/${tenant}/users`,
                JSON.stringify({
                    displayName: 'Taken',
                    userPrincipalName: (await send('GET', `/control/tenants/${tenant}/users?top=1`)).body.users[0]
                        .userPrincipalName,
                }),
            ),
            409,
        ],
        ['unknown route', await send('GET', '/control/nothing-here'), 404],
        ['wrong method', await send('PUT', '/control/state', '{}'), 404],
        ['oversized body', await send('POST', '/control/identity/settings', `{"x":"${'a'.repeat(1024 * 1024)}"}`), 400],
        ['unexpected failure', await crash(), 500],
    ];
    for (const [where, answer, status] of cases) {
        expect({ where, status: answer.status }).toEqual({ where, status });
        expectStyle(answer, where);
    }
});
