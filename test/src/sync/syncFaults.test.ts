/**
 * The sync under interruption and faults, against Azurite and the simulator: resuming from the
 * checkpoint, resyncs Graph forces, throttling storms and server errors.
 */
import type { Services } from '../../../src/app/services';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';
import {
    clearQueue,
    resetFaultsAndQueue,
    connectTenant,
    createTenant,
    deliver,
    expectTableEqualsDirectory,
    randomChanges,
    seededRandom,
    syncMessage,
    syncUntilIdle,
    takeQueued,
} from '../../support/syncHarness';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());
afterEach(() => resetFaultsAndQueue(world));

/** Graph requests the simulator answered since `since`. */
async function graphRequests(since: number) {
    const answer = await world.sim.control('GET', `/control/requests?since=${since}&service=graph`);
    return answer.body.requests as {
        path: string;
        query: string;
        status: number;
        earlyRetry?: boolean;
        tenant?: string;
    }[];
}
async function lastSeq(): Promise<number> {
    return (await world.sim.control('GET', '/control/requests?since=0')).body.lastSeq as number;
}

describe('resuming', () => {
    it('stops when its time budget is spent and resumes from the last committed page, exactly', async () => {
        const tenantId = await createTenant(world, 'Budget Traders', 1300);
        await connectTenant(world, tenantId);
        await world.sim.control('PATCH', '/control/graph', { latency: { fixedMs: 400 } });
        const services: Services = world.newServices({}, {}, (config) => ({
            ...config,
            sync: { ...config.sync, timeBudgetSeconds: 1 },
        }));
        const since = await lastSeq();
        const results = await syncUntilIdle(world, syncMessage(services, tenantId), { services });
        expect(results.length).toBeGreaterThan(1);
        expect(results.slice(0, -1).every((r) => r.action === 'continued')).toBe(true);
        expect(results.at(-1)?.action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId, services);
        // Seven pages of 200, each fetched exactly once: nothing was fetched twice or skipped.
        const pages = (await graphRequests(since)).filter(
            (r) => r.path.startsWith('/v1.0/users/delta') && r.status === 200,
        );
        expect(pages).toHaveLength(7);
        const [run] = await services.runs.recent(tenantId, 1);
        expect(run).toMatchObject({ outcome: 'succeeded', pages: 7, added: 1300, invocations: results.length });
    });

    it('after an interrupted round (Graph unreachable), a continuation resumes from the checkpoint', async () => {
        const tenantId = await createTenant(world, 'Interrupted Inc', 700);
        await connectTenant(world, tenantId);
        await world.sim.control('PATCH', '/control/graph', { latency: { fixedMs: 300 } });
        const services = world.newServices({}, {}, (config) => ({
            ...config,
            sync: { ...config.sync, timeBudgetSeconds: 1 },
        }));
        const first = await deliver(services, syncMessage(services, tenantId));
        expect(first.action).toBe('continued');
        const checkpoint = (await services.tenants.get(tenantId))?.record.round;
        expect(checkpoint?.pages).toBeGreaterThan(0);
        await clearQueue(services);
        // Graph now resets every connection: the next delivery gives up after its retries and keeps the checkpoint.
        await world.sim.control('POST', '/control/faults', { service: 'graph', reset: true, count: 100 });
        const failed = await deliver(services, {
            ...syncMessage(services, tenantId, 'continuation'),
            runId: checkpoint!.runId,
        });
        expect(failed).toMatchObject({ action: 'continued', reason: 'graph_unavailable' });
        expect((await services.tenants.get(tenantId))?.record.round).toMatchObject({
            nextLink: checkpoint?.nextLink,
            pages: checkpoint?.pages,
            failures: 1,
        });
        await world.sim.control('DELETE', '/control/faults');
        const queued = await takeQueued(services);
        expect(queued).toEqual([]); // the retry waits out its back-off (30 s); deliver it now instead
        const rest = await syncUntilIdle(
            world,
            { ...syncMessage(services, tenantId, 'continuation'), runId: checkpoint!.runId },
            { services },
        );
        expect(rest.at(-1)?.action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId, services);
    }, 60_000);
});

