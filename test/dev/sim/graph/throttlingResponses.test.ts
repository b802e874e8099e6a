/**
 * Graph's resource-unit throttling with a small configured budget: costs per request, 429 with
 * Retry-After once spent (derived from the 10 s window of charged units), every request refused
 * until Retry-After elapsed (early retries flagged), recovery after it (simulator clock).
 */
import { startTestSimulator, type TestSimulator } from '../../../support/simulator';
import { freezeDate, unfreezeDate } from '../../../support/frozenDate';

let t: TestSimulator;
let fabrikam: string;
let contoso: string;
let token: string;

beforeAll(async () => {
    // 10 RU per 10 s for small tenants, 1000 for medium: a handful of requests spends it.
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

async function waitOut(response: Response): Promise<void> {
    const seconds = Number(response.headers.get('retry-after'));
    await t.control('POST', '/control/clock', { advanceSeconds: seconds });
}

// Wall-clock time stands still during each test: Retry-After values are exact (see test/support/frozenDate.ts).
beforeEach(freezeDate);
afterEach(async () => {
    unfreezeDate();
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
        const seq = await t.lastRequestSeq();
        const throttled = await spend('/v1.0/users');
        const retryAfter = Number(throttled.headers.get('retry-after'));
        expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
        expect(throttled.headers.get('x-ms-throttle-scope')).toBe(
            `Tenant_Application/ReadWrite/${t.sim.identity.publisher.appClientId}/${fabrikam}`,
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
        const log = await t.requestsSince(seq, 'graph');
        expect(log.some((e) => e.status === 200 && e.tenant === fabrikam)).toBe(true);
        expect(log.at(-1)).toMatchObject({ status: 429, earlyRetry: false, tenant: fabrikam });

        await waitOut(throttled);
        const recovered = await t.graph('/v1.0/users', { token });
        expect(recovered.status).toBe(200);
        expect((await t.requestsSince(seq, 'graph')).at(-1)).toMatchObject({ status: 200, earlyRetry: false });
    });

    it('refuses every request until Retry-After elapsed, flagged as early retries, then serves again', async () => {
        const throttled = await spend('/v1.0/users');
        // Five 2 RU lists at one instant: they leave the 10 s window together, 10 s from now.
        expect(throttled.headers.get('retry-after')).toBe('10');
        const seq = await t.lastRequestSeq();
        await t.control('POST', '/control/clock', { advanceSeconds: 4 });
        // Even the cheapest request is refused, with the time that remains.
        const early = await t.graph('/v1.0/users?$top=1&$select=id', { token });
        expect(early.status).toBe(429);
        expect(early.headers.get('retry-after')).toBe('6');
        expect(early.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
        expect((await early.json()).error.code).toBe('TooManyRequests');
        await t.control('POST', '/control/clock', { advanceSeconds: 5 });
        const later = await t.graph('/v1.0/organization', { token });
        expect([later.status, later.headers.get('retry-after')]).toEqual([429, '1']);
        // The hold ends when the first charges leave; the two early retries (1 RU each) stay charged.
        await t.control('POST', '/control/clock', { advanceSeconds: 1 });
        const served = await t.graph('/v1.0/users', { token });
        expect(served.status).toBe(200);
        expect((await t.requestsSince(seq, 'graph')).map((e) => [e.status, e.earlyRetry])).toEqual([
            [429, true],
            [429, true],
            [200, false],
        ]);
        expect((await t.control('GET', '/control/graph')).body.throttleBuckets).toContainEqual({
            appId: t.sim.identity.publisher.appClientId,
            tenantId: fabrikam,
            units: 6,
            throttled: 3,
            earlyRetries: 2,
            throttledUntil: null,
        });
    });

    it('derives Retry-After from when enough charged units leave the window, the refused request counting too', async () => {
        // 8 RU now, 2 RU four seconds later: the budget of 10 is spent.
        for (let i = 0; i < 4; i++) expect((await t.graph('/v1.0/users', { token })).status).toBe(200);
        await t.control('POST', '/control/clock', { advanceSeconds: 4 });
        expect((await t.graph('/v1.0/users', { token })).status).toBe(200);
        await t.control('POST', '/control/clock', { advanceSeconds: 1 });
        const first = await t.graph('/v1.0/users', { token });
        expect(first.status).toBe(429);
        // The first 8 RU leave the window 10 s after they were charged: 5 s from now.
        expect(first.headers.get('retry-after')).toBe('5');
        await t.control('POST', '/control/clock', { advanceSeconds: 5 });
        // Left in the window: 2 RU of 4 s and the refused 2 RU of 5 s; three more lists spend the budget.
        for (let i = 0; i < 3; i++) expect((await t.graph('/v1.0/users', { token })).status).toBe(200);
        const second = await t.graph('/v1.0/users', { token });
        expect(second.status).toBe(429);
        // Room for 2 RU needs 4 RU gone: the list of 4 s and the refused one of 5 s, which leaves at 15 s.
        // (Were refused requests free, the list of 4 s alone would do, at 14 s.)
        expect(second.headers.get('retry-after')).toBe('5');
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
        const seq = await t.lastRequestSeq();
        const first = await t.graph('/v1.0/users?$top=1', { token });
        expect(first.status).toBe(429);
        expect(first.headers.get('retry-after')).toBe('30');
        expect((await first.json()).error.code).toBe('TooManyRequests');
        expect((await t.graph('/v1.0/users?$top=1', { token })).status).toBe(429);
        await t.control('POST', '/control/clock', { advanceSeconds: 30 });
        expect((await t.graph('/v1.0/users?$top=1', { token })).status).toBe(200);
        expect((await t.requestsSince(seq, 'graph')).map((e) => [e.status, e.earlyRetry, e.faulted])).toEqual([
            [429, false, true],
            [429, true, true],
            [200, false, false],
        ]);
    });
});
