/**
 * Graph's default resource-unit budgets (protocols §2.4), with the simulator's default settings:
 * 3,500 / 5,000 / 8,000 RU per app and tenant per 10 s, chosen by the tenant's size (small < 50
 * users, medium 50-500, large > 500).
 *
 * Wall-clock time is frozen (only `Date` is faked; the simulator's clock reads it) so that every
 * charge lands at the same instant, Retry-After is exact, and a slow machine cannot let charges
 * leave the window while the budget is being spent.
 */
import { startTestSimulator, type TestSimulator } from '../../../support/simulator';
import { freezeDate, unfreezeDate } from '../../../support/frozenDate';

/** The most expensive read: a list without $select and with $top >= 20 costs 2 RU. */
const TWO_UNITS = '/v1.0/users?$top=20';
/** The cheapest: 1 RU. */
const ONE_UNIT = '/v1.0/users?$top=1&$select=id';
const PARALLEL = 20;

let t: TestSimulator;
let appId: string;

beforeAll(async () => {
    t = await startTestSimulator();
    appId = t.sim.identity.publisher.appClientId;
});
afterAll(() => t.stop());
beforeEach(freezeDate);
afterEach(async () => {
    unfreezeDate();
    await t.control('DELETE', '/control/graph/throttling');
});

async function get(path: string, token: string): Promise<Response> {
    const response = await t.graph(path, { token });
    await response.arrayBuffer();
    return response;
}

/** `count` requests of 2 RU, PARALLEL at a time. */
async function burst(token: string, count: number): Promise<Response[]> {
    const out: Response[] = [];
    for (let sent = 0; sent < count; sent += PARALLEL)
        out.push(
            ...(await Promise.all(
                Array.from({ length: Math.min(PARALLEL, count - sent) }, () => get(TWO_UNITS, token)),
            )),
        );
    return out;
}

async function tenantOfSize(name: string, userCount: number, size: string): Promise<string> {
    const existing = t.sim.directory.tenants().find((tenant) => tenant.record.displayName === name);
    const tenantId =
        existing?.record.id ?? (await t.control('POST', '/control/tenants', { displayName: name, userCount })).body.id;
    // The tier comes from the user count: nothing in these tests sets it.
    expect((await t.control('GET', `/control/tenants/${tenantId}`)).body).toMatchObject({ size, userCount });
    return tenantId;
}

it('starts with the documented budgets and a 10 s window', async () => {
    expect((await t.control('GET', '/control/graph')).body.settings.throttling).toEqual({
        enabled: true,
        windowSeconds: 10,
        budgets: { small: 3500, medium: 5000, large: 8000 },
        appBudget: 150_000,
        appWindowSeconds: 20,
    });
});

it('a small tenant (25 users) serves exactly 3,500 RU in 10 s: 1,750 lists of 2 RU, then 429 for 10 s', async () => {
    const tenantId = await tenantOfSize('Fabrikam', 25, 'small');
    const token = await t.graphToken(tenantId);
    const answers = await burst(token, 1750);
    expect(answers.filter((a) => a.status !== 200).map((a) => a.status)).toEqual([]);
    expect(new Set(answers.map((a) => a.headers.get('x-ms-resource-unit')))).toEqual(new Set(['2']));
    // The share of the budget is reported once more than 80% (2,800 RU) is used: after the 1,400th request.
    const shares = answers.map((a) => a.headers.get('x-ms-throttle-limit-percentage'));
    expect(shares.filter((s) => s === null)).toHaveLength(1400);
    expect(shares).toContain('1.00');

    const refused = await get(ONE_UNIT, token);
    expect(refused.status).toBe(429);
    // Every charge was made at the same instant: they all leave the window 10 s later.
    expect(refused.headers.get('retry-after')).toBe('10');
    await t.control('POST', '/control/clock', { advanceSeconds: 9 });
    const early = await get(ONE_UNIT, token);
    expect([early.status, early.headers.get('retry-after')]).toEqual([429, '1']);
    await t.control('POST', '/control/clock', { advanceSeconds: 1 });
    expect((await get(TWO_UNITS, token)).status).toBe(200);
});

describe.each([
    ['medium', 'Contoso', 120, 5000],
    ['large', 'Large Tier Corp', 600, 8000],
    ['small', 'Small Tier Corp', 49, 3500],
    ['medium', 'Medium Tier Corp', 500, 5000],
    ['large', 'Just Large Corp', 501, 8000],
] as const)('a %s tenant (%s, %d users)', (size, name, users, budget) => {
    it(`serves exactly ${budget} RU in 10 s`, async () => {
        const tenantId = await tenantOfSize(name, users, size);
        const token = await t.graphToken(tenantId);
        // The app's earlier traffic for the tenant, charged directly: all but the last 2 RU of the budget.
        expect(t.sim.graph.limiter.charge(appId, tenantId, size, budget - 2).allowed).toBe(true);
        const last = await get(TWO_UNITS, token);
        expect(last.status).toBe(200);
        expect(last.headers.get('x-ms-throttle-limit-percentage')).toBe('1.00');
        const refused = await get(ONE_UNIT, token);
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('10');
    });
});
