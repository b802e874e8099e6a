/**
 * The per-app budget over every tenant, beside the per app + tenant one (Microsoft Learn, "Microsoft Graph
 * service-specific throttling limits", identity and access: application 150,000 resource units per 20 seconds;
 * a 429 names its scope in `x-ms-throttle-scope` as `Application/<Limit>/<ApplicationId>/<…>`).
 */
import { SimClock } from '../../../../dev/sim/core/clock';
import { ResourceUnitLimiter } from '../../../../dev/sim/graph';
import { DEFAULT_THROTTLING } from '../../../../dev/sim/graph/throttling';
import { startTestSimulator, type TestSimulator } from '../../../support/simulator';
import { freezeDate, unfreezeDate } from '../../../support/frozenDate';

describe('the limiter', () => {
    afterEach(() => jest.useRealTimers());
    const frozen = () => {
        jest.useFakeTimers({ now: 1_700_000_000_000 });
        return new SimClock();
    };

    it('by default an app gets 150,000 RU per 20 s over all its tenants: a fan-out to 3,000 tenants meets it', () => {
        const clock = frozen();
        const limiter = new ResourceUnitLimiter(clock, structuredClone(DEFAULT_THROTTLING));
        expect(DEFAULT_THROTTLING).toMatchObject({ appBudget: 150_000, appWindowSeconds: 20 });
        // 25 lists of 2 RU in each of 3,000 small tenants: 50 RU each, far below the tenants' 3,500.
        let served = 0;
        for (let tenant = 0; tenant < 3000; tenant++)
            for (let i = 0; i < 25; i++) if (limiter.charge('app', `t${tenant}`, 'small', 2).allowed) served++;
        expect(served).toBe(75_000);
        const refused = limiter.charge('app', 'one-more', 'small', 2);
        expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 20 });
        expect(refused.headers['x-ms-throttle-scope']).toBe('Application/ReadWrite/app/one-more');
        // Another app has budgets of its own.
        expect(limiter.charge('other-app', 't0', 'small', 2).allowed).toBe(true);
        clock.advance(20_000);
        expect(limiter.charge('app', 't0', 'small', 2).allowed).toBe(true);
    });

    it('an app-wide hold refuses every tenant of the app; a tenant hold only that tenant', () => {
        const clock = frozen();
        const limiter = new ResourceUnitLimiter(clock, {
            ...structuredClone(DEFAULT_THROTTLING),
            budgets: { small: 6, medium: 100, large: 100 },
            appBudget: 10,
        });
        for (let i = 0; i < 3; i++) expect(limiter.charge('app', 'a', 'small', 2).allowed).toBe(true);
        // Tenant a is full (6 of 6); the app has 6 of 10.
        expect(limiter.charge('app', 'a', 'small', 2)).toMatchObject({
            allowed: false,
            headers: { 'x-ms-throttle-scope': 'Tenant_Application/ReadWrite/app/a' },
        });
        // The refused request was charged to the app too: 8 of 10. Tenant b still fits, once.
        expect(limiter.charge('app', 'b', 'medium', 2).allowed).toBe(true);
        const appWide = limiter.charge('app', 'c', 'medium', 2);
        expect(appWide).toMatchObject({
            allowed: false,
            retryAfterSeconds: 20,
            headers: { 'x-ms-throttle-scope': 'Application/ReadWrite/app/c' },
        });
        // Until that Retry-After, tenant b is refused too (and flagged as early).
        clock.advance(5_000);
        expect(limiter.charge('app', 'b', 'medium', 1)).toMatchObject({ allowed: false, earlyRetry: true });
        expect(limiter.describeApps()).toEqual([
            {
                appId: 'app',
                units: 0,
                throttled: 2,
                throttledUntil: new Date(clock.now() + 15_000).toISOString(),
            },
        ]);
    });

    it('reports the share of the app budget once above 80%, even when the tenant is far from its own', () => {
        const limiter = new ResourceUnitLimiter(frozen(), { ...structuredClone(DEFAULT_THROTTLING), appBudget: 10 });
        expect(limiter.charge('app', 'a', 'large', 8).headers['x-ms-throttle-limit-percentage']).toBeUndefined();
        expect(limiter.charge('app', 'b', 'large', 1).headers['x-ms-throttle-limit-percentage']).toBe('0.90');
    });
});

describe('through Graph', () => {
    let t: TestSimulator;
    beforeAll(async () => {
        t = await startTestSimulator();
    });
    afterAll(() => t.stop());
    beforeEach(freezeDate);
    afterEach(async () => {
        unfreezeDate();
        await t.control('PATCH', '/control/graph', { throttling: { appBudget: 150_000, appWindowSeconds: 20 } });
        await t.control('DELETE', '/control/graph/throttling');
    });

    it('two tenants share the app budget: a 429 names the Application scope; the control API shows both windows', async () => {
        const before = (await t.control('GET', '/control/graph')).body;
        expect(before.settings.throttling).toMatchObject({ appBudget: 150_000, appWindowSeconds: 20 });
        const patched = await t.control('PATCH', '/control/graph', {
            throttling: { appBudget: 20, appWindowSeconds: 20 },
        });
        expect(patched.status).toBe(200);
        const appId = t.sim.identity.publisher.appClientId;
        const fabrikam = t.tenantId('Fabrikam');
        const contoso = t.tenantId('Contoso');
        const tokens = [await t.graphToken(fabrikam), await t.graphToken(contoso)] as const;
        for (let i = 0; i < 10; i++) {
            const response = await t.graph('/v1.0/users', { token: i % 2 === 0 ? tokens[0] : tokens[1] });
            expect(response.status).toBe(200);
            await response.arrayBuffer();
        }
        const refused = await t.graph('/v1.0/users?$top=1&$select=id', { token: tokens[0] });
        expect(refused.status).toBe(429);
        expect(refused.headers.get('x-ms-throttle-scope')).toBe(`Application/ReadWrite/${appId}/${fabrikam}`);
        expect(refused.headers.get('retry-after')).toBe('20');
        expect((await refused.json()).error.code).toBe('TooManyRequests');

        const graph = (await t.control('GET', '/control/graph')).body;
        expect(graph.appThrottleBuckets).toEqual([
            { appId, units: 0, throttled: 1, throttledUntil: expect.any(String) },
        ]);
        // Each tenant on its own is far from its budget.
        for (const bucket of graph.throttleBuckets) expect(bucket.units).toBeGreaterThan(1000);
        await t.control('POST', '/control/clock', { advanceSeconds: 20 });
        expect((await t.graph('/v1.0/users', { token: tokens[1] })).status).toBe(200);
    });
});
