/**
 * Graph delta query: rounds of /users/delta applied to a local copy must reproduce the directory
 * exactly, whatever sequence of changes the control API makes (seeded, property-style).
 */
import { seededRandom } from '../../../../dev/sim/core/ids';
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let t: TestSimulator;
let fabrikam: string;
let contoso: string;

beforeAll(async () => {
    t = await startTestSimulator();
    fabrikam = t.tenantId('Fabrikam');
    contoso = t.tenantId('Contoso');
});
afterAll(() => t.stop());

interface Round {
    items: Json[];
    pages: Json[];
    deltaLink: string;
}

/** Follows nextLinks until the deltaLink; optionally runs `between` after each non-final page. */
async function runRound(
    link: string,
    token: string,
    headers: Record<string, string> = {},
    between?: () => Promise<void>,
) {
    const round: Round = { items: [], pages: [], deltaLink: '' };
    let next: string | undefined = link;
    while (next) {
        const response = await t.graph(next, { token, headers });
        expect(response.status).toBe(200);
        expect(response.headers.get('preference-applied')).toContain('odata.track-changes');
        const body: Json = await response.json();
        expect('@odata.nextLink' in body && '@odata.deltaLink' in body).toBe(false);
        round.pages.push(body);
        round.items.push(...body.value);
        if (body['@odata.deltaLink']) {
            round.deltaLink = body['@odata.deltaLink'];
            next = undefined;
        } else {
            next = body['@odata.nextLink'];
            expect(next).toBeDefined();
            if (between) await between();
        }
        expect(round.pages.length).toBeLessThan(500);
    }
    return round;
}

/** A sync client's local store: `@removed` deletes, anything else merges into the object. */
function apply(local: Map<string, Json>, items: Json[]): void {
    for (const item of items) {
        if (item['@removed']) local.delete(item.id);
        else local.set(item.id, { ...local.get(item.id), ...item });
    }
}

async function directory(tenantId: string): Promise<Json[]> {
    const answer = await t.control('GET', `/control/tenants/${tenantId}/users`);
    expect(answer.status).toBe(200);
    return answer.body.users;
}

async function expectSameAsDirectory(local: Map<string, Json>, tenantId: string, properties: string[]) {
    const truth = (await directory(tenantId))
        .filter((u) => u.state === 'active')
        .map((u) => Object.fromEntries([...properties, 'id'].map((p) => [p, u[p]])));
    const mine = [...local.values()].map((u) => Object.fromEntries([...properties, 'id'].map((p) => [p, u[p]])));
    const byId = (a: Json, b: Json) => String(a.id).localeCompare(String(b.id));
    expect(mine.sort(byId)).toEqual(truth.sort(byId));
}

const NAMES = [
    'Zoë Adler',
    "Seán O'Neill",
    'Łucja Nowak',
    '李娜',
    'نور حداد',
    'שירה אברהם',
    'Ngô Bảo Châu',
    'Chris 🚀 Lee',
];
const TITLES = ['Engineer', 'Designer', null, 'Head of Ops', 'Recruiter'];

