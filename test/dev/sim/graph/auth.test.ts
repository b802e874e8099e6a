/**
 * Graph's token and permission checks, with tokens from MSAL (client credentials) against the
 * simulator's identity platform.
 */
import { startTestSimulator, type TestSimulator } from '../../../support/simulator';

let t: TestSimulator;
let fabrikam: string;
let contoso: string;

beforeAll(async () => {
    t = await startTestSimulator();
    fabrikam = t.tenantId('Fabrikam');
    contoso = t.tenantId('Contoso');
});
afterAll(() => t.stop());

/** Graph's error answer: `status`, and the JSON envelope with `code`, `message` and the request ids echoed. */
async function expectGraphError(
    response: Response,
    status: number,
    code: string,
    message: string,
    clientRequestId: string,
): Promise<void> {
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({
        error: {
            code,
            message,
            innerError: {
                date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
                'request-id': response.headers.get('request-id'),
                'client-request-id': clientRequestId,
            },
        },
    });
}

const challenge = () =>
    `Bearer realm="", authorization_uri="${t.origins.login}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;

describe('401 InvalidAuthenticationToken', () => {
    it('for a missing token, with the WWW-Authenticate challenge', async () => {
        const response = await t.graph('/v1.0/users', { headers: { 'client-request-id': 'c-1' } });
        await expectGraphError(response, 401, 'InvalidAuthenticationToken', 'Access token is empty.', 'c-1');
        expect(response.headers.get('www-authenticate')).toBe(challenge());
    });

    it('for a token that is not a JWT', async () => {
        const response = await t.graph('/v1.0/users/delta', {
            token: 'not-a-jwt',
            headers: { 'client-request-id': 'c-2' },
        });
        await expectGraphError(
            response,
            401,
            'InvalidAuthenticationToken',
            'CompactToken parsing failed with error code: 80049217',
            'c-2',
        );
    });

    it('for a token whose signature does not verify', async () => {
        const token = await t.graphToken(fabrikam);
        const [header, payload] = token.split('.');
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
        const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, tid: contoso })).toString('base64url')}.${token.split('.')[2]}`;
        const response = await t.graph('/v1.0/users', { token: forged, headers: { 'client-request-id': 'c-3' } });
        await expectGraphError(response, 401, 'InvalidAuthenticationToken', 'Access token validation failure.', 'c-3');
        expect(response.headers.get('www-authenticate')).toBe(challenge());
    });

    it('for a token issued for another audience (our own API)', async () => {
        const response = await t.graph('/v1.0/users', {
            token: await t.operationsToken(),
            headers: { 'client-request-id': 'c-4' },
        });
        await expectGraphError(
            response,
            401,
            'InvalidAuthenticationToken',
            'Access token validation failure. Invalid audience.',
            'c-4',
        );
    });

    it('for a token of a tenant that was deleted meanwhile', async () => {
        const token = await t.graphToken(contoso);
        expect((await t.control('PATCH', `/control/tenants/${contoso}`, { status: 'deleted' })).status).toBe(200);
        try {
            const response = await t.graph('/v1.0/users', { token, headers: { 'client-request-id': 'c-5' } });
            await expectGraphError(
                response,
                401,
                'Authorization_IdentityNotFound',
                'The identity of the calling application could not be established.',
                'c-5',
            );
        } finally {
            await t.control('PATCH', `/control/tenants/${contoso}`, { status: 'active' });
        }
        expect((await t.graph('/v1.0/users', { token })).status).toBe(200);
    });
});

describe('403 Authorization_RequestDenied', () => {
    it('when the token carries no role that allows reading users', async () => {
        await t.consent(contoso);
        expect((await t.graph('/v1.0/users', { token: await t.graphToken(contoso) })).status).toBe(200);
        const revoked = await t.control('POST', `/control/tenants/${contoso}/consent/revoke`, { rolesOnly: true });
        expect(revoked.status).toBe(200);
        const token = await t.graphToken(contoso, { skipCache: true });
        for (const path of ['/v1.0/users', '/v1.0/users/delta', '/v1.0/organization']) {
            const response = await t.graph(path, { token, headers: { 'client-request-id': 'c-403' } });
            await expectGraphError(
                response,
                403,
                'Authorization_RequestDenied',
                'Insufficient privileges to complete the operation.',
                'c-403',
            );
        }
        await t.consent(contoso, ['Group.Read.All']);
        const unrelated = await t.graph('/v1.0/users', { token: await t.graphToken(contoso, { skipCache: true }) });
        expect(unrelated.status).toBe(403);
    });

    it.each(['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'])(
        'accepts the application permission %s',
        async (role) => {
            await t.control('POST', `/control/tenants/${fabrikam}/consent/revoke`, { rolesOnly: true });
            await t.consent(fabrikam, [role]);
            const response = await t.graph('/v1.0/users?$top=1', {
                token: await t.graphToken(fabrikam, { skipCache: true }),
            });
            expect(response.status).toBe(200);
        },
    );
});

describe('token lifetime', () => {
    // Moves the simulator clock: keep last in this file.
    it('refuses a token after it expired by the simulator clock', async () => {
        const token = await t.graphToken(fabrikam, { skipCache: true });
        expect((await t.graph('/v1.0/users?$top=1', { token })).status).toBe(200);
        await t.control('POST', '/control/clock', { advanceSeconds: 2 * 3600 });
        const response = await t.graph('/v1.0/users?$top=1', { token, headers: { 'client-request-id': 'c-exp' } });
        expect(response.status).toBe(401);
        const body = await response.json();
        expect(body.error.code).toBe('InvalidAuthenticationToken');
        expect(body.error.message).toMatch(/expired/);
    });
});
