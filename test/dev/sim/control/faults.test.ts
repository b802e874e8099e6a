/**
 * Fault injection through POST /control/faults, observed with real clients: fetch for Graph, the
 * request log for what the simulator did.
 */
import { GRAPH_SCOPE, type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let t: TestSimulator;
let fabrikam: string;
let contoso: string;
let token: string;

beforeAll(async () => {
    t = await startTestSimulator({ seed: 'faults' });
    fabrikam = t.tenantId('Fabrikam');
    contoso = t.tenantId('Contoso');
    token = await t.graphToken(fabrikam);
});
afterAll(() => t.stop());
afterEach(() => t.control('DELETE', '/control/faults'));

async function statuses(path: string, n: number, bearer = token): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
        const response = await t.graph(path, { token: bearer });
        await response.arrayBuffer();
        out.push(response.status);
    }
    return out;
}

async function lastRequests(n: number): Promise<Json[]> {
    return (await t.control('GET', '/control/requests?service=graph')).body.requests.slice(-n);
}

describe('POST /control/faults', () => {
    it('answers a status fault for `count` requests in Graph’s error shape, then serves normally', async () => {
        const created = await t.control('POST', '/control/faults', {
            service: 'graph',
            path: '/v1.0/users',
            status: 503,
            count: 2,
            retryAfter: 5,
        });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ id: expect.any(Number), hits: 0, status: 503, count: 2 });
        const response = await t.graph('/v1.0/users', { token, headers: { 'client-request-id': 'f-1' } });
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(await response.json()).toEqual({
            error: {
                code: 'serviceNotAvailable',
                message: expect.any(String),
                innerError: { date: expect.any(String), 'request-id': expect.any(String), 'client-request-id': 'f-1' },
            },
        });
        expect(await statuses('/v1.0/users', 2)).toEqual([503, 200]);
        expect((await t.control('GET', '/control/faults')).body.faults).toEqual([]);
        expect((await lastRequests(3)).map((e) => [e.status, e.faulted])).toEqual([
            [503, true],
            [503, true],
            [200, false],
        ]);
    });

    it('applies a seeded rate: the same seed gives the same sequence', async () => {
        const run = async (sim: TestSimulator) => {
            await sim.control('POST', '/control/faults', { service: 'graph', status: 500, rate: 0.5 });
            const bearer = await sim.graphToken(sim.tenantId('Fabrikam'));
            const out: number[] = [];
            for (let i = 0; i < 24; i++) {
                const response = await sim.graph('/v1.0/organization', { token: bearer });
                await response.arrayBuffer();
                out.push(response.status);
            }
            return out;
        };
        const twin = await startTestSimulator({ seed: 'faults' });
        try {
            const [mine, theirs] = [await run(t), await run(twin)];
            expect(mine).toEqual(theirs);
            expect(mine).toContain(500);
            expect(mine).toContain(200);
        } finally {
            await twin.stop();
        }
    });

    it('matches path prefixes and tenants', async () => {
        await t.control('POST', '/control/faults', { service: 'graph', path: '/v1.0/users/delta', status: 500 });
        await t.control('POST', '/control/faults', { service: 'graph', tenant: contoso, status: 504 });
        expect(await statuses('/v1.0/users/delta', 1)).toEqual([500]);
        expect(await statuses('/v1.0/users', 1)).toEqual([200]);
        expect(await statuses('/v1.0/users', 1, await t.graphToken(contoso))).toEqual([504]);
    });

    it('delays with latencyMs and still answers normally (flagged in the log)', async () => {
        await t.control('POST', '/control/faults', { service: 'graph', latencyMs: 50, count: 1 });
        expect(await statuses('/v1.0/organization', 1)).toEqual([200]);
        expect((await lastRequests(1))[0]).toMatchObject({ status: 200, faulted: true });
    });

    it('drops the connection with reset: fetch fails with ECONNRESET', async () => {
        await t.control('POST', '/control/faults', { service: 'graph', reset: true, count: 1 });
        const error = await t.graph('/v1.0/users', { token }).then(
            () => undefined,
            (e: unknown) => e as { cause?: { code?: string } },
        );
        expect(error?.cause?.code).toBe('ECONNRESET');
        expect((await lastRequests(1))[0]).toMatchObject({ status: 0, faulted: true, path: '/v1.0/users' });
        expect(await statuses('/v1.0/users', 1)).toEqual([200]);
    });

    it('faults other services too: MSAL surfaces an injected token-endpoint 503 and then throttles locally', async () => {
        await t.consent(contoso);
        const { clientId, clientSecret } = await t.appCredentials();
        // A client of its own: MSAL remembers the 503 and would refuse the shared client's requests for a minute.
        const cca = t.msalClient({ clientId, clientSecret, tenant: contoso });
        await t.control('POST', '/control/faults', {
            service: 'login',
            path: `/${contoso}/oauth2`,
            status: 503,
            count: 1,
        });
        const seq = await t.lastRequestSeq();
        const request = { scopes: [GRAPH_SCOPE], skipCache: true };
        await expect(cca.acquireTokenByClientCredential(request)).rejects.toMatchObject({ name: 'ServerError' });
        await expect(cca.acquireTokenByClientCredential(request)).rejects.toMatchObject({ name: 'ServerError' });
        const tokenRequests = (await t.requestsSince(seq, 'login')).filter((e: Json) =>
            e.path.endsWith('/oauth2/v2.0/token'),
        );
        // The second attempt never left MSAL (its throttling cache), so the simulator saw one request.
        expect(tokenRequests.map((e: Json) => [e.status, e.faulted])).toEqual([[503, true]]);
    });

    it('lists, removes one, and clears rules', async () => {
        const a = (await t.control('POST', '/control/faults', { service: 'vault', status: 500 })).body;
        await t.control('POST', '/control/faults', { service: 'msi', status: 500 });
        expect((await t.control('GET', '/control/faults')).body.faults).toHaveLength(2);
        expect((await t.control('DELETE', `/control/faults/${a.id}`)).status).toBe(200);
        expect((await t.control('DELETE', `/control/faults/${a.id}`)).status).toBe(404);
        expect((await t.control('DELETE', '/control/faults')).body).toEqual({ removed: 1 });
        expect((await t.control('GET', '/control/faults')).body.faults).toEqual([]);
    });

    it.each([
        [{ service: 'graph' }, 'at least one of status, reset, latencyMs'],
        [{ service: 'graph', status: 999 }, 'status'],
        [{ service: 'control', status: 500 }, 'service'],
        [{ service: 'graph', status: 500, rate: 1.5 }, 'rate'],
        [{ service: 'graph', status: 500, surprise: true }, 'surprise'],
    ])('refuses %j with 400 and a message', async (body, mentioned) => {
        const answer = await t.control('POST', '/control/faults', body);
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe('BadRequest');
        expect(answer.body.error.message).toContain(mentioned);
    });
});
