import { SimClock } from '../../../../dev/sim/core/clock';
import { resourceUnitCost, ResourceUnitLimiter } from '../../../../dev/sim/graph';

describe('resourceUnitCost', () => {
    it.each([
        [{ kind: 'list', selected: false, top: undefined }, 2],
        [{ kind: 'list', selected: true, top: 999 }, 1],
        [{ kind: 'list', selected: false, top: 19 }, 1],
        [{ kind: 'list', selected: false, top: 20 }, 2],
        [{ kind: 'list', selected: true, top: 5 }, 1],
        [{ kind: 'get', selected: false }, 1],
        [{ kind: 'get', selected: true }, 1],
    ] as const)('%j costs %d', (shape, cost) => {
        expect(resourceUnitCost(shape)).toBe(cost);
    });
});

describe('ResourceUnitLimiter', () => {
    const settings = () => ({ enabled: true, windowSeconds: 10, budgets: { small: 10, medium: 20, large: 30 } });

    it('spends the budget, refuses with a Retry-After, and refills with the clock', () => {
        const clock = new SimClock();
        const limiter = new ResourceUnitLimiter(clock, settings());
        for (let i = 0; i < 5; i++) expect(limiter.charge('app', 't', 'small', 2).allowed).toBe(true);
        const refused = limiter.charge('app', 't', 'small', 2);
        expect(refused.allowed).toBe(false);
        if (refused.allowed) return;
        // 10 RU per 10 s refills 1 RU/s: two units need two seconds.
        expect(refused.retryAfterSeconds).toBe(2);
        expect(refused.headers).toMatchObject({
            'retry-after': '2',
            'x-ms-throttle-scope': 'Tenant_Application/ReadOnly/app/t',
            'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
        });
        clock.advance(2000);
        expect(limiter.charge('app', 't', 'small', 2)).toMatchObject({ allowed: true, earlyRetry: false });
    });

    it('flags requests that come before the Retry-After elapsed', () => {
        const clock = new SimClock();
        const limiter = new ResourceUnitLimiter(clock, settings());
        while (limiter.charge('app', 't', 'small', 2).allowed);
        expect(limiter.charge('app', 't', 'small', 2).earlyRetry).toBe(true);
        clock.advance(5000);
        expect(limiter.charge('app', 't', 'small', 2).earlyRetry).toBe(false);
        expect(limiter.describe()[0]).toMatchObject({ appId: 'app', tenantId: 't', earlyRetries: 1 });
    });

    it('keeps separate buckets per app and tenant, sized by tenant', () => {
        const limiter = new ResourceUnitLimiter(new SimClock(), settings());
        while (limiter.charge('app', 't1', 'small', 2).allowed);
        expect(limiter.charge('app', 't2', 'small', 2).allowed).toBe(true);
        expect(limiter.charge('other-app', 't1', 'small', 2).allowed).toBe(true);
        let large = 0;
        while (limiter.charge('app', 't3', 'large', 1).allowed) large++;
        expect(large).toBe(30);
    });

    it('reports the used share of the budget once above 80%', () => {
        const limiter = new ResourceUnitLimiter(new SimClock(), settings());
        expect(limiter.charge('app', 't', 'small', 8).headers['x-ms-throttle-limit-percentage']).toBeUndefined();
        expect(limiter.charge('app', 't', 'small', 1).headers['x-ms-throttle-limit-percentage']).toBe('0.90');
    });

    it('never refuses when disabled, and resets', () => {
        const s = settings();
        const limiter = new ResourceUnitLimiter(new SimClock(), s);
        s.enabled = false;
        for (let i = 0; i < 100; i++) expect(limiter.charge('app', 't', 'small', 2).allowed).toBe(true);
        s.enabled = true;
        limiter.reset();
        expect(limiter.describe()).toEqual([]);
    });
});
