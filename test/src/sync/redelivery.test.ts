/**
 * The queue delivers a message again when the worker that had it died (Azure Functions, and the local
 * host, make a failed message visible again). That copy drives the round the dead worker left behind:
 * it must carry it on once the dead worker's lease runs out, not be dropped as "already running".
 */
import { acquireLease, type TenantLease } from '../../../src/sync/tenantLease';
import { newRound } from '../../../src/sync/deltaRound';
import { waitFor } from '../../support/poll';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';
import {
    clearQueue,
    connectTenant,
    createTenant,
    deliver,
    expectTableEqualsDirectory,
    syncMessage,
    takeQueued,
} from '../../support/syncHarness';
import type { SyncMessage, SyncReason } from '../../../src/sync/syncMessage';

const LEASE = { durationMs: 1500, renewEveryMs: 500 };

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());
afterEach(() => clearQueue(world.services));

/** A delivery of `message` that took the lease and started the round, as the worker does, and then stopped. */
async function startedRound(tenantId: string, message: SyncMessage, owner: string): Promise<TenantLease> {
    const lease = await acquireLease(
        world.services.tenants,
        world.services.clock,
        tenantId,
        owner,
        LEASE,
        (current) => ({
            ...current,
            round: newRound(current, message.runId, 'manual', Date.now()),
        }),
    );
    if (lease === undefined || 'busy' in lease) throw new Error('could not take the lease');
    return lease;
}

const nextQueued = (services: ProductWorld['services']) =>
    waitFor(
        'the deferred copy to become visible',
        async () => {
            const taken = await takeQueued(services);
            return taken.length > 0 ? taken : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 200 },
    );

describe.each<SyncReason>(['manual', 'schedule'])('a %s message delivered again after its worker died', (reason) => {
    it('waits for the dead worker’s lease and then carries the round on to an exact end', async () => {
        const tenantId = await createTenant(world, `Redelivered ${reason}`, 60);
        await connectTenant(world, tenantId);
        const services = world.newServices({ lease: LEASE });
        const message = syncMessage(services, tenantId, reason);
        (await startedRound(tenantId, message, 'delivery-that-died')).abandon();

        const again = await deliver(services, message);
        expect(again).toMatchObject({ action: 'deferred' });
        // No fan-out runs here: the deferred copy is the only thing that can finish the run.
        const queued = await nextQueued(services);
        expect(queued).toEqual([expect.objectContaining({ tenantId, runId: message.runId, reason: 'continuation' })]);
        const resumed = await deliver(services, queued[0]!);
        expect(resumed).toMatchObject({ action: 'succeeded', runId: message.runId });
        expect(await services.runs.get(tenantId, message.runId)).toMatchObject({ outcome: 'succeeded' });
        await expectTableEqualsDirectory(world, tenantId, services);
    });
});

it('a copy delivered while the first worker is alive does not start a second round; it stops once that round ends', async () => {
    const tenantId = await createTenant(world, 'Duplicate Delivery', 30);
    await connectTenant(world, tenantId);
    const services = world.newServices({ lease: LEASE });
    const message = syncMessage(services, tenantId, 'manual');
    const alive = await startedRound(tenantId, message, 'delivery-still-running');

    expect(await deliver(services, message)).toMatchObject({ action: 'deferred' });
    expect((await services.tenants.get(tenantId))?.record.pendingRunIds).toEqual([]);
    // The live worker ends its round (the heartbeat kept its lease meanwhile).
    await alive.release((current) => ({ ...current, round: undefined }));
    const queued = await nextQueued(services);
    expect(await deliver(services, queued[0]!)).toEqual({ action: 'skipped', reason: 'that run has already finished' });
});
