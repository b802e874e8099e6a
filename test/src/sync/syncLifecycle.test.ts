/**
 * The tenant's life as the sync sees it: concurrent deliveries, consent that is not applied yet or
 * was revoked, the mass-deletion guard, disconnection, and the fan-out.
 */
import { waitFor } from '../../support/poll';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';
import {
    clearQueue,
    resetFaultsAndQueue,
    connectTenant,
    createTenant,
    deliver,
    directoryUsers,
    expectTableEqualsDirectory,
    syncMessage,
    syncUntilIdle,
    tableUsers,
    takeQueued,
    testLogger,
} from '../../support/syncHarness';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());
afterEach(() => resetFaultsAndQueue(world));

async function graphRequestCount(tenantId: string, since: number): Promise<number> {
    const answer = await world.sim.control('GET', `/control/requests?since=${since}`);
    return (answer.body.requests as { tenant?: string; path: string }[]).filter(
        (r) => r.tenant === tenantId || r.path.includes(tenantId),
    ).length;
}
const lastSeq = async () => (await world.sim.control('GET', '/control/requests?since=0')).body.lastSeq as number;

describe('one sync at a time', () => {
    it('concurrent deliveries for one tenant: one syncs, manual requests are remembered and answered after it', async () => {
        const tenantId = await createTenant(world, 'Crowded Corp', 900);
        await connectTenant(world, tenantId);
        await world.sim.control('PATCH', '/control/graph', { latency: { fixedMs: 150 } });
        const messages = [
            syncMessage(world.services, tenantId, 'schedule'),
            ...Array.from({ length: 5 }, () => syncMessage(world.services, tenantId, 'manual')),
        ];
        const results = await Promise.all(messages.map((m) => deliver(world.newServices(), m)));
        const syncing = results.filter((r) => r.action === 'succeeded' || r.action === 'continued');
        expect(syncing).toHaveLength(1);
        expect(results.filter((r) => r.action === 'remembered' || r.action === 'skipped').length).toBe(5);
        // Whatever is left (the remembered manual requests) runs after the first round.
        await syncUntilIdle(world, syncMessage(world.services, tenantId, 'continuation'));
        const tenant = (await world.services.tenants.get(tenantId))?.record;
        expect(tenant).toMatchObject({ round: undefined, pendingRunIds: [] });
        const runs = await world.services.runs.recent(tenantId, 20);
        const manualIds = messages.filter((m) => m.reason === 'manual').map((m) => m.runId);
        for (const runId of manualIds) {
            const run = runs.find((r) => r.runId === runId);
            expect({ runId, state: run?.state }).toEqual({ runId, state: 'succeeded' });
        }
        // Rounds never overlapped: each started after the previous one finished.
        const rounds = runs
            .filter((r) => r.startedAt !== undefined && r.finishedAt !== undefined)
            .map((r) => [Date.parse(r.startedAt ?? ''), Date.parse(r.finishedAt ?? '')] as const)
            .sort((a, b) => a[0] - b[0]);
        const distinct = rounds.filter((r, i) => i === 0 || r[0] !== rounds[i - 1]?.[0]);
        for (let i = 1; i < distinct.length; i++)
            expect(distinct[i]?.[0]).toBeGreaterThanOrEqual(distinct[i - 1]?.[1] ?? Infinity);
        await expectTableEqualsDirectory(world, tenantId);
    }, 60_000);

    it('a crashed worker’s lease runs out and the next delivery carries the round on', async () => {
        const tenantId = await createTenant(world, 'Lease Lapse', 40);
        await connectTenant(world, tenantId);
        const services = world.newServices({ lease: { durationMs: 1500, renewEveryMs: 500 } });
        // A delivery that died holding the lease: the row says so, nobody renews it.
        await services.tenants.update(tenantId, (current) => ({
            ...current,
            leaseOwner: 'dead-worker',
            leaseExpiresAt: new Date(Date.now() + 1500).toISOString(),
        }));
        const busy = await deliver(services, syncMessage(services, tenantId, 'schedule'));
        expect(busy).toEqual({ action: 'skipped', reason: 'a sync of this tenant is running' });
        await new Promise((resolve) => setTimeout(resolve, 1600));
        const after = await deliver(services, syncMessage(services, tenantId, 'schedule'));
        expect(after.action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId, services);
    });
});

