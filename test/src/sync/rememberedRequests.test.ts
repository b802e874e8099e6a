/**
 * A manual request that arrives while a round runs is remembered on the tenant row and answered by one
 * more round. That must hold up to the very end of the holder's lease: a request remembered after the
 * round's last checkpoint but before the lease is released must not be left behind.
 */
import type { ListTableEntitiesOptions, TableClient } from '@azure/data-tables';

import { TableName } from '../../../src/storage';
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

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());
afterEach(async () => {
    jest.restoreAllMocks();
    await clearQueue(world.services);
});

/**
 * Holds the worker at the step between a round's completion and the release of its lease (the pruning
 * of old runs, which lists the run keys). A spy, because no real fault can stop a process at exactly that
 * step and let another delivery in meanwhile.
 */
function holdAtPrune(table: TableClient): { reached: Promise<void>; release: () => void } {
    const original = table.listEntities.bind(table);
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    jest.spyOn(table, 'listEntities').mockImplementation((options?: ListTableEntitiesOptions) => {
        const entities = original(options);
        if (options?.queryOptions?.select?.join() !== 'RowKey') return entities;
        return (async function* () {
            reached();
            await gate;
            yield* entities;
        })() as unknown as ReturnType<TableClient['listEntities']>;
    });
    return { reached: reachedPromise, release };
}

it('a request remembered after the round’s last checkpoint, while the lease is still held, gets its round', async () => {
    const tenantId = await createTenant(world, 'Late Request', 30);
    await connectTenant(world, tenantId);
    const holder = world.newServices();
    const hold = holdAtPrune(holder.storage.table(TableName.runs));

    const first = syncMessage(holder, tenantId, 'manual');
    const running = deliver(holder, first);
    await hold.reached;
    // Another instance gets a request now: the round is over, but its worker still holds the lease.
    const other = world.newServices();
    const late = syncMessage(other, tenantId, 'manual');
    expect(await deliver(other, late)).toEqual({ action: 'remembered', runId: late.runId });
    hold.release();
    await running;

    // Nothing else will come for this tenant (no fan-out here): whatever the holder queued must answer it.
    for (const message of await takeQueued(holder)) await deliver(holder, message);
    expect(await holder.runs.get(tenantId, late.runId)).toMatchObject({ outcome: 'succeeded' });
    expect((await holder.tenants.get(tenantId))?.record).toMatchObject({ pendingRunIds: [], round: undefined });
    await expectTableEqualsDirectory(world, tenantId, holder);
});
