/**
 * The sync worker end to end against Azurite and the simulator: exact results after a first full
 * round, after random directory changes, after crashes and faults.
 */

import type { Services } from '../../../src/app/services';
import { TableName } from '../../../src/storage';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';
import {
    connectTenant,
    createTenant,
    directoryUsers,
    expectTableEqualsDirectory,
    randomChanges,
    seededRandom,
    syncMessage,
    syncUntilIdle,
    tableUsers,
} from '../../support/syncHarness';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());

describe('first sync', () => {
    it('copies every user of the tenant, property by property, and records the run', async () => {
        const tenantId = world.sim.tenantId('Contoso');
        await connectTenant(world, tenantId);
        const results = await syncUntilIdle(world, syncMessage(world.services, tenantId, 'consent'));
        expect(results.map((r) => r.action)).toEqual(['succeeded']);
        const count = await expectTableEqualsDirectory(world, tenantId);
        expect(count).toBe(120);
        const tenant = (await world.services.tenants.get(tenantId))?.record;
        expect(tenant).toMatchObject({ status: 'active', userCount: 120, fullGeneration: 1, round: undefined });
        expect(tenant?.deltaLink).toContain('$deltatoken=');
        expect(tenant?.lastRun).toMatchObject({
            outcome: 'succeeded',
            mode: 'full',
            added: 120,
            updated: 0,
            removed: 0,
        });
        const [run] = await world.services.runs.recent(tenantId, 1);
        expect(run).toMatchObject({ state: 'succeeded', outcome: 'succeeded', mode: 'full', added: 120, pages: 1 });
        expect(run?.graphRequests).toBeGreaterThanOrEqual(1);
    });
});