describe('consent', () => {
    it('right after consent, a token without roles means "not applied yet": the sync waits and then succeeds', async () => {
        const tenantId = await createTenant(world, 'Slow Consent', 20);
        await world.sim.control('POST', `/control/tenants/${tenantId}/consent`, { delayMs: 1500 });
        await connectTenant(world, tenantId, { consent: false });
        const services = world.newServices();
        const first = await deliver(services, syncMessage(services, tenantId, 'consent'));
        expect(first).toMatchObject({ action: 'continued', reason: 'consent pending' });
        expect((await services.tenants.get(tenantId))?.record.status).toBe('active');
        await clearQueue(services);
        await new Promise((resolve) => setTimeout(resolve, 1600));
        // A fresh instance: MSAL would serve the roles-less token from its cache for an hour.
        const later = world.newServices();
        const runId = (await later.tenants.get(tenantId))?.record.round?.runId ?? '';
        const second = await deliver(later, { ...syncMessage(later, tenantId, 'continuation'), runId });
        expect(second.action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId, later);
    });

    it('revoked consent (outside the grace window) marks the tenant consent_required and stops syncing it', async () => {
        const tenantId = await createTenant(world, 'Revoked Ltd', 20);
        await connectTenant(world, tenantId);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        await world.services.tenants.update(tenantId, (current) => ({
            ...current,
            consentedAt: new Date(Date.now() - 3 * 3600_000).toISOString(),
        }));
        await world.sim.control('POST', `/control/tenants/${tenantId}/consent/revoke`, {});
        const services = world.newServices();
        const result = await deliver(services, syncMessage(services, tenantId, 'manual'));
        expect(result).toMatchObject({ action: 'failed', errorCode: 'consent_required' });
        const tenant = (await services.tenants.get(tenantId))?.record;
        expect(tenant).toMatchObject({ status: 'consent_required', statusCode: 'AADSTS700016' });
        expect(await takeQueued(services)).toEqual([]);
        // No retry storm: later deliveries and the fan-out leave it alone, without a token request.
        const since = await lastSeq();
        expect(await deliver(services, syncMessage(services, tenantId, 'schedule'))).toMatchObject({
            action: 'skipped',
        });
        await services.fanOut('test', testLogger());
        expect((await takeQueued(services)).filter((m) => m.tenantId === tenantId)).toEqual([]);
        expect(await graphRequestCount(tenantId, since)).toBe(0);
        // Users stay as they were.
        expect((await tableUsers(services, tenantId)).size).toBe(20);
        // Consent again: the next sync completes exactly.
        await world.sim.consent(tenantId);
        await connectTenant(world, tenantId, { consent: false });
        const again = await syncUntilIdle(world, syncMessage(world.newServices(), tenantId, 'consent'));
        expect(again.at(-1)?.action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId);
    });
});

