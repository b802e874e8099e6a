/**
 * Graph's throttled answers as documented:
 * - Microsoft Learn, "Microsoft Graph service-specific throttling limits" (identity and access): a 429 carries
 *   `x-ms-throttle-scope: <Scope>/<Limit>/<ApplicationId>/<TenantId|UserId|ResourceId>`, Scope one of
 *   Tenant_Application, Tenant, Application and Limit one of Read, Write, ReadWrite, beside
 *   `x-ms-throttle-information` (e.g. ResourceUnitLimitExceeded);
 * - Microsoft Learn, "Microsoft Graph throttling guidance": "Avoid immediate retries, because all requests accrue
 *   against your usage limits"; Graph "continues to log resource usage while a client is being throttled".
 */
import { freezeDate, unfreezeDate } from '../../../support/frozenDate';
import { startTestSimulator, type TestSimulator } from '../../../support/simulator';

const SCOPE_FORMAT =
    /^(Tenant_Application|Tenant|Application)\/(Read|Write|ReadWrite)\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/;
const LIST = '/v1.0/users'; // 2 RU

let t: TestSimulator;
let fabrikam: string;
let contoso: string;
let appId: string;

beforeAll(async () => {
    // 10 RU per 10 s for small tenants (Fabrikam), plenty for medium ones (Contoso).
    t = await startTestSimulator({ graph: { throttling: { budgets: { small: 10, medium: 1000 } } } });
    fabrikam = t.tenantId('Fabrikam');
    contoso = t.tenantId('Contoso');
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

async function advance(seconds: number): Promise<void> {
    await t.control('POST', '/control/clock', { advanceSeconds: seconds });
}

it('a 429 names its scope as <Scope>/<Limit>/<ApplicationId>/<TenantId>, with the reason beside it', async () => {
    const token = await t.graphToken(fabrikam);
    for (let i = 0; i < 5; i++) expect((await get(LIST, token)).status).toBe(200);
    const refused = await get(LIST, token);
    expect(refused.status).toBe(429);
    const scope = refused.headers.get('x-ms-throttle-scope') ?? '';
    const [, kind, limit, app, tenant] = SCOPE_FORMAT.exec(scope) ?? [];
    // The per app and tenant resource-unit quota, which every request counts against.
    expect([kind, limit, app, tenant]).toEqual(['Tenant_Application', 'ReadWrite', appId, fabrikam]);
    expect(refused.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Served answers carry no scope.
    expect((await get(LIST, await t.graphToken(contoso))).headers.get('x-ms-throttle-scope')).toBeNull();
});

it('requests sent while throttled count: a client that retries early is refused where a patient one is served', async () => {
    // Two equal small tenants of the same app: one client waits as told, the other does not.
    const other = (await t.control('POST', '/control/tenants', { displayName: 'Twin Small Ltd', userCount: 25 })).body
        .id as string;
    const patient = await t.graphToken(fabrikam);
    const eager = await t.graphToken(other);
    for (const token of [patient, eager]) {
        for (let i = 0; i < 5; i++) expect((await get(LIST, token)).status).toBe(200);
    }
    await advance(1);
    const first = await Promise.all([get(LIST, patient), get(LIST, eager)]);
    expect(first.map((r) => [r.status, r.headers.get('retry-after')])).toEqual([
        [429, '9'],
        [429, '9'],
    ]);
    // The eager client retries every second; each refusal is charged to it.
    for (let s = 0; s < 8; s++) {
        await advance(1);
        expect((await get(LIST, eager)).status).toBe(429);
    }
    await advance(1);
    expect((await get(LIST, patient)).status).toBe(200);
    const stillRefused = await get(LIST, eager);
    expect(stillRefused.status).toBe(429);
    expect(Number(stillRefused.headers.get('retry-after'))).toBeGreaterThan(0);

    const buckets = (await t.control('GET', '/control/graph')).body.throttleBuckets as Array<{
        tenantId: string;
        throttled: number;
        earlyRetries: number;
    }>;
    expect(buckets.find((b) => b.tenantId === fabrikam)).toMatchObject({ throttled: 1, earlyRetries: 0 });
    expect(buckets.find((b) => b.tenantId === other)).toMatchObject({ throttled: 10, earlyRetries: 9 });
});