describe('resync', () => {
    it('an expired delta token (syncStateNotFound) starts a full round that sweeps users deleted meanwhile', async () => {
        const tenantId = await createTenant(world, 'Expired Tokens', 260);
        await connectTenant(world, tenantId);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        await randomChanges(world, tenantId, seededRandom(42), 20);
        await world.sim.control('POST', '/control/clock', { advanceSeconds: 8 * 24 * 3600 });
        // Tokens cached by the old clock would be expired for the simulator: a fresh instance.
        const services = world.newServices();
        const results = await syncUntilIdle(world, syncMessage(services, tenantId), { services });
        expect(results.at(-1)?.action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId, services);
        const tenant = (await services.tenants.get(tenantId))?.record;
        expect(tenant).toMatchObject({ fullGeneration: 2, status: 'active' });
        expect(tenant?.lastRun?.mode).toBe('full');
    });

    it('a 410 from the delta link starts a full round and the result is exact', async () => {
        const tenantId = await createTenant(world, 'Gone Resync', 80);
        await connectTenant(world, tenantId);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        await randomChanges(world, tenantId, seededRandom(7), 10);
        await world.sim.control('POST', '/control/faults', {
            service: 'graph',
            path: '/v1.0/users/delta',
            tenant: tenantId,
            status: 410,
            count: 1,
        });
        const results = await syncUntilIdle(world, syncMessage(world.services, tenantId));
        expect(results.map((r) => r.action)).toEqual(['succeeded']);
        await expectTableEqualsDirectory(world, tenantId);
        expect((await world.services.tenants.get(tenantId))?.record.lastRun?.mode).toBe('full');
    });
});

describe('faults', () => {
    it('a 429 storm on a third of requests and 503s: exact, and no request before its Retry-After', async () => {
        const tenantId = await createTenant(world, 'Storm Front', 1100);
        await connectTenant(world, tenantId);
        await world.sim.control('POST', '/control/faults', {
            service: 'graph',
            tenant: tenantId,
            path: '/v1.0/users/delta',
            status: 429,
            rate: 0.33,
            retryAfter: 1,
        });
        await world.sim.control('POST', '/control/faults', {
            service: 'graph',
            tenant: tenantId,
            status: 503,
            rate: 0.15,
        });
        const since = await lastSeq();
        const results = await syncUntilIdle(world, syncMessage(world.services, tenantId));
        expect(results.at(-1)?.action).toBe('succeeded');
        await expectTableEqualsDirectory(world, tenantId);
        const requests = (await graphRequests(since)).filter((r) => r.tenant === tenantId);
        expect(requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
        expect(requests.filter((r) => r.earlyRetry === true)).toEqual([]);
        const [run] = await world.services.runs.recent(tenantId, 1);
        expect(run?.throttled).toBe(requests.filter((r) => r.status === 429).length);
        expect(run?.waitedMs).toBeGreaterThanOrEqual(900 * (run?.throttled ?? 0));
    }, 60_000);

    it('a Retry-After longer than the inline limit re-queues the sync with that delay instead of waiting', async () => {
        const tenantId = await createTenant(world, 'Long Wait', 30);
        await connectTenant(world, tenantId);
        await world.sim.control('POST', '/control/faults', {
            service: 'graph',
            tenant: tenantId,
            status: 429,
            retryAfter: 120,
            count: 1,
        });
        const since = await lastSeq();
        const result = await deliver(world.services, syncMessage(world.services, tenantId));
        expect(result).toMatchObject({ action: 'continued', reason: 'throttled', delaySeconds: 120 });
        const tenant = (await world.services.tenants.get(tenantId))?.record;
        expect(Date.parse(tenant?.graphRetryAfter ?? '') - Date.now()).toBeGreaterThan(100_000);
        expect((await graphRequests(since)).filter((r) => r.tenant === tenantId)).toHaveLength(1);
        // Any delivery before then is put back, without a request to Graph.
        const early = await deliver(world.services, syncMessage(world.services, tenantId, 'manual'));
        expect(early).toMatchObject({ action: 'deferred' });
        expect((await graphRequests(since)).filter((r) => r.tenant === tenantId)).toHaveLength(1);
        expect(tenant?.status).toBe('active');
    });

    it('a next link Graph repeats stops the round with an error instead of looping or deleting', async () => {
        const tenantId = await createTenant(world, 'Loop Ltd', 500);
        await connectTenant(world, tenantId);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        const fault = await world.sim.control('POST', '/control/faults', {
            service: 'graph',
            tenant: tenantId,
            path: '/v1.0/users/delta',
            repeatNextLink: true,
            count: 50,
        });
        expect(fault.status).toBe(201);
        await world.sim.control('POST', '/control/clock', { advanceSeconds: 8 * 24 * 3600 });
        const services = world.newServices();
        const result = await deliver(services, syncMessage(services, tenantId));
        expect(result).toMatchObject({ action: 'failed', errorCode: 'graph_paging_loop' });
        expect((await services.tenants.get(tenantId))?.record).toMatchObject({ status: 'active', userCount: 500 });
        await world.sim.control('DELETE', '/control/faults');
        await expectTableEqualsDirectory(world, tenantId, services);
    });
});
