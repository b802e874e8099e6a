/**
 * Graph GET /users, /users/{id}, /organization through fetch with an MSAL token, compared with the
 * control API's view of the directory.
 */
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

const DEFAULT_PROPERTIES = [
    'businessPhones',
    'displayName',
    'givenName',
    'jobTitle',
    'mail',
    'mobilePhone',
    'officeLocation',
    'preferredLanguage',
    'surname',
    'userPrincipalName',
    'id',
];

let t: TestSimulator;
let fabrikam: string;
let contoso: string;
let token: string;

beforeAll(async () => {
    t = await startTestSimulator();
    fabrikam = t.tenantId('Fabrikam');
    contoso = t.tenantId('Contoso');
    token = await t.graphToken(contoso);
});
afterAll(() => t.stop());

async function activeUsers(tenantId: string): Promise<Record<string, unknown>[]> {
    const answer = await t.control('GET', `/control/tenants/${tenantId}/users?state=active`);
    expect(answer.status).toBe(200);
    return answer.body.users;
}

function pick(user: Record<string, unknown>, properties: string[]): Record<string, unknown> {
    return Object.fromEntries(properties.map((p) => [p, user[p]]));
}

const byId = (a: { id?: unknown }, b: { id?: unknown }) => String(a.id).localeCompare(String(b.id));

async function allPages(first: string, bearer = token, headers: Record<string, string> = {}) {
    const pages: Json[] = [];
    let next: string | undefined = first;
    while (next) {
        const response = await t.graph(next, { token: bearer, headers });
        expect(response.status).toBe(200);
        const body: Json = await response.json();
        pages.push(body);
        next = body['@odata.nextLink'];
        expect(pages.length).toBeLessThan(200);
    }
    return pages;
}

