/** The Users table against Azurite: batched upserts, lookups, name-prefix search, deletions. */
import { randomUUID } from 'node:crypto';

import { TableClient } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

import { TableName } from '../../../src/storage';
import type { SyncedUser } from '../../../src/sync/syncedUser';
import { createUsersStore } from '../../../src/sync/usersStore';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());

function user(displayName: string | null, extra: Partial<SyncedUser> = {}): SyncedUser {
    return {
        id: randomUUID(),
        displayName,
        givenName: null,
        surname: null,
        userPrincipalName: `${randomUUID()}@example.com`,
        mail: null,
        jobTitle: null,
        department: null,
        officeLocation: null,
        accountEnabled: true,
        userType: 'Member',
        ...extra,
    };
}

describe('users store', () => {
    it('writes more than one transaction’s worth, keeps the last of duplicate ids, and stores values exactly', async () => {
        const tenantId = randomUUID();
        const store = world.services.users;
        const users = Array.from({ length: 250 }, (_, i) => user(`User ${i}`));
        const hostile = user('<script>alert(1)</script> ‮evil‭ 🙂\u0007', { jobTitle: 'x'.repeat(256), mail: null });
        const first = users[0] as SyncedUser;
        await store.upsert(tenantId, [...users, hostile, { ...first, jobTitle: 'Changed' }], 1);
        expect(await store.count(tenantId)).toBe(251);
        const listed = await store.list(tenantId, { pageSize: 1000 });
        expect(listed.users.find((u) => u.id === hostile.id)).toEqual(hostile);
        expect(listed.users.find((u) => u.id === first.id)?.jobTitle).toBe('Changed');
    });

    it('finds which of many ids exist (more than one filter’s worth of comparisons)', async () => {
        const tenantId = randomUUID();
        const users = Array.from({ length: 30 }, (_, i) => user(`U${i}`));
        await world.services.users.upsert(tenantId, users, 1);
        const asked = [...users.slice(0, 20).map((u) => u.id), ...Array.from({ length: 20 }, () => randomUUID())];
        const found = await world.services.users.existing(tenantId, asked);
        expect([...found].sort()).toEqual(
            users
                .slice(0, 20)
                .map((u) => u.id)
                .sort(),
        );
    });

    it('searches by display-name prefix, ignoring case and width', async () => {
        const tenantId = randomUUID();
        const names = ['Zoë Adler', 'zoe Brown', 'ＺＯＥ Wide', 'Zora Smith', 'Łukasz Zoe', null];
        await world.services.users.upsert(
            tenantId,
            names.map((n) => user(n)),
            1,
        );
        const search = async (prefix: string) =>
            (await world.services.users.list(tenantId, { pageSize: 100, namePrefix: prefix })).users
                .map((u) => u.displayName)
                .sort();
        expect(await search('zo')).toEqual(['zoe Brown', 'Zora Smith', 'Zoë Adler', 'ＺＯＥ Wide'].sort());
        expect(await search('ZOE')).toEqual(['zoe Brown', 'ＺＯＥ Wide'].sort());
        expect(await search('ł')).toEqual(['Łukasz Zoe']);
        expect(await search('nobody')).toEqual([]);
    });

    it('counts and deletes users marked removed or not seen since a generation, and deletes a tenant’s users', async () => {
        const tenantId = randomUUID();
        const store = world.services.users;
        const old = Array.from({ length: 5 }, (_, i) => user(`Old ${i}`));
        const seen = Array.from({ length: 7 }, (_, i) => user(`Seen ${i}`));
        await store.upsert(tenantId, old, 1);
        await store.upsert(tenantId, seen, 2);
        await store.markRemoved(tenantId, [seen[0]?.id ?? '', randomUUID()]);
        expect(await store.countDeletions(tenantId, {})).toEqual({ candidates: 1, remaining: 11 });
        expect(await store.countDeletions(tenantId, { staleBefore: 2 })).toEqual({ candidates: 6, remaining: 6 });
        expect(await store.deleteCandidates(tenantId, { staleBefore: 2 })).toBe(6);
        expect(await store.count(tenantId)).toBe(6);
        expect(await store.deleteAll(tenantId)).toBe(6);
        expect(await store.count(tenantId)).toBe(0);
    });

    it('without staleBefore, counts and deletes the users marked removed reading only those, however many the tenant has', async () => {
        // Counts the entities the table service returns to this client (a pipeline policy of the real SDK).
        let entitiesRead = 0;
        const counting: PipelinePolicy = {
            name: 'countEntitiesRead',
            async sendRequest(request, next) {
                const response = await next(request);
                if (request.method === 'GET' && response.bodyAsText)
                    entitiesRead += ((JSON.parse(response.bodyAsText) as { value?: unknown[] }).value ?? []).length;
                return response;
            },
        };
        const table = TableClient.fromConnectionString(world.azurite.connectionString, TableName.users, {
            allowInsecureConnection: true,
            additionalPolicies: [{ policy: counting, position: 'perCall' }],
        });
        const store = createUsersStore(table);
        const tenantId = randomUUID();
        const users = Array.from({ length: 2500 }, (_, i) => user(`User ${i}`));
        await store.upsert(tenantId, users, 1);
        const leavers = users.slice(100, 103).map((u) => u.id);
        await store.markRemoved(tenantId, leavers);

        entitiesRead = 0;
        const marked = await store.markedUsers(tenantId, 3);
        expect(marked.count).toBe(3);
        expect(new Set(marked.ids)).toEqual(new Set(leavers));
        expect(entitiesRead).toBe(3);
        // More marked users than it may keep: the count only, and deleteCandidates reads them again.
        expect(await store.markedUsers(tenantId, 2)).toEqual({ count: 3, ids: undefined });
        entitiesRead = 0;
        expect(await store.deleteCandidates(tenantId, {})).toBe(3);
        expect(entitiesRead).toBe(3);
        expect(await store.count(tenantId)).toBe(2497);
        expect(await store.existing(tenantId, leavers)).toEqual(new Set());
    });
});
