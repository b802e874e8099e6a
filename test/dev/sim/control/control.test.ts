/**
 * The control API contract tools and tests rely on: routes, shapes, validation and errors.
 */
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let t: TestSimulator;
let fabrikam: string;

beforeAll(async () => {
    t = await startTestSimulator();
    fabrikam = t.tenantId('Fabrikam');
});
afterAll(() => t.stop());

describe('GET /control/state', () => {
    it('describes tenants, counts, faults, the clock and identity’s sections', async () => {
        const state = await t.control('GET', '/control/state');
        expect(state.status).toBe(200);
        expect(state.body.seed).toBe('test');
        expect(state.body.origins.graph).toBe(t.origins.graph);
        const names = state.body.tenants.map((x: Json) => x.displayName);
        expect(names).toEqual(
            expect.arrayContaining(['Tenant Sync Publisher', 'Fabrikam', 'Contoso', 'Microsoft personal accounts']),
        );
        expect(state.body.tenants.find((x: Json) => x.id === fabrikam)).toMatchObject({
            size: 'small',
            status: 'active',
            kind: 'organization',
            userCount: 25,
            admin: { username: 'megan.bowen@fabrikam.com', password: expect.any(String) },
        });
        expect(state.body).toHaveProperty('apps');
        expect(state.body).toHaveProperty('servicePrincipals');
        expect(state.body.faults).toEqual([]);
    });
});

describe('tenants', () => {
    it('creates a tenant with generated users, derives its size and publishes its admin and user', async () => {
        const created = await t.control('POST', '/control/tenants', {
            displayName: 'Wide World Importers',
            userCount: 600,
        });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
            id: expect.stringMatching(/^[0-9a-f-]{36}$/),
            defaultDomain: 'wideworldimporters.onmicrosoft.com',
            size: 'large',
            userCount: 600,
            admin: {
                username: expect.stringContaining('@wideworldimporters.onmicrosoft.com'),
                password: expect.any(String),
            },
            user: { username: expect.any(String), password: expect.any(String) },
        });
        const explicit = await t.control('POST', '/control/tenants', {
            displayName: 'Tiny',
            userCount: 3,
            size: 'medium',
        });
        expect(explicit.body.size).toBe('medium');
        const listed = await t.control('GET', `/control/tenants/${created.body.id as string}/users?top=2`);
        expect(listed.body).toMatchObject({ userCount: 600, positions: 600, skip: 0, next: 2 });
        expect(listed.body.users[0]).toMatchObject({
            isAdmin: true,
            state: 'active',
            userPrincipalName: created.body.admin.username,
        });
        // Its users sign in through the identity half right away.
        expect(t.sim.directory.findSignInUser(created.body.user.username)?.tenantId).toBe(created.body.id);
    });

    it.each([
        [{ userCount: 5 }, 'displayName'],
        [{ displayName: 'X', userCount: -1 }, 'userCount'],
        [{ displayName: 'X', userCount: 2.5 }, 'userCount'],
        [{ displayName: 'X', userCount: 5, size: 'huge' }, 'size'],
        [{ displayName: 'X', userCount: 5, colour: 'blue' }, 'colour'],
    ])('refuses %j with 400 naming the problem', async (body, mentioned) => {
        const answer = await t.control('POST', '/control/tenants', body);
        expect(answer.status).toBe(400);
        expect(answer.body.error.message).toContain(mentioned);
    });

    it('answers 404 for an unknown tenant', async () => {
        for (const [method, path] of [
            ['GET', '/control/tenants/00000000-0000-4000-8000-000000000000/users'],
            ['POST', '/control/tenants/nowhere.example/users'],
            ['PATCH', '/control/tenants/nowhere.example'],
        ] as const) {
            const answer = await t.control(method, path, method === 'GET' ? undefined : { displayName: 'x' });
            expect(answer.status).toBe(404);
            expect(answer.body.error.message).toMatch(/does not exist/);
        }
    });
});