describe('mass-deletion guard', () => {
    it('blocks a round that would delete more than SYNC_MAX_DELETE_PERCENT and deletes nothing, until an operator confirms', async () => {
        const tenantId = await createTenant(world, 'Vanishing Users', 50);
        await connectTenant(world, tenantId);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        const ids = [...(await directoryUsers(world, tenantId)).keys()].slice(0, 15);
        for (const id of ids) await world.sim.control('DELETE', `/control/tenants/${tenantId}/users/${id}`);

        const blocked = await deliver(world.services, syncMessage(world.services, tenantId));
        expect(blocked.action).toBe('blocked');
        const tenant = (await world.services.tenants.get(tenantId))?.record;
        expect(tenant).toMatchObject({ status: 'error', statusCode: 'mass_delete_blocked', userCount: 50 });
        expect(tenant?.statusDetail).toContain('15 of 50');
        expect((await tableUsers(world.services, tenantId)).size).toBe(50);
        const [run] = await world.services.runs.recent(tenantId, 1);
        expect(run).toMatchObject({ state: 'blocked', outcome: 'blocked', errorCode: 'mass_delete_blocked' });
        // The schedule leaves a blocked tenant alone.
        expect(await deliver(world.services, syncMessage(world.services, tenantId, 'schedule'))).toMatchObject({
            action: 'skipped',
        });

        const confirmed = await world.services.syncRequests.request(tenantId, 'manual', {
            correlationId: 'operator',
            allowMassDelete: true,
        });
        const results = await syncUntilIdle(world, confirmed.message);
        expect(results.at(-1)?.action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId);
        expect((await world.services.tenants.get(tenantId))?.record).toMatchObject({
            status: 'active',
            statusCode: undefined,
            userCount: 35,
            allowMassDelete: false,
        });
        expect(await world.services.runs.get(tenantId, confirmed.runId)).toMatchObject({
            removed: 15,
            outcome: 'succeeded',
        });
    });

    it('a small deletion goes through without confirmation', async () => {
        const tenantId = await createTenant(world, 'Few Leavers', 50);
        await connectTenant(world, tenantId);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        const [id] = [...(await directoryUsers(world, tenantId)).keys()];
        await world.sim.control('DELETE', `/control/tenants/${tenantId}/users/${id}?permanent=true`);
        expect((await deliver(world.services, syncMessage(world.services, tenantId))).action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId);
    });
});

/** Waits until the tenant's round under way has committed a page. */
function firstPageCommitted(tenantId: string) {
    return waitFor(`a committed page of ${tenantId}`, async () => {
        const round = (await world.services.tenants.get(tenantId))?.record.round;
        return (round?.pages ?? 0) >= 1 ? true : undefined;
    });
}

describe('disconnecting', () => {
    it('deletes the tenant’s users and runs, stops syncing, and a sync in flight stops and clears what it wrote', async () => {
        const tenantId = await createTenant(world, 'Leaving Soon', 900);
        await connectTenant(world, tenantId);
        await world.sim.control('PATCH', '/control/graph', { latency: { fixedMs: 300 } });
        const syncing = deliver(world.services, syncMessage(world.services, tenantId));
        // Let it commit a page or two, then disconnect.
        await firstPageCommitted(tenantId);
        const result = await world.services.offboarding.disconnect(tenantId, testLogger());
        expect(result).toBeDefined();
        expect(await syncing).toMatchObject({ action: 'skipped', reason: 'tenant disconnected during the sync' });
        expect((await tableUsers(world.services, tenantId)).size).toBe(0);
        expect(await world.services.runs.recent(tenantId, 10)).toEqual([]);
        expect((await world.services.tenants.get(tenantId))?.record).toMatchObject({
            status: 'disconnected',
            round: undefined,
        });
        expect(await deliver(world.services, syncMessage(world.services, tenantId, 'schedule'))).toMatchObject({
            action: 'skipped',
            reason: 'tenant disconnected',
        });
    });

    it('a tenant connected again right after a disconnect stopped its sync gets its first sync at once, not after the dead lease', async () => {
        const tenantId = await createTenant(world, 'Back Again', 900);
        await connectTenant(world, tenantId);
        await world.sim.control('PATCH', '/control/graph', { latency: { fixedMs: 300 } });
        const syncing = deliver(world.services, syncMessage(world.services, tenantId));
        await firstPageCommitted(tenantId);
        await world.services.offboarding.disconnect(tenantId, testLogger());
        expect(await syncing).toMatchObject({ action: 'skipped', reason: 'tenant disconnected during the sync' });
        await world.sim.control('PATCH', '/control/graph', { latency: { fixedMs: 0 } });

        // The admin consents again within the stopped sync's lease time: the callback's sync must run now.
        await connectTenant(world, tenantId);
        expect(await deliver(world.services, syncMessage(world.services, tenantId, 'consent'))).toMatchObject({
            action: 'succeeded',
        });
        await expectTableEqualsDirectory(world, tenantId);
    });
});
