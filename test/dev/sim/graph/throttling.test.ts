import { SimClock } from '../../../../dev/sim/core/clock';
import { resourceUnitCost, ResourceUnitLimiter } from '../../../../dev/sim/graph';
import { DEFAULT_THROTTLING } from '../../../../dev/sim/graph/throttling';

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
    const settings = () => ({
        enabled: true,
        windowSeconds: 10,
        budgets: { small: 10, medium: 20, large: 30 },
        // The app-wide budget is out of the way here (its own tests are in test/dev/sim/graph/appBudget.test.ts).
        appBudget: 1_000_000,
        appWindowSeconds: 20,
    });
    /** A simulator clock frozen at a whole second (the real clock does not move under fake timers). */
    const frozenClock = () => {
        jest.useFakeTimers({ now: 1_700_000_000_000 });
        return new SimClock();
    };
    afterEach(() => jest.useRealTimers());

    it('spends the budget, refuses with the time until the oldest charges leave the window, then serves again', () => {
        const clock = frozenClock();
        const limiter = new ResourceUnitLimiter(clock, settings());
        // 2 RU at 0, 1, 2, 3 and 4 s: the 10 RU budget is spent.
        for (let i = 0; i < 5; i++) {
            if (i > 0) clock.advance(1000);
            expect(limiter.charge('app', 't', 'small', 2).allowed).toBe(true);
        }
        clock.advance(500); // now 4.5 s
        const refused = limiter.charge('app', 't', 'small', 2);
        // The refused request is charged too (12 RU): a 2 RU request fits once 4 RU have left, i.e. the
        // charges of 0 s and 1 s; the one of 1 s leaves at 11 s, 6.5 s from now, rounded up.
        expect(refused).toMatchObject({ allowed: false, earlyRetry: false, retryAfterSeconds: 7 });
        expect(refused.headers).toEqual({
            'retry-after': '7',
            'x-ms-throttle-scope': 'Tenant_Application/ReadWrite/app/t',
            'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
        });
        clock.advance(7000);
        expect(limiter.charge('app', 't', 'small', 2)).toMatchObject({ allowed: true, earlyRetry: false });
    });

    it('waits for as many of the oldest charges as the refused request needs, its own charge included', () => {
        const clock = frozenClock();
        const limiter = new ResourceUnitLimiter(clock, settings());
        limiter.charge('app', 't', 'small', 1); // 0 s, leaves at 10 s
        clock.advance(1000);
        limiter.charge('app', 't', 'small', 1); // 1 s, leaves at 11 s
        clock.advance(1000);
        limiter.charge('app', 't', 'small', 8); // 2 s, leaves at 12 s
        clock.advance(1000);
        // At 3 s a 2 RU request is refused and charged (12 RU): another 2 RU request needs 4 RU gone, which
        // takes the charge of 2 s too (without the refused charge the first two would have been enough).
        expect(limiter.charge('app', 't', 'small', 2)).toMatchObject({ allowed: false, retryAfterSeconds: 9 });
        clock.advance(9000);
        // The refused request's 2 RU (charged at 3 s) are still in the window.
        expect(limiter.describe()[0]?.units).toBe(8);
        expect(limiter.charge('app', 't', 'small', 2).allowed).toBe(true);
    });

    it('early retries accrue: a client that ignores Retry-After is still refused when it elapses', () => {
        const clock = frozenClock();
        const polite = new ResourceUnitLimiter(clock, settings());
        const eager = new ResourceUnitLimiter(clock, settings());
        for (const limiter of [polite, eager]) {
            expect(limiter.charge('app', 't', 'small', 10).allowed).toBe(true);
        }
        clock.advance(1000);
        for (const limiter of [polite, eager])
            expect(limiter.charge('app', 't', 'small', 2)).toMatchObject({ allowed: false, retryAfterSeconds: 9 });
        // The eager client retries every second while told to wait.
        for (let s = 2; s <= 9; s++) {
            clock.advance(1000);
            expect(eager.charge('app', 't', 'small', 2)).toMatchObject({ allowed: false, earlyRetry: true });
        }
        clock.advance(1000); // 10 s: the 10 RU of 0 s have left
        expect(polite.charge('app', 't', 'small', 2)).toMatchObject({ allowed: true, earlyRetry: false });
        // 9 refused charges of 2 RU (1 s … 9 s) are still in the eager client's window: 18 + 2 RU. Each of its
        // retries pushed the wait out, so this one is early too.
        const refused = eager.charge('app', 't', 'small', 2);
        // Room for 2 RU comes once 12 RU have left: the charges of 1 s … 6 s, the last at 16 s.
        expect(refused).toMatchObject({ allowed: false, earlyRetry: true, retryAfterSeconds: 6 });
    });

    it('holds every request of the app for the tenant until Retry-After elapsed, flagging them', () => {
        const clock = frozenClock();
        const limiter = new ResourceUnitLimiter(clock, settings());
        for (let i = 0; i < 5; i++) expect(limiter.charge('app', 't', 'small', 2).allowed).toBe(true);
        clock.advance(2000);
        // Room when the 10 RU of 0 s leave at 10 s.
        expect(limiter.charge('app', 't', 'small', 2)).toMatchObject({ allowed: false, retryAfterSeconds: 8 });
        clock.advance(3000);
        // 5 s left; even the cheapest request is refused, with the remaining time.
        expect(limiter.charge('app', 't', 'small', 1)).toMatchObject({
            allowed: false,
            earlyRetry: true,
            retryAfterSeconds: 5,
            headers: { 'retry-after': '5' },
        });
        clock.advance(4900);
        // 0.1 s left: rounded up to 1 s.
        expect(limiter.charge('app', 't', 'small', 1)).toMatchObject({
            allowed: false,
            earlyRetry: true,
            retryAfterSeconds: 1,
        });
        // Other apps and other tenants are not held.
        expect(limiter.charge('other-app', 't', 'small', 1).allowed).toBe(true);
        expect(limiter.charge('app', 't2', 'small', 1).allowed).toBe(true);
        clock.advance(100);
        // The hold is over; the refused requests (2 + 1 + 1 RU) were charged and are still in the window.
        expect(limiter.charge('app', 't', 'small', 2)).toMatchObject({ allowed: true, earlyRetry: false });
        expect(limiter.describe().find((b) => b.appId === 'app' && b.tenantId === 't')).toMatchObject({
            units: 4,
            throttled: 3,
            earlyRetries: 2,
            throttledUntil: null,
        });
    });

    it('describes the buckets, with the end of a hold', () => {
        const clock = frozenClock();
        const limiter = new ResourceUnitLimiter(clock, settings());
        limiter.charge('app', 't', 'small', 10);
        limiter.charge('app', 't', 'small', 1);
        expect(limiter.describe()).toEqual([
            {
                appId: 'app',
                tenantId: 't',
                units: 0,
                throttled: 1,
                earlyRetries: 0,
                throttledUntil: new Date(clock.now() + 10_000).toISOString(),
            },
        ]);
    });

    it('keeps separate budgets per app and tenant, sized by tenant', () => {
        const limiter = new ResourceUnitLimiter(frozenClock(), settings());
        while (limiter.charge('app', 't1', 'small', 2).allowed);
        expect(limiter.charge('app', 't2', 'small', 2).allowed).toBe(true);
        expect(limiter.charge('other-app', 't1', 'small', 2).allowed).toBe(true);
        let large = 0;
        while (limiter.charge('app', 't3', 'large', 1).allowed) large++;
        expect(large).toBe(30);
    });

    it('reports the used share of the budget once above 80%', () => {
        const limiter = new ResourceUnitLimiter(frozenClock(), settings());
        expect(limiter.charge('app', 't', 'small', 8).headers['x-ms-throttle-limit-percentage']).toBeUndefined();
        expect(limiter.charge('app', 't', 'small', 1).headers['x-ms-throttle-limit-percentage']).toBe('0.90');
    });

    it('admits a request into an empty window even when it costs more than the budget', () => {
        const clock = frozenClock();
        const limiter = new ResourceUnitLimiter(clock, { ...settings(), budgets: { small: 1, medium: 1, large: 1 } });
        expect(limiter.charge('app', 't', 'small', 2).allowed).toBe(true);
        expect(limiter.charge('app', 't', 'small', 1)).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
        clock.advance(10_000);
        expect(limiter.charge('app', 't', 'small', 2).allowed).toBe(true);
    });

    it('flags requests after an injected Retry-After without holding them', () => {
        const clock = frozenClock();
        const limiter = new ResourceUnitLimiter(clock, settings());
        limiter.noteRetryAfter('app', 't', 'small', 30);
        expect(limiter.isEarly('app', 't')).toBe(true);
        expect(limiter.charge('app', 't', 'small', 1)).toMatchObject({ allowed: true, earlyRetry: true });
        clock.advance(30_000);
        expect(limiter.isEarly('app', 't')).toBe(false);
        expect(limiter.charge('app', 't', 'small', 1)).toMatchObject({ allowed: true, earlyRetry: false });
    });

    it('follows a changed window length and forgets charges older than it', () => {
        const clock = frozenClock();
        const s = { ...settings(), budgets: { small: 10, medium: 20, large: 1000 } };
        const limiter = new ResourceUnitLimiter(clock, s);
        // 1 RU every 50 ms for 150 s (enough charges to compact the window's storage a few times).
        for (let i = 0; i < 3000; i++) {
            expect(limiter.charge('app', 't', 'large', 1).allowed).toBe(true);
            clock.advance(50);
        }
        // Charged in the last 10 s (after 140 s): 140.05 ... 149.95 s, 199 charges.
        expect(limiter.describe()[0]?.units).toBe(1000 - 199);
        s.windowSeconds = 1;
        expect(limiter.describe()[0]?.units).toBe(1000 - 19);
    });

    it('never refuses when disabled, and resets', () => {
        const s = settings();
        const limiter = new ResourceUnitLimiter(frozenClock(), s);
        s.enabled = false;
        for (let i = 0; i < 100; i++) expect(limiter.charge('app', 't', 'small', 2).allowed).toBe(true);
        s.enabled = true;
        expect(limiter.charge('app', 't', 'small', 10).allowed).toBe(true);
        limiter.reset();
        expect(limiter.describe()).toEqual([]);
    });
});

describe('default budgets (protocols §2.4)', () => {
    afterEach(() => jest.useRealTimers());

    it.each([
        ['small', 3500],
        ['medium', 5000],
        ['large', 8000],
    ] as const)('%s tenants get exactly %d RU per 10 s', (size, budget) => {
        jest.useFakeTimers({ now: 1_700_000_000_000 });
        const clock = new SimClock();
        const limiter = new ResourceUnitLimiter(clock, structuredClone(DEFAULT_THROTTLING));
        expect(DEFAULT_THROTTLING).toMatchObject({ enabled: true, windowSeconds: 10 });
        expect(limiter.charge('app', 't', size, budget - 1).allowed).toBe(true);
        expect(limiter.charge('app', 't', size, 1)).toMatchObject({
            allowed: true,
            headers: { 'x-ms-throttle-limit-percentage': '1.00' },
        });
        expect(limiter.charge('app', 't', size, 1)).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
        clock.advance(10_000);
        expect(limiter.charge('app', 't', size, budget).allowed).toBe(true);
    });
});
