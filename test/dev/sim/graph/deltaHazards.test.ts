/**
 * What Microsoft Graph's delta documentation warns clients about, as settings (PATCH /control/graph, `delta`):
 * "Use delta query to track changes in Microsoft Graph data" (microsoftgraph/microsoft-graph-docs-contrib,
 * concepts/delta-query-overview.md):
 * - "The @removed object can be returned in the initial delta query response" → removedInInitialRound;
 * - Replays: "the same change appears in subsequent responses" → replayChanges;
 * - Processing delays: changes "might not be indicated" until a later request (replication delays) →
 *   replicationDelayMs.
 * A client that merges by id and treats `@removed` of an unknown id as nothing still ends exact.
 */
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let t: TestSimulator;
let token: string;
let tenant: string;

beforeAll(async () => {
    t = await startTestSimulator();
});
afterAll(() => t.stop());
// Each test works on a tenant of its own, so their changes do not meet.
beforeEach(async () => {
    const created = await t.control('POST', '/control/tenants', { displayName: `Delta ${Date.now()}`, userCount: 12 });
    tenant = created.body.id;
    token = await t.graphToken(tenant);
});
afterEach(async () => {
    await t.control('PATCH', '/control/graph', {
        delta: { removedInInitialRound: false, replayChanges: 0, replicationDelayMs: 0, pageSize: 200 },
    });
});

const SELECT = 'displayName,jobTitle';

async function round(link: string): Promise<{ items: Json[]; deltaLink: string }> {
    const items: Json[] = [];
    for (let next = link, pages = 0; ; pages++) {
        expect(pages).toBeLessThan(100);
        const body = await (await t.graph(next, { token })).json();
        items.push(...body.value);
        if (body['@odata.deltaLink']) return { items, deltaLink: body['@odata.deltaLink'] };
        next = body['@odata.nextLink'];
    }
}

function apply(local: Map<string, Json>, items: Json[]): void {
    for (const item of items) {
        if (item['@removed']) local.delete(item.id);
        else local.set(item.id, { ...local.get(item.id), ...item });
    }
}

async function truth(): Promise<Json[]> {
    const users = (await t.control('GET', `/control/tenants/${tenant}/users`)).body.users as Json[];
    return users
        .filter((u) => u.state === 'active')
        .map((u) => ({ id: u.id, displayName: u.displayName, jobTitle: u.jobTitle }))
        .sort((a, b) => a.id.localeCompare(b.id));
}

function mine(local: Map<string, Json>): Json[] {
    return [...local.values()]
        .map((u) => ({ id: u.id, displayName: u.displayName, jobTitle: u.jobTitle }))
        .sort((a, b) => a.id.localeCompare(b.id));
}

async function users(): Promise<Json[]> {
    return (await t.control('GET', `/control/tenants/${tenant}/users`)).body.users;
}

async function patch(id: string, body: Json): Promise<void> {
    expect((await t.control('PATCH', `/control/tenants/${tenant}/users/${id}`, body)).status).toBe(200);
}

it('the initial round lists users in deleted items as @removed when removedInInitialRound is on', async () => {
    const [victim] = await users();
    await t.control('DELETE', `/control/tenants/${tenant}/users/${victim.id}`);
    const plain = await round(`/v1.0/users/delta?$select=${SELECT}`);
    expect(plain.items.some((i) => i.id === victim.id)).toBe(false);

    const settings = await t.control('PATCH', '/control/graph', {
        delta: { removedInInitialRound: true, pageSize: 5 },
    });
    expect(settings.body.settings.delta.removedInInitialRound).toBe(true);
    const hazard = await round(`/v1.0/users/delta?$select=${SELECT}`);
    expect(hazard.items.filter((i) => i.id === victim.id)).toEqual([
        { id: victim.id, '@removed': { reason: 'changed' } },
    ]);
    expect(hazard.items).toHaveLength(plain.items.length + 1);
    const local = new Map<string, Json>();
    apply(local, hazard.items);
    expect(mine(local)).toEqual(await truth());
});

it('replayChanges delivers the last changes of a round once more in the next round, then no more', async () => {
    await t.control('PATCH', '/control/graph', { delta: { replayChanges: 2 } });
    const local = new Map<string, Json>();
    const initial = await round(`/v1.0/users/delta?$select=${SELECT}`);
    apply(local, initial.items);
    const [a, b, c] = await users();
    await patch(a.id, { jobTitle: 'First' });
    await patch(b.id, { jobTitle: 'Second' });
    await patch(c.id, { jobTitle: 'Third' });

    const first = await round(initial.deltaLink);
    expect(first.items.map((i) => i.id)).toEqual([a.id, b.id, c.id]);
    apply(local, first.items);
    // Nothing changed since, yet the last two changes come again: a replay.
    const replay = await round(first.deltaLink);
    expect(replay.items).toEqual([
        { id: b.id, displayName: b.displayName, jobTitle: 'Second' },
        { id: c.id, displayName: c.displayName, jobTitle: 'Third' },
    ]);
    apply(local, replay.items);
    expect((await round(replay.deltaLink)).items).toEqual([]);
    expect(mine(local)).toEqual(await truth());
});

it('replicationDelayMs holds a fresh change back to a later round (simulator clock)', async () => {
    await t.control('PATCH', '/control/graph', { delta: { replicationDelayMs: 30_000 } });
    const local = new Map<string, Json>();
    const initial = await round(`/v1.0/users/delta?$select=${SELECT}`);
    apply(local, initial.items);
    const [early, late] = await users();
    await patch(early.id, { jobTitle: 'Replicated' });
    await t.control('POST', '/control/clock', { advanceSeconds: 31 });
    await patch(late.id, { jobTitle: 'Still replicating' });

    const first = await round(initial.deltaLink);
    // Made before this round, but only 0 s old: not in it.
    expect(first.items.map((i) => i.id)).toEqual([early.id]);
    apply(local, first.items);
    expect(mine(local)).not.toEqual(await truth());
    await t.control('POST', '/control/clock', { advanceSeconds: 31 });
    const second = await round(first.deltaLink);
    expect(second.items).toEqual([{ id: late.id, displayName: late.displayName, jobTitle: 'Still replicating' }]);
    apply(local, second.items);
    expect(mine(local)).toEqual(await truth());
});

it('with every hazard on, a client that merges by id ends exact once the changes have replicated', async () => {
    await t.control('PATCH', '/control/graph', {
        delta: { removedInInitialRound: true, replayChanges: 3, replicationDelayMs: 5_000, pageSize: 4 },
    });
    const local = new Map<string, Json>();
    let link = `/v1.0/users/delta?$select=${SELECT}`;
    for (let r = 0; r < 6; r++) {
        const result = await round(link);
        apply(local, result.items);
        link = result.deltaLink;
        const all = (await users()).filter((u) => u.state === 'active');
        await patch(all[r % all.length].id, { displayName: `Round ${r}` });
        if (r % 2 === 0) await t.control('DELETE', `/control/tenants/${tenant}/users/${all[(r + 3) % all.length].id}`);
        if (r === 3) await t.control('POST', `/control/tenants/${tenant}/users`, { displayName: 'Late Arrival' });
        await t.control('POST', '/control/clock', { advanceSeconds: r % 2 === 0 ? 1 : 4 });
    }
    await t.control('POST', '/control/clock', { advanceSeconds: 6 });
    apply(local, (await round(link)).items);
    expect(mine(local)).toEqual(await truth());
});
