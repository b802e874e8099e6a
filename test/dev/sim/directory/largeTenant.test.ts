/**
 * A 100,000-user tenant is generated lazily: it pages correctly end to end through Graph while the
 * simulator stores none of its users.
 */
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

const USERS = 100_000;

let t: TestSimulator;
let tenantId: string;
let token: string;

beforeAll(async () => {
    t = await startTestSimulator();
    const created = await t.control('POST', '/control/tenants', { displayName: 'Enormous Corp', userCount: USERS });
    expect(created.status).toBe(201);
    tenantId = created.body.id;
    token = await t.graphToken(tenantId);
});
afterAll(() => t.stop());

async function storedUsers(): Promise<number> {
    return (await t.control('GET', `/control/tenants/${tenantId}`)).body.storedUsers;
}

it('is created without storing users and counts them all', async () => {
    expect(await storedUsers()).toBe(0);
    const counted = await t.graph('/v1.0/users?$count=true&$top=1&$select=id', {
        token,
        headers: { ConsistencyLevel: 'eventual' },
    });
    expect((await counted.json())['@odata.count']).toBe(USERS);
    expect((await t.control('GET', `/control/tenants/${tenantId}`)).body).toMatchObject({
        size: 'large',
        userCount: USERS,
    });
});

it('pages through every user once with $top=999, first and last page as expected', async () => {
    const ids = new Set<string>();
    let next: string | undefined = '/v1.0/users?$top=999&$select=id,userPrincipalName';
    let pages = 0;
    let first: Json[] = [];
    let last: Json[] = [];
    while (next) {
        const response = await t.graph(next, { token });
        expect(response.status).toBe(200);
        const body: Json = await response.json();
        if (pages === 0) first = body.value;
        last = body.value;
        for (const user of body.value) ids.add(user.id);
        next = body['@odata.nextLink'];
        pages++;
    }
    expect(pages).toBe(Math.ceil(USERS / 999));
    expect(first).toHaveLength(999);
    expect(last).toHaveLength(USERS % 999);
    expect(ids.size).toBe(USERS);
    const truthFirst = (await t.control('GET', `/control/tenants/${tenantId}/users?top=999`)).body.users;
    expect(first.map((u) => u.id)).toEqual(truthFirst.map((u: Json) => u.id));
    const truthLast = (await t.control('GET', `/control/tenants/${tenantId}/users?skip=${USERS - (USERS % 999)}`)).body
        .users;
    expect(last).toEqual(truthLast.map((u: Json) => ({ id: u.id, userPrincipalName: u.userPrincipalName })));
    expect(await storedUsers()).toBe(0);
});

it('finds the last user by id and by sign-in name, and stores only what changes', async () => {
    const lastUser = (await t.control('GET', `/control/tenants/${tenantId}/users?skip=${USERS - 1}`)).body.users[0];
    const byId = await t.graph(`/v1.0/users/${lastUser.id as string}?$select=displayName`, { token });
    expect(await byId.json()).toMatchObject({ id: lastUser.id, displayName: lastUser.displayName });
    const byUpn = await t.graph(`/v1.0/users/${encodeURIComponent(lastUser.userPrincipalName as string)}`, { token });
    expect(byUpn.status).toBe(200);

    await t.control('PATCH', `/control/tenants/${tenantId}/users/${lastUser.id as string}`, {
        jobTitle: 'Last but not least',
    });
    expect(await storedUsers()).toBe(1);
    const delta = await t.graph('/v1.0/users/delta?$deltatoken=latest&$select=jobTitle', { token });
    const deltaLink = (await delta.json())['@odata.deltaLink'];
    await t.control('DELETE', `/control/tenants/${tenantId}/users/${lastUser.id as string}`);
    const round = await (await t.graph(deltaLink, { token })).json();
    expect(round.value).toEqual([{ id: lastUser.id, '@removed': { reason: 'changed' } }]);
    expect((await t.control('GET', `/control/tenants/${tenantId}`)).body.userCount).toBe(USERS - 1);
});