describe('users', () => {
    it('lists every user with every property, deleted ones flagged, paged by skip/top', async () => {
        const all = await t.control('GET', `/control/tenants/${fabrikam}/users`);
        expect(all.body.users).toHaveLength(25);
        expect(Object.keys(all.body.users[0]).sort()).toEqual(
            [
                'accountEnabled',
                'businessPhones',
                'createdDateTime',
                'deletedDateTime',
                'department',
                'directoryRoles',
                'displayName',
                'employeeId',
                'givenName',
                'id',
                'isAdmin',
                'jobTitle',
                'mail',
                'mobilePhone',
                'officeLocation',
                'otherMails',
                'password',
                'preferredLanguage',
                'state',
                'surname',
                'userPrincipalName',
                'userType',
            ].sort(),
        );
        const victim = all.body.users[20];
        await t.control('DELETE', `/control/tenants/${fabrikam}/users/${victim.id as string}`);
        const page = await t.control('GET', `/control/tenants/${fabrikam}/users?skip=20&top=1`);
        expect(page.body.users).toEqual([{ ...victim, state: 'softDeleted', deletedDateTime: expect.any(String) }]);
        const active = await t.control('GET', `/control/tenants/${fabrikam}/users?state=active`);
        expect(active.body.users).toHaveLength(24);
        await t.control('POST', `/control/tenants/${fabrikam}/users/${victim.id as string}/restore`);
        expect((await t.control('GET', `/control/tenants/${fabrikam}/users?skip=abc`)).status).toBe(400);
        expect((await t.control('GET', `/control/tenants/${fabrikam}/users?state=gone`)).status).toBe(400);
    });

    it('creates a user visible to Graph, with a derived sign-in name', async () => {
        const created = await t.control('POST', `/control/tenants/${fabrikam}/users`, {
            displayName: 'Żaneta O’Hara-Łęcka',
            givenName: 'Żaneta',
            mail: 'zaneta@fabrikam.com',
            businessPhones: ['+48 22 555 0100'],
        });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
            userPrincipalName: 'zaneta.oharalecka@fabrikam.com',
            accountEnabled: true,
            userType: 'Member',
            surname: null,
            state: 'active',
            isAdmin: false,
        });
        const response = await t.graph(`/v1.0/users/${created.body.id as string}?$select=displayName,mail`, {
            token: await t.graphToken(fabrikam),
        });
        expect(await response.json()).toMatchObject({
            displayName: 'Żaneta O’Hara-Łęcka',
            mail: 'zaneta@fabrikam.com',
        });
        const again = await t.control('POST', `/control/tenants/${fabrikam}/users`, {
            displayName: 'Żaneta O’Hara-Łęcka',
        });
        expect(again.body.userPrincipalName).toBe('zaneta.oharalecka.2@fabrikam.com');
    });

    it.each([
        [{}, 'displayName'],
        [{ displayName: '' }, 'displayName'],
        [{ displayName: 'A', mail: 'not-an-address' }, 'mail'],
        [{ displayName: 'A', userPrincipalName: 'a@elsewhere.example' }, 'verified domain'],
        [{ displayName: 'A', userPrincipalName: 'no-at-sign' }, 'userPrincipalName'],
        [{ displayName: 'A', accountEnabled: 'yes' }, 'accountEnabled'],
        [{ displayName: 'A', userType: 'Robot' }, 'userType'],
        [{ displayName: 'A', businessPhones: ['1', '2'] }, 'businessPhones'],
        [{ displayName: 'A', id: '00000000-0000-4000-8000-000000000000' }, 'id'],
        [{ displayName: 'A', password: 'short' }, 'password'],
    ])('refuses a bad new user %j with 400 naming the problem', async (body, mentioned) => {
        const answer = await t.control('POST', `/control/tenants/${fabrikam}/users`, body);
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe('BadRequest');
        expect(answer.body.error.message).toContain(mentioned);
    });

    it('refuses a sign-in name already in use with 409', async () => {
        const answer = await t.control('POST', `/control/tenants/${fabrikam}/users`, {
            displayName: 'Copy',
            userPrincipalName: 'MEGAN.BOWEN@fabrikam.com',
        });
        expect(answer.status).toBe(409);
        expect(answer.body.error.message).toContain('userPrincipalName');
    });

    it('patches properties and reports which changed; 404 for unknown or deleted users', async () => {
        const target = (await t.control('GET', `/control/tenants/${fabrikam}/users?skip=12&top=1`)).body.users[0];
        const patched = await t.control('PATCH', `/control/tenants/${fabrikam}/users/${target.id as string}`, {
            jobTitle: null,
            department: 'Legal & Compliance (test)',
            displayName: target.displayName,
        });
        expect(patched.status).toBe(200);
        expect(patched.body).toMatchObject({ department: 'Legal & Compliance (test)', jobTitle: null });
        expect(patched.body.changed.sort()).toEqual(
            target.jobTitle === null ? ['department'] : ['department', 'jobTitle'],
        );
        expect((await t.control('PATCH', `/control/tenants/${fabrikam}/users/${target.id as string}`, {})).status).toBe(
            400,
        );
        expect(
            (
                await t.control('PATCH', `/control/tenants/${fabrikam}/users/${target.id as string}`, {
                    displayName: null,
                })
            ).status,
        ).toBe(400);
        const unknown = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
        expect(
            (await t.control('PATCH', `/control/tenants/${fabrikam}/users/${unknown}`, { jobTitle: 'x' })).status,
        ).toBe(404);
        expect((await t.control('DELETE', `/control/tenants/${fabrikam}/users/${unknown}`)).status).toBe(404);
    });

    it('soft-deletes by default and hard-deletes with ?permanent=true', async () => {
        const created = (await t.control('POST', `/control/tenants/${fabrikam}/users`, { displayName: 'Short Lived' }))
            .body;
        const soft = await t.control('DELETE', `/control/tenants/${fabrikam}/users/${created.id as string}`);
        expect(soft.body).toMatchObject({ state: 'softDeleted', deletedDateTime: expect.any(String) });
        expect((await t.control('DELETE', `/control/tenants/${fabrikam}/users/${created.id as string}`)).status).toBe(
            404,
        );
        const hard = await t.control(
            'DELETE',
            `/control/tenants/${fabrikam}/users/${created.id as string}?permanent=true`,
        );
        expect(hard.body.state).toBe('hardDeleted');
        expect(
            (await t.control('POST', `/control/tenants/${fabrikam}/users/${created.id as string}/restore`)).status,
        ).toBe(404);
        expect(
            (await t.control('DELETE', `/control/tenants/${fabrikam}/users/${created.id as string}?permanent=maybe`))
                .status,
        ).toBe(400);
    });
});