describe('GET /v1.0/users', () => {
    it('pages with $top through exactly the directory, default properties with nulls present', async () => {
        const pages = await allPages('/v1.0/users?$top=25');
        expect(pages.map((p) => p.value.length)).toEqual([25, 25, 25, 25, 20]);
        const listed = pages.flatMap((p) => p.value);
        for (const user of listed) expect(Object.keys(user).sort()).toEqual([...DEFAULT_PROPERTIES].sort());
        const truth = (await activeUsers(contoso)).map((u) => pick(u, DEFAULT_PROPERTIES));
        expect([...listed].sort(byId)).toEqual(truth.sort(byId));
        expect(listed.some((u) => u.mail === null)).toBe(true);
        expect(listed.some((u) => Array.isArray(u.businessPhones) && u.businessPhones.length === 0)).toBe(true);
        expect(pages[0]?.['@odata.context']).toBe(`${t.origins.graph}/v1.0/$metadata#users`);
        expect(pages.at(-1)?.['@odata.nextLink']).toBeUndefined();
    });

    it('defaults to pages of 100 and repeats the query options in an opaque nextLink on the Graph origin', async () => {
        const response = await t.graph('/v1.0/users?$select=displayName,mail', { token });
        const body = await response.json();
        expect(body.value).toHaveLength(100);
        const next = new URL(body['@odata.nextLink']);
        expect(next.origin).toBe(t.origins.graph);
        expect(next.pathname).toBe('/v1.0/users');
        expect(next.searchParams.get('$select')).toBe('displayName,mail');
        expect(next.searchParams.get('$skiptoken')).toMatch(/^[A-Za-z0-9._-]{20,}$/);
        expect(body['@odata.context']).toBe(`${t.origins.graph}/v1.0/$metadata#users(displayName,mail)`);
        expect(Object.keys(body.value[0])).toEqual(['displayName', 'mail', 'id']);
    });

    it('with $select and $top=999 returns every user once, with the selected properties only', async () => {
        const properties = [
            'id',
            'displayName',
            'accountEnabled',
            'userType',
            'otherMails',
            'employeeId',
            'createdDateTime',
        ];
        const pages = await allPages(
            `/v1.0/users?$select=${properties.join(',')}&$top=999`,
            await t.graphToken(fabrikam),
        );
        expect(pages).toHaveLength(1);
        const listed = pages[0]?.value as Record<string, unknown>[];
        const truth = (await activeUsers(fabrikam)).map((u) => pick(u, properties));
        expect([...listed].sort(byId)).toEqual(truth.sort(byId));
        expect(listed.some((u) => u.userType === 'Guest')).toBe(true);
        expect(listed.some((u) => u.accountEnabled === false)).toBe(true);
    });

    it('returns null for real user properties the simulator does not model', async () => {
        const body = await (await t.graph('/v1.0/users?$select=city,displayName&$top=1', { token })).json();
        expect(body.value[0]).toEqual({ city: null, displayName: expect.any(String), id: expect.any(String) });
    });

    it('serves only the directory of the token tenant', async () => {
        const fabrikamToken = await t.graphToken(fabrikam);
        const fabrikamIds = (await allPages('/v1.0/users?$select=id&$top=999', fabrikamToken)).flatMap((p) =>
            p.value.map((u: { id: string }) => u.id),
        );
        const contosoIds = new Set((await activeUsers(contoso)).map((u) => u.id));
        expect(fabrikamIds).toHaveLength(25);
        expect(fabrikamIds.filter((id) => contosoIds.has(id))).toEqual([]);
    });

    it('echoes client-request-id and sets Graph headers', async () => {
        const response = await t.graph('/v1.0/users?$top=1', { token, headers: { 'client-request-id': 'my-crid-1' } });
        expect(response.headers.get('client-request-id')).toBe('my-crid-1');
        expect(response.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(response.headers.get('odata-version')).toBe('4.0');
        expect(response.headers.get('content-type')).toMatch(/^application\/json;odata\.metadata=minimal/);
        expect(response.headers.get('x-ms-resource-unit')).toBe('1');
        // protocols §2.1: Graph marks its answers private (cacheable by the client only), not no-cache.
        expect(response.headers.get('cache-control')).toBe('private');
        expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    });

    it('marks error answers private too', async () => {
        const response = await t.graph('/v1.0/users?$top=1000', { token });
        expect(response.status).toBe(400);
        expect(response.headers.get('cache-control')).toBe('private');
    });

    it('filters with the supported subset and counts with ConsistencyLevel: eventual', async () => {
        const guests = await (await t.graph("/v1.0/users?$filter=userType eq 'Guest'&$top=999", { token })).json();
        const truthGuests = (await activeUsers(contoso)).filter((u) => u.userType === 'Guest');
        expect(guests.value.map((u: { id: string }) => u.id).sort()).toEqual(truthGuests.map((u) => u.id).sort());

        const counted = await t.graph("/v1.0/users?$filter=userType ne 'Guest'&$count=true&$top=5", {
            token,
            headers: { ConsistencyLevel: 'eventual' },
        });
        expect(counted.status).toBe(200);
        expect((await counted.json())['@odata.count']).toBe(120 - truthGuests.length);

        const startsWith = await (
            await t.graph("/v1.0/users?$filter=startswith(displayName,'megan')", { token })
        ).json();
        expect(startsWith.value.map((u: { displayName: string }) => u.displayName)).toContain('Megan Bowen');
    });

    it.each([
        [
            '$top=1000',
            'Request_UnsupportedQuery',
            "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
        ],
        [
            '$top=0',
            'Request_UnsupportedQuery',
            "Invalid page size specified: '0'. Must be between 1 and 999 inclusive.",
        ],
        [
            '$top=ten',
            'BadRequest',
            "Invalid value 'ten' for $top query option found. The $top query option requires a non-negative integer value.",
        ],
        [
            '$select=shoeSize',
            'BadRequest',
            "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
        ],
        ['$skip=10', 'Request_BadRequest', "'$skip' is not supported by the service."],
        ['$count=true', 'Request_BadRequest', '$count is not currently supported.'],
        [
            "$filter=userType ne 'Guest'",
            'Request_UnsupportedQuery',
            "Filter operator 'NotEqualsMatch' is not supported.",
        ],
        [
            "$filter=officeLocation eq 'Oslo'",
            'Request_UnsupportedQuery',
            "Unsupported or invalid query filter clause specified for property 'officeLocation' of resource 'User'.",
        ],
        ['$orderby=displayName', 'Request_UnsupportedQuery', expect.stringContaining('$orderby')],
        ['$skiptoken=forged.token', 'BadRequest', expect.stringContaining('$skiptoken is invalid')],
    ])('refuses %s with 400 and the Graph error envelope', async (query, code, message) => {
        const response = await t.graph(`/v1.0/users?${query}`, { token, headers: { 'client-request-id': 'crid-400' } });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
            error: {
                code,
                message,
                innerError: {
                    date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
                    'request-id': response.headers.get('request-id'),
                    'client-request-id': 'crid-400',
                },
            },
        });
    });

    it('refuses a nextLink issued for another tenant', async () => {
        const body = await (await t.graph('/v1.0/users?$top=1', { token })).json();
        const response = await t.graph(body['@odata.nextLink'], { token: await t.graphToken(fabrikam) });
        expect(response.status).toBe(400);
        expect((await response.json()).error.code).toBe('BadRequest');
    });

    it('answers unknown segments and other methods like Graph', async () => {
        const unknown = await t.graph('/v1.0/gizmos', { token });
        expect(unknown.status).toBe(400);
        expect((await unknown.json()).error).toMatchObject({
            code: 'BadRequest',
            message: "Resource not found for the segment 'gizmos'.",
        });
        const post = await fetch(`${t.origins.graph}/v1.0/users`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
        });
        expect(post.status).toBe(405);
    });
});