describe('delta sync', () => {
    it('pages a large tenant and, after random directory changes, makes the table equal the directory again (many seeds)', async () => {
        const tenantId = await createTenant(world, 'Delta Seeds Ltd', 450);
        await connectTenant(world, tenantId);
        const first = await syncUntilIdle(world, syncMessage(world.services, tenantId));
        expect(first.map((r) => r.action)).toEqual(['succeeded']);
        expect((await world.services.runs.recent(tenantId, 1))[0]).toMatchObject({ pages: 3, added: 450 });
        await expectTableEqualsDirectory(world, tenantId);

        for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
            const before = new Set((await tableUsers(world.services, tenantId)).keys());
            await randomChanges(world, tenantId, seededRandom(seed), 12);
            const results = await syncUntilIdle(world, syncMessage(world.services, tenantId));
            expect({ seed, actions: results.map((r) => r.action) }).toEqual({ seed, actions: ['succeeded'] });
            await expectTableEqualsDirectory(world, tenantId);
            const after = new Set((await tableUsers(world.services, tenantId)).keys());
            const [run] = await world.services.runs.recent(tenantId, 1);
            expect({ seed, ...run }).toMatchObject({
                seed,
                mode: 'delta',
                outcome: 'succeeded',
                added: [...after].filter((id) => !before.has(id)).length,
                removed: [...before].filter((id) => !after.has(id)).length,
            });
        }
        const tenant = (await world.services.tenants.get(tenantId))?.record;
        expect(tenant?.userCount).toBe((await directoryUsers(world, tenantId)).size);
    });

    it('counts a delta round’s additions, updates and removals', async () => {
        const tenantId = await createTenant(world, 'Counting Co', 30);
        await connectTenant(world, tenantId);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        const users = [...(await directoryUsers(world, tenantId)).keys()];
        await world.sim.control('POST', `/control/tenants/${tenantId}/users`, { displayName: 'Newcomer One' });
        await world.sim.control('POST', `/control/tenants/${tenantId}/users`, { displayName: 'Newcomer Two' });
        await world.sim.control('PATCH', `/control/tenants/${tenantId}/users/${users[3]}`, {
            jobTitle: 'Chief Tester',
        });
        await world.sim.control('DELETE', `/control/tenants/${tenantId}/users/${users[4]}`);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        const [run] = await world.services.runs.recent(tenantId, 1);
        expect(run).toMatchObject({ mode: 'delta', added: 2, updated: 1, removed: 1 });
        expect((await world.services.tenants.get(tenantId))?.record.userCount).toBe(31);
        await expectTableEqualsDirectory(world, tenantId);
    });

    it('reads only the changed users from the table, however many the tenant has, also when users were removed', async () => {
        const tenantId = await createTenant(world, 'Big Quiet Corp', 2500);
        await connectTenant(world, tenantId);
        await syncUntilIdle(world, syncMessage(world.services, tenantId));
        const users = [...(await directoryUsers(world, tenantId)).keys()];
        await world.sim.control('DELETE', `/control/tenants/${tenantId}/users/${users[10]}`);
        await world.sim.control('DELETE', `/control/tenants/${tenantId}/users/${users[20]}?permanent=true`);
        await world.sim.control('PATCH', `/control/tenants/${tenantId}/users/${users[30]}`, { jobTitle: 'Still here' });

        const reads = countUsersReads(world.services);
        try {
            await syncUntilIdle(world, syncMessage(world.services, tenantId));
        } finally {
            reads.stop();
        }
        const [run] = await world.services.runs.recent(tenantId, 1);
        expect(run).toMatchObject({ mode: 'delta', outcome: 'succeeded', added: 0, updated: 1, removed: 2 });
        expect((await world.services.tenants.get(tenantId))?.record.userCount).toBe(2498);
        // The changed users, looked up and counted: a handful of rows, not the tenant's 2,500 (twice).
        expect(reads.entities).toBeLessThan(20);
        // The removed users are read once: counted for the mass-deletion guard, then deleted by id.
        expect(reads.removedQueries).toBe(1);
        await expectTableEqualsDirectory(world, tenantId);
    });

    it('reads the removed users again to delete them when there are more than it keeps ids of', async () => {
        const tenantId = await createTenant(world, 'Many Leavers Corp', 40);
        await connectTenant(world, tenantId);
        const services = world.newServices({ markedIdsKept: 2 });
        await syncUntilIdle(world, syncMessage(services, tenantId), { services });
        const users = [...(await directoryUsers(world, tenantId)).keys()];
        for (const id of users.slice(0, 3))
            await world.sim.control('DELETE', `/control/tenants/${tenantId}/users/${id}`);

        const reads = countUsersReads(services);
        try {
            await syncUntilIdle(world, syncMessage(services, tenantId), { services });
        } finally {
            reads.stop();
        }
        const [run] = await services.runs.recent(tenantId, 1);
        expect(run).toMatchObject({ mode: 'delta', outcome: 'succeeded', removed: 3 });
        // Counted once, then read again to delete: three ids are more than it keeps.
        expect(reads.removedQueries).toBe(2);
        await expectTableEqualsDirectory(world, tenantId);
    });
});

/**
 * Counts what the table service returns to a worker's Users client (a pipeline policy of the real SDK):
 * entities, and queries for the users marked as removed.
 */
function countUsersReads(services: Services) {
    const pipeline = services.storage.table(TableName.users).pipeline;
    const counts = {
        entities: 0,
        removedQueries: 0,
        stop: () => {
            pipeline.removePolicy({ name: 'countUsersReads' });
        },
    };
    pipeline.addPolicy({
        name: 'countUsersReads',
        async sendRequest(request, next) {
            const response = await next(request);
            if (request.method !== 'GET') return response;
            if (decodeURIComponent(request.url).includes('pendingRemoval eq true')) counts.removedQueries += 1;
            if (response.bodyAsText)
                counts.entities += ((JSON.parse(response.bodyAsText) as { value?: unknown[] }).value ?? []).length;
            return response;
        },
    });
    return counts;
}
