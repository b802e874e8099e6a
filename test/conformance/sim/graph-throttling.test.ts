/**
 * Graph's resource-unit throttling with a small configured budget: costs per request, 429 with
 * Retry-After once spent, recovery after Retry-After (simulator clock), early retries flagged.
 */
import { type Json, startTestSimulator, type TestSimulator } from '../../support/simulator';

let t: TestSimulator;
let fabrikam: string;
let contoso: string;
let token: string;

beforeAll(async () => {
    // 10 RU per 10 s (1 RU/s refill) for small tenants, 1000 for medium: a handful of requests spends it.
    t = await startTestSimulator({ graph: { throttling: { budgets: { small: 10, medium: 1000 } } } });
    fabrikam = t.tenantId('Fabrikam');
    contoso = t.tenantId('Contoso');
    token = await t.graphToken(fabrikam);
});
afterAll(() => t.stop());

/** Requests until the first 429 (at most `limit`); returns it. */
async function spend(path: string, bearer = token, limit = 30): Promise<Response> {
    for (let i = 0; i < limit; i++) {
        const response = await t.graph(path, { token: bearer });
        if (response.status === 429) return response;
        expect(response.status).toBe(200);
        await response.arrayBuffer();
    }
    throw new Error(`no 429 after ${limit} requests`);
}

async function requestsSince(seq: number): Promise<Json[]> {
    return (await t.control('GET', `/control/requests?since=${seq}&service=graph`)).body.requests;
}

async function waitOut(response: Response): Promise<void> {
    const seconds = Number(response.headers.get('retry-after'));
    await t.control('POST', '/control/clock', { advanceSeconds: seconds });
}

afterEach(async () => {
    await t.control('DELETE', '/control/graph/throttling');
    await t.control('DELETE', '/control/faults');
});

describe('resource units', () => {
    it.each([
        ['/v1.0/users', '2'],
        ['/v1.0/users?$select=displayName', '1'],
        ['/v1.0/users?$top=5', '1'],
        ['/v1.0/users?$top=20', '2'],
        ['/v1.0/users/delta', '2'],
        ['/v1.0/users/delta?$select=id', '1'],
        ['/v1.0/organization', '1'],
    ])('%s costs %s', async (path, units) => {
        const response = await t.graph(path, { token });
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ms-resource-unit')).toBe(units);
    });

    it('a delta page reached through a token costs what its encoded $select says', async () => {
        const first = await (
            await t.graph('/v1.0/users/delta?$select=id', { token, headers: { prefer: 'odata.maxpagesize=5' } })
        ).json();
        const next = await t.graph(first['@odata.nextLink'], { token });
        expect(next.headers.get('x-ms-resource-unit')).toBe('1');
    });
});

describe('429 TooManyRequests', () => {
    it('answers with Retry-After and the throttle headers once the budget is spent, then recovers', async () => {
        const seq = (await t.control('GET', '/control/requests')).body.lastSeq;
        const throttled = await spend('/v1.0/users');
        const retryAfter = Number(throttled.headers.get('retry-after'));
        expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
        expect(throttled.headers.get('x-ms-throttle-scope')).toBe(
            `Tenant_Application/ReadOnly/${t.sim.identity.publisher.appClientId}/${fabrikam}`,
        );
        expect(throttled.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
        expect(await throttled.json()).toEqual({
            error: {
                code: 'TooManyRequests',
                message: 'Too many requests.',
                innerError: {
                    date: expect.any(String),
                    'request-id': throttled.headers.get('request-id'),
                    'client-request-id': throttled.headers.get('request-id'),
                },
            },
        });
        const log = await requestsSince(seq);
        expect(log.some((e) => e.status === 200 && e.tenant === fabrikam)).toBe(true);
        expect(log.at(-1)).toMatchObject({ status: 429, earlyRetry: false, tenant: fabrikam });

        await waitOut(throttled);
        const recovered = await t.graph('/v1.0/users', { token });
        expect(recovered.status).toBe(200);
        expect((await requestsSince(seq)).at(-1)).toMatchObject({ status: 200, earlyRetry: false });
    });

    it('flags a retry that comes before Retry-After elapsed', async () => {
        const throttled = await spend('/v1.0/users');
        const seq = (await t.control('GET', '/control/requests')).body.lastSeq;
        const early = await t.graph('/v1.0/users', { token });
        expect(early.status).toBe(429);
        expect((await requestsSince(seq))[0]).toMatchObject({ status: 429, earlyRetry: true, path: '/v1.0/users' });
        await waitOut(throttled);
        await waitOut(early);
        expect((await t.graph('/v1.0/users', { token })).status).toBe(200);
        expect((await requestsSince(seq)).at(-1)).toMatchObject({ earlyRetry: false });
    });

    it('reports the share of the budget used once above 80%', async () => {
        const seen: (string | null)[] = [];
        for (let i = 0; i < 5; i++)
            seen.push((await t.graph('/v1.0/users', { token })).headers.get('x-ms-throttle-limit-percentage'));
        expect(seen[0]).toBeNull();
        expect(seen.filter((v) => v !== null).length).toBeGreaterThan(0);
    });

    it('keeps budgets per tenant: another tenant of the same app is not throttled', async () => {
        await spend('/v1.0/users');
        const other = await t.graph('/v1.0/users', { token: await t.graphToken(contoso) });
        expect(other.status).toBe(200);
    });

    it('follows budget changes through the control API, and can be switched off', async () => {
        const patched = await t.control('PATCH', '/control/graph', { throttling: { enabled: false } });
        expect(patched.status).toBe(200);
        expect(patched.body.settings.throttling).toMatchObject({ enabled: false, budgets: { small: 10 } });
        for (let i = 0; i < 15; i++) expect((await t.graph('/v1.0/users', { token })).status).toBe(200);
        await t.control('PATCH', '/control/graph', { throttling: { enabled: true } });
        expect((await spend('/v1.0/users')).status).toBe(429);
        const refused = await t.control('PATCH', '/control/graph', { throttling: { budgets: { small: -1 } } });
        expect(refused.status).toBe(400);
        expect(refused.body.error.message).toContain('throttling.budgets.small');
    });

    it('counts early retries after an injected 429 with Retry-After too', async () => {
        await t.control('POST', '/control/faults', { service: 'graph', status: 429, retryAfter: 30, count: 2 });
        const seq = (await t.control('GET', '/control/requests')).body.lastSeq;
        const first = await t.graph('/v1.0/users?$top=1', { token });
        expect(first.status).toBe(429);
        expect(first.headers.get('retry-after')).toBe('30');
        expect((await first.json()).error.code).toBe('TooManyRequests');
        expect((await t.graph('/v1.0/users?$top=1', { token })).status).toBe(429);
        await t.control('POST', '/control/clock', { advanceSeconds: 30 });
        expect((await t.graph('/v1.0/users?$top=1', { token })).status).toBe(200);
        expect((await requestsSince(seq)).map((e) => [e.status, e.earlyRetry, e.faulted])).toEqual([
            [429, false, true],
            [429, true, true],
            [200, false, false],
        ]);
    });
});