describe('GET /v1.0/users/{id | userPrincipalName}', () => {
    it('returns one user by id or sign-in name, guests included', async () => {
        const users = await activeUsers(contoso);
        const guest = users.find((u) => u.userType === 'Guest')!;
        const byId = await t.graph(`/v1.0/users/${String(guest.id)}`, { token });
        expect(byId.status).toBe(200);
        const body = await byId.json();
        expect(body).toEqual({
            '@odata.context': `${t.origins.graph}/v1.0/$metadata#users/$entity`,
            ...pick(guest, DEFAULT_PROPERTIES),
        });
        const byUpn = await t.graph(
            `/v1.0/users/${encodeURIComponent(String(guest.userPrincipalName))}?$select=id,userType`,
            {
                token,
            },
        );
        expect(await byUpn.json()).toEqual({
            '@odata.context': `${t.origins.graph}/v1.0/$metadata#users(id,userType)/$entity`,
            id: guest.id,
            userType: 'Guest',
        });
    });

    it('answers 404 Request_ResourceNotFound for an unknown or deleted user', async () => {
        const missing = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
        const response = await t.graph(`/v1.0/users/${missing}`, {
            token,
            headers: { 'client-request-id': 'crid-404' },
        });
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({
            error: {
                code: 'Request_ResourceNotFound',
                message: `Resource '${missing}' does not exist or one of its queried reference-property objects are not present.`,
                innerError: {
                    date: expect.any(String),
                    'request-id': response.headers.get('request-id'),
                    'client-request-id': 'crid-404',
                },
            },
        });
        const victim = (await activeUsers(contoso))[30]!;
        expect((await t.control('DELETE', `/control/tenants/${contoso}/users/${String(victim.id)}`)).status).toBe(200);
        expect((await t.graph(`/v1.0/users/${String(victim.id)}`, { token })).status).toBe(404);
        expect((await t.control('POST', `/control/tenants/${contoso}/users/${String(victim.id)}/restore`)).status).toBe(
            200,
        );
        expect((await t.graph(`/v1.0/users/${String(victim.id)}`, { token })).status).toBe(200);
    });
});

describe('GET /v1.0/organization', () => {
    it('describes the token tenant', async () => {
        const body = await (await t.graph('/v1.0/organization', { token })).json();
        expect(body['@odata.context']).toBe(`${t.origins.graph}/v1.0/$metadata#organization`);
        expect(body.value).toHaveLength(1);
        expect(body.value[0]).toMatchObject({ id: contoso, displayName: 'Contoso', tenantType: 'AAD' });
        expect(body.value[0].verifiedDomains.map((d: { name: string }) => d.name)).toEqual([
            'contoso.onmicrosoft.com',
            'contoso.com',
        ]);
        const selected = await (await t.graph(`/v1.0/organization/${contoso}?$select=displayName`, { token })).json();
        expect(selected).toMatchObject({ displayName: 'Contoso', id: contoso });
        expect((await t.graph(`/v1.0/organization/${fabrikam}`, { token })).status).toBe(404);
    });
});
