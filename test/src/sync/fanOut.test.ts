/**
 * The fan-out against Azurite: which tenants it enqueues and why it skips the others, the jitter of
 * their start, the markers that stop a second fan-out from enqueuing them again, and stalled rounds.
 */
import { fanOut } from '../../../src/sync/fanOut';
import { createQueuedMarkers } from '../../../src/sync/queuedMarkers';
import { TableName } from '../../../src/storage';
import { changeStatus, newTenantRecord, type TenantRecord, TenantStatus } from '../../../src/tenants';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';
import { clearQueue, takeQueued, testLogger } from '../../support/syncHarness';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());
beforeEach(async () => {
    await clearQueue(world.services);
    // Each test starts from an empty Tenants table.
    const table = world.services.storage.table(TableName.tenants);
    for await (const entity of table.listEntities())
        await table.deleteEntity(entity.partitionKey ?? '', entity.rowKey ?? '');
});

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** Tenant ids whose first hex digit (the marker's partition) runs through all sixteen. */
const spreadId = (n: number) => `${(n % 16).toString(16)}0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function addTenant(n: number, change: (record: TenantRecord) => TenantRecord = (r) => r) {
    const now = new Date();
    await world.services.tenants.upsert(
        id(n),
        () => newTenantRecord(id(n), `Tenant ${n}`, TenantStatus.active, now),
        (current) => change(current),
    );
}

async function addTenantWithId(tenantId: string) {
    await world.services.tenants.upsert(
        tenantId,
        () => newTenantRecord(tenantId, tenantId, TenantStatus.active, new Date()),
        (r) => r,
    );
}

function deps(random: () => number = () => 0.5) {
    const { services } = world;
    return {
        tenants: services.tenants,
        markers: services.markers,
        queue: services.syncQueue,
        clock: services.clock,
        sync: { ...services.config.sync, jitterSeconds: 0 },
        random,
        randomHex: services.randomHex,
    };
}

describe('fan-out', () => {
    it('enqueues each due tenant once, and skips tenants already queued, running, synced recently or in error', async () => {
        const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
        await addTenant(1);
        await addTenant(2, (r) => ({ ...r, status: TenantStatus.pending }));
        await addTenant(3, (r) => ({ ...r, lastSyncAt: minutesAgo(5) }));
        await addTenant(4, (r) => ({ ...r, lastSyncAt: minutesAgo(60) }));
        await addTenant(5, (r) => ({
            ...r,
            leaseOwner: 'someone',
            leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
        }));
        await addTenant(6, (r) => ({
            ...r,
            ...changeStatus(r, { status: TenantStatus.error, statusCode: 'mass_delete_blocked' }, new Date()),
        }));
        await addTenant(7, (r) => ({
            ...r,
            ...changeStatus(r, { status: TenantStatus.error, statusCode: 'client_secret_invalid' }, new Date()),
        }));
        await addTenant(8, (r) => ({ ...r, ...changeStatus(r, { status: TenantStatus.consentRequired }, new Date()) }));
        await addTenant(9, (r) => ({ ...r, ...changeStatus(r, { status: TenantStatus.disconnected }, new Date()) }));

        const first = await fanOut(deps(), 'corr-1', testLogger());
        expect(first).toEqual({ seen: 7, enqueued: 4, skipped: { queued: 0, running: 1, recent: 1, error: 1 } });
        const messages = await takeQueued(world.services);
        expect(messages.map((m) => m.tenantId).sort()).toEqual([id(1), id(2), id(4), id(7)]);
        expect(messages.every((m) => m.reason === 'schedule' && m.correlationId === 'corr-1')).toBe(true);

        // The messages are marked as queued: the next fan-out does not add them again.
        const second = await fanOut(deps(), 'corr-2', testLogger());
        expect(second).toEqual({ seen: 7, enqueued: 0, skipped: { queued: 4, running: 1, recent: 1, error: 1 } });
        expect(await takeQueued(world.services)).toEqual([]);
    });

    it('a worker taking the message clears the marker; a marker older than the jitter window plus 30 minutes is stale', async () => {
        await addTenant(1);
        await addTenant(2);
        const markers = createQueuedMarkers(world.services.storage.table(TableName.tenants));
        await markers.mark([
            { tenantId: id(1), runId: 'r1', queuedAt: Date.now() - 31 * 60_000 },
            { tenantId: id(2), runId: 'r2', queuedAt: Date.now() },
        ]);
        const result = await fanOut(deps(), 'corr', testLogger());
        expect(result).toMatchObject({ enqueued: 1, skipped: { queued: 1 } });
        await markers.clear(id(2));
        await markers.clear(id(2)); // clearing twice is fine
        expect((await fanOut(deps(), 'corr', testLogger())).enqueued).toBe(1);
    });

    it('spreads the starts over the jitter window with the message visibility delay', async () => {
        for (let n = 1; n <= 6; n++) await addTenant(n);
        const draws = [0, 0.2, 0.4, 0.6, 0.8, 0.99];
        let i = 0;
        const result = await fanOut(
            { ...deps(() => draws[i++] ?? 0), sync: { ...world.config.sync, jitterSeconds: 100 } },
            'c',
            testLogger(),
        );
        expect(result.enqueued).toBe(6);
        // Only the one drawn at 0 is visible now; the others wait 20 to 99 seconds.
        expect((await takeQueued(world.services)).map((m) => m.tenantId)).toEqual([id(1)]);
    });

    it('carries on a round whose worker is gone with a continuation of the same run', async () => {
        await addTenant(1, (r) => ({
            ...r,
            round: {
                runId: '8000000000000-abcdef01',
                mode: 'full',
                trigger: 'consent',
                startedAt: new Date().toISOString(),
                generation: 1,
                nextLink: '/v1.0/users/delta?$skiptoken=x',
                pages: 3,
                added: 600,
                updated: 0,
                removed: 0,
                usersBefore: 0,
                failures: 0,
            },
            leaseOwner: 'crashed',
            leaseExpiresAt: new Date(Date.now() - 1000).toISOString(),
            lastSyncAt: new Date().toISOString(),
        }));
        expect(await fanOut(deps(), 'c', testLogger())).toMatchObject({ enqueued: 1 });
        expect(await takeQueued(world.services)).toEqual([
            expect.objectContaining({ tenantId: id(1), reason: 'continuation', runId: '8000000000000-abcdef01' }),
        ]);
    });

    it('pages through many tenants (more than one table page) and enqueues every one', async () => {
        const count = 1100;
        const now = new Date();
        const table = world.services.storage.table(TableName.tenants);
        await Promise.all(
            Array.from({ length: count }, (_, n) =>
                world.services.tenants.upsert(
                    spreadId(n),
                    () => newTenantRecord(spreadId(n), `T${n}`, TenantStatus.active, now),
                    (r) => r,
                ),
            ),
        );
        const result = await fanOut(deps(), 'c', testLogger());
        expect(result).toEqual({
            seen: count,
            enqueued: count,
            skipped: { queued: 0, running: 0, recent: 0, error: 0 },
        });
        const marked: string[] = [];
        for await (const marker of createQueuedMarkers(table).stream()) marked.push(marker.tenantId);
        // Read back across the sixteen partitions in tenant-id order, as the fan-out joins them.
        expect(marked).toEqual(Array.from({ length: count }, (_, n) => spreadId(n)).sort());
        expect(await fanOut(deps(), 'c', testLogger())).toMatchObject({ enqueued: 0, skipped: { queued: count } });
    }, 60_000);

    it("keeps the markers in sixteen partitions by the tenant id's first hex digit", async () => {
        for (let n = 0; n < 32; n++) await addTenantWithId(spreadId(n));
        await fanOut(deps(), 'c', testLogger());
        const table = world.services.storage.table(TableName.tenants);
        const partitions = new Map<string, number>();
        for await (const entity of table.listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'] } }))
            if (entity.rowKey !== 'tenant')
                partitions.set(entity.partitionKey ?? '', (partitions.get(entity.partitionKey ?? '') ?? 0) + 1);
        expect([...partitions.keys()].sort()).toEqual([...'0123456789abcdef'].map((digit) => `~queued-${digit}`));
        expect([...partitions.values()]).toEqual(Array.from({ length: 16 }, () => 2));
    });

    it('skips, by its marker, a tenant queued in any partition while the others are enqueued', async () => {
        for (let n = 0; n < 16; n++) await addTenantWithId(spreadId(n));
        const queuedAt = Date.now();
        const queued = [spreadId(0), spreadId(7), spreadId(15)];
        await world.services.markers.mark(queued.map((tenantId) => ({ tenantId, runId: 'r', queuedAt })));
        expect(await fanOut(deps(), 'c', testLogger())).toMatchObject({ enqueued: 13, skipped: { queued: 3 } });
        const sent = (await takeQueued(world.services)).map((m) => m.tenantId);
        expect(sent).toHaveLength(13);
        expect(sent.filter((tenantId) => queued.includes(tenantId))).toEqual([]);
    });

    it('fails when its markers cannot be written, after the sends it had started', async () => {
        for (let n = 0; n < 3; n++) await addTenant(n);
        // A real storage error from Azurite: the markers' table does not exist.
        const missing = createQueuedMarkers(world.services.storage.table('MissingMarkers' as TableName));
        const failing = {
            ...world.services.markers,
            mark: (markers: Parameters<typeof missing.mark>[0]) => missing.mark(markers),
        };
        await expect(fanOut({ ...deps(), markers: failing }, 'c', testLogger())).rejects.toMatchObject({
            code: 'storage_unavailable',
        });
        expect(await takeQueued(world.services)).toHaveLength(3);
    });
});