/** One random directory change through the control API, drawn from `random`. */
async function randomChange(tenantId: string, random: () => number, serial: number): Promise<string> {
    const users = await directory(tenantId);
    const active = users.filter((u) => u.state === 'active');
    const soft = users.filter((u) => u.state === 'softDeleted');
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
    const roll = random();
    if (roll < 0.2 || active.length < 5) {
        const name = pick(NAMES);
        const created = await t.control('POST', `/control/tenants/${tenantId}/users`, {
            displayName: `${name} ${serial}`,
            jobTitle: pick(TITLES),
            mail: random() < 0.5 ? `new${serial}@example.org` : null,
            businessPhones: random() < 0.5 ? ['+1 425 555 0199'] : [],
        });
        expect(created.status).toBe(201);
        return `create ${created.body.id}`;
    }
    if (roll < 0.6) {
        const target = pick(active);
        const patch: Json = {};
        const fields = ['displayName', 'jobTitle', 'mail', 'accountEnabled', 'department', 'otherMails', 'surname'];
        for (const field of fields) if (random() < 0.35) patch[field] = undefined;
        if (Object.keys(patch).length === 0) patch.jobTitle = undefined;
        for (const field of Object.keys(patch)) {
            if (field === 'displayName') patch[field] = `${pick(NAMES)} r${serial}`;
            if (field === 'jobTitle') patch[field] = pick(TITLES);
            if (field === 'mail') patch[field] = random() < 0.3 ? null : `m${serial}@example.org`;
            if (field === 'accountEnabled') patch[field] = !target.accountEnabled;
            if (field === 'department') patch[field] = random() < 0.5 ? null : 'Dept ' + String(serial);
            if (field === 'otherMails') patch[field] = random() < 0.5 ? [] : [`o${serial}@example.net`];
            if (field === 'surname') patch[field] = random() < 0.5 ? null : "D'Souza";
        }
        const updated = await t.control('PATCH', `/control/tenants/${tenantId}/users/${target.id}`, patch);
        expect(updated.status).toBe(200);
        return `update ${target.id} ${Object.keys(patch).join(',')}`;
    }
    if (roll < 0.75) {
        const target = pick(active);
        expect((await t.control('DELETE', `/control/tenants/${tenantId}/users/${target.id}`)).status).toBe(200);
        return `soft delete ${target.id}`;
    }
    if (roll < 0.88) {
        const target = pick([...active, ...soft]);
        const deleted = await t.control('DELETE', `/control/tenants/${tenantId}/users/${target.id}?permanent=true`);
        expect(deleted.status).toBe(200);
        return `hard delete ${target.id}`;
    }
    if (soft.length === 0) return 'nothing to restore';
    const target = pick(soft);
    expect((await t.control('POST', `/control/tenants/${tenantId}/users/${target.id}/restore`)).status).toBe(200);
    return `restore ${target.id}`;
}