describe('requests and clock', () => {
    it('returns the request log after a sequence number', async () => {
        const token = await t.graphToken(fabrikam);
        const before = (await t.control('GET', '/control/requests')).body.lastSeq as number;
        await t.graph('/v1.0/users?$top=2&$select=id', { token, headers: { 'client-request-id': 'log-me' } });
        const answer = await t.control('GET', `/control/requests?since=${before}`);
        expect(answer.body.requests).toEqual([
            expect.objectContaining({
                seq: before + 1,
                service: 'graph',
                method: 'GET',
                path: '/v1.0/users',
                query: '?%24top=2&%24select=id',
                tenant: fabrikam,
                status: 200,
                earlyRetry: false,
                faulted: false,
                clientRequestId: 'log-me',
                durationMs: expect.any(Number),
                time: expect.any(String),
            }),
        ]);
        expect((await t.control('GET', '/control/requests?since=-1')).status).toBe(400);
        expect((await t.control('GET', '/control/requests?service=dns')).status).toBe(400);
    });

    it('moves the clock forward only', async () => {
        const before = (await t.control('GET', '/control/clock')).body;
        const moved = await t.control('POST', '/control/clock', { advanceSeconds: 90 });
        expect(moved.status).toBe(200);
        expect(moved.body.offsetMs - before.offsetMs).toBe(90_000);
        expect((await t.control('POST', '/control/clock', { advanceMs: 500 })).body.offsetMs - before.offsetMs).toBe(
            90_500,
        );
        for (const body of [
            { advanceSeconds: -5 },
            {},
            { advanceSeconds: 1, advanceMs: 1 },
            { advanceSeconds: 'soon' },
        ]) {
            const refused = await t.control('POST', '/control/clock', body);
            expect(refused.status).toBe(400);
            expect(refused.body.error.message).toMatch(/advance/);
        }
    });
});

describe('protocol errors', () => {
    it('answers 404 JSON for an unknown route and 400 for malformed JSON', async () => {
        const unknown = await t.control('GET', '/control/nothing-here');
        expect(unknown.status).toBe(404);
        expect(unknown.body).toEqual({
            error: { code: 'NotFound', message: 'No control route for GET /control/nothing-here' },
        });
        const malformed = await t.control('POST', '/control/tenants', '{"displayName": ');
        expect(malformed.status).toBe(400);
        expect(malformed.body.error.message).toMatch(/not valid JSON/);
    });

    it('listens on the loopback interface only', () => {
        expect(new URL(t.origins.control).hostname).toBe('127.0.0.1');
        expect(new URL(t.origins.control).protocol).toBe('http:');
    });
});