describe('GET /v1.0/users/delta', () => {
    it('reproduces the directory after every round of random changes (property-style, seeded)', async () => {
        const token = await t.graphToken(fabrikam);
        const properties = [
            'displayName',
            'jobTitle',
            'mail',
            'accountEnabled',
            'department',
            'otherMails',
            'surname',
            'userPrincipalName',
        ];
        const local = new Map<string, Json>();
        const initial = await runRound(`/v1.0/users/delta?$select=${properties.join(',')}`, token, {
            prefer: 'odata.maxpagesize=7',
        });
        expect(initial.pages.length).toBe(4);
        apply(local, initial.items);
        await expectSameAsDirectory(local, fabrikam, properties);

        const random = seededRandom('delta-property-test');
        let link = initial.deltaLink;
        let serial = 0;
        for (let roundNo = 0; roundNo < 8; roundNo++) {
            const operations: string[] = [];
            const count = 1 + Math.floor(random() * 12);
            for (let i = 0; i < count; i++) operations.push(await randomChange(fabrikam, random, serial++));
            const round = await runRound(link, token, { prefer: 'odata.maxpagesize=4' });
            apply(local, round.items);
            await expectSameAsDirectory(local, fabrikam, properties);
            link = round.deltaLink;
        }
        // A round without changes is empty and still hands out a deltaLink.
        const quiet = await runRound(link, token);
        expect(quiet.items).toEqual([]);
        expect(quiet.deltaLink).toMatch(/\$deltatoken=/);
    });

    it('picks up changes made while the initial round is being paged, with return=minimal', async () => {
        const token = await t.graphToken(contoso);
        const properties = [
            'displayName',
            'givenName',
            'surname',
            'mail',
            'jobTitle',
            'businessPhones',
            'userPrincipalName',
        ];
        const random = seededRandom('delta-during-round');
        let serial = 1000;
        const local = new Map<string, Json>();
        const headers = { prefer: 'odata.maxpagesize=20, return=minimal' };
        const initial = await runRound(
            `/v1.0/users/delta?$select=${properties.join(',')}`,
            token,
            headers,
            async () => {
                for (let i = 0; i < 3; i++) await randomChange(contoso, random, serial++);
            },
        );
        apply(local, initial.items);
        const followUp = await runRound(initial.deltaLink, token, headers, async () => {
            await randomChange(contoso, random, serial++);
        });
        apply(local, followUp.items);
        const settle = await runRound(followUp.deltaLink, token, headers);
        apply(local, settle.items);
        await expectSameAsDirectory(local, contoso, properties);
    });

    it('tracks only the selected properties and reports current values of all of them', async () => {
        const token = await t.graphToken(fabrikam);
        const start = await runRound('/v1.0/users/delta?$select=displayName,mail', token);
        const target = (await directory(fabrikam)).find((u) => u.state === 'active')!;
        await t.control('PATCH', `/control/tenants/${fabrikam}/users/${target.id}`, { jobTitle: 'Untracked change' });
        const untracked = await runRound(start.deltaLink, token);
        expect(untracked.items).toEqual([]);
        await t.control('PATCH', `/control/tenants/${fabrikam}/users/${target.id}`, { displayName: 'Tracked Change' });
        const tracked = await runRound(untracked.deltaLink, token);
        expect(tracked.items).toEqual([{ displayName: 'Tracked Change', mail: target.mail, id: target.id }]);
        expect(tracked.pages[0]?.['@odata.context']).toBe(`${t.origins.graph}/v1.0/$metadata#users(displayName,mail)`);
    });

    it('reports soft deletes as @removed changed, hard deletes as deleted, restores as objects', async () => {
        const token = await t.graphToken(fabrikam);
        const start = await runRound('/v1.0/users/delta?$select=displayName', token);
        const [soft, hard, restored] = (await directory(fabrikam)).filter((u) => u.state === 'active');
        await t.control('DELETE', `/control/tenants/${fabrikam}/users/${soft!.id}`);
        await t.control('DELETE', `/control/tenants/${fabrikam}/users/${hard!.id}?permanent=true`);
        await t.control('DELETE', `/control/tenants/${fabrikam}/users/${restored!.id}`);
        await t.control('POST', `/control/tenants/${fabrikam}/users/${restored!.id}/restore`);
        const round = await runRound(start.deltaLink, token);
        expect(round.items).toEqual([
            { id: soft!.id, '@removed': { reason: 'changed' } },
            { id: hard!.id, '@removed': { reason: 'deleted' } },
            { displayName: restored!.displayName, id: restored!.id },
        ]);
    });

    it('starts from now with $deltatoken=latest', async () => {
        const token = await t.graphToken(fabrikam);
        const latest = await runRound('/v1.0/users/delta?$deltatoken=latest&$select=displayName', token);
        expect(latest.items).toEqual([]);
        const created = await t.control('POST', `/control/tenants/${fabrikam}/users`, { displayName: 'Latest Joiner' });
        const round = await runRound(latest.deltaLink, token);
        expect(round.items).toEqual([{ displayName: 'Latest Joiner', id: created.body.id }]);
    });

    it('restricts the round to the ids in $filter', async () => {
        const token = await t.graphToken(fabrikam);
        const [a, b] = (await directory(fabrikam)).filter((u) => u.state === 'active');
        const initial = await runRound(
            `/v1.0/users/delta?$select=displayName&$filter=id eq '${a!.id}' or id eq '${b!.id}'`,
            token,
        );
        expect(initial.items.map((u) => u.id).sort()).toEqual([a!.id, b!.id].sort());
        await t.control('PATCH', `/control/tenants/${fabrikam}/users/${a!.id}`, { displayName: 'Filtered In' });
        const others = (await directory(fabrikam)).filter(
            (u) => u.state === 'active' && u.id !== a!.id && u.id !== b!.id,
        );
        await t.control('PATCH', `/control/tenants/${fabrikam}/users/${others[0]!.id}`, {
            displayName: 'Filtered Out',
        });
        const round = await runRound(initial.deltaLink, token);
        expect(round.items).toEqual([{ displayName: 'Filtered In', id: a!.id }]);
        const refused = await t.graph("/v1.0/users/delta?$filter=userType eq 'Guest'", { token });
        expect(refused.status).toBe(400);
        expect((await refused.json()).error.code).toBe('Request_UnsupportedQuery');
    });

    it('serves the same function at /users/microsoft.graph.delta and keeps that path in its links', async () => {
        const token = await t.graphToken(fabrikam);
        const round = await runRound('/v1.0/users/microsoft.graph.delta?$select=id', token, {
            prefer: 'odata.maxpagesize=10',
        });
        expect(round.pages[0]?.['@odata.nextLink']).toMatch(
            new RegExp(`^${t.origins.graph}/v1\\.0/users/microsoft\\.graph\\.delta\\?\\$skiptoken=`),
        );
        expect(round.deltaLink).toMatch(/\/v1\.0\/users\/microsoft\.graph\.delta\?\$deltatoken=/);
        const active = (await directory(fabrikam)).filter((u) => u.state === 'active');
        expect(round.items.map((u) => u.id).sort()).toEqual(active.map((u) => u.id).sort());
        // SDK-style call syntax reaches the same function.
        const called = await runRound('/v1.0/users/delta()?$select=id', token);
        expect(called.items.map((u) => u.id).sort()).toEqual(active.map((u) => u.id).sort());
    });

    it('refuses tokens that were tampered with or belong to another tenant', async () => {
        const fabrikamToken = await t.graphToken(fabrikam);
        const round = await runRound('/v1.0/users/delta?$select=id', fabrikamToken);
        const other = await t.graph(round.deltaLink, { token: await t.graphToken(contoso) });
        expect(other.status).toBe(400);
        expect((await other.json()).error.code).toBe('BadRequest');
        const url = new URL(round.deltaLink);
        const value = url.searchParams.get('$deltatoken')!;
        const tampered = `${url.origin}${url.pathname}?$deltatoken=${value.slice(0, -3)}abc`;
        const forged = await t.graph(tampered, { token: fabrikamToken });
        expect(forged.status).toBe(400);
        expect((await forged.json()).error.message).toContain('$deltatoken is invalid');
    });

    it('answers an injected 410 with the initial query in Location; following it resyncs fully', async () => {
        const token = await t.graphToken(contoso);
        const round = await runRound('/v1.0/users/delta?$select=displayName,mail', token);
        const rule = await t.control('POST', '/control/faults', {
            service: 'graph',
            path: '/v1.0/users/delta',
            tenant: contoso,
            status: 410,
            count: 1,
        });
        expect(rule.status).toBe(201);
        const gone = await t.graph(round.deltaLink, { token, headers: { 'client-request-id': 'crid-410' } });
        expect(gone.status).toBe(410);
        expect(gone.headers.get('location')).toBe(
            `${t.origins.graph}/v1.0/users/delta?$select=displayName,mail&$deltatoken=`,
        );
        expect(await gone.json()).toEqual({
            error: {
                code: 'resyncRequired',
                message: expect.stringContaining('Location'),
                innerError: {
                    date: expect.any(String),
                    'request-id': expect.any(String),
                    'client-request-id': 'crid-410',
                },
            },
        });
        const local = new Map<string, Json>();
        const resync = await runRound(gone.headers.get('location')!, token);
        apply(local, resync.items);
        await expectSameAsDirectory(local, contoso, ['displayName', 'mail']);
    });

    // Moves the simulator clock: keep last in this file.
    it('refuses delta and skip tokens older than 7 days with 400 syncStateNotFound', async () => {
        let token = await t.graphToken(fabrikam);
        const round = await runRound('/v1.0/users/delta?$select=id', token);
        const paging = await (
            await t.graph('/v1.0/users/delta?$select=id', { token, headers: { prefer: 'odata.maxpagesize=2' } })
        ).json();
        const skipLink: string = paging['@odata.nextLink'];

        await t.control('POST', '/control/clock', { advanceSeconds: 6 * 86_400 });
        token = await t.graphToken(fabrikam, { skipCache: true });
        expect((await t.graph(round.deltaLink, { token })).status).toBe(200);

        await t.control('POST', '/control/clock', { advanceSeconds: 86_400 + 60 });
        token = await t.graphToken(fabrikam, { skipCache: true });
        for (const link of [round.deltaLink, skipLink]) {
            const expired = await t.graph(link, { token, headers: { 'client-request-id': 'crid-expired' } });
            expect(expired.status).toBe(400);
            expect(await expired.json()).toEqual({
                error: {
                    code: 'syncStateNotFound',
                    message:
                        'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
                    innerError: {
                        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
                        'request-id': expired.headers.get('request-id'),
                        'client-request-id': 'crid-expired',
                    },
                },
            });
        }
    });
});
