import { ConfidentialClientApplication, ServerError } from '@azure/msal-node';

import { type Json, servicePrincipal, startTestSimulator, type TestSimulator } from '../../../support/simulator';
import { decodeJwt, expectGraphAppToken } from '../../../support/tokens';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let world: TestSimulator;

beforeAll(async () => {
    world = await startTestSimulator();
});
afterAll(async () => {
    await world.stop();
});

/** Our app as the daemon configures it: one instance, organizations authority, per-tenant requests. */
function daemon(secret = world.appSecret): ConfidentialClientApplication {
    return world.msalClient({ clientSecret: secret });
}

async function graphToken(cca: ConfidentialClientApplication, tenantId: string, skipCache = false) {
    const result = await cca.acquireTokenByClientCredential({
        scopes: [GRAPH_SCOPE],
        authority: `${world.login}/${tenantId}`,
        skipCache,
    });
    if (!result) throw new Error('no token');
    return result;
}

async function serverError(promise: Promise<unknown>): Promise<ServerError> {
    try {
        await promise;
    } catch (error) {
        if (error instanceof ServerError) return error;
        throw error;
    }
    throw new Error('expected a ServerError');
}

/** A raw token request, to see the body MSAL parses. */
async function rawToken(tenant: string, form: Record<string, string>, clientRequestId = crypto.randomUUID()) {
    const response = await fetch(`${world.login}/${tenant}/oauth2/v2.0/token?client-request-id=${clientRequestId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: new URLSearchParams(form).toString(),
    });
    return {
        status: response.status,
        headers: response.headers,
        body: await response.json(),
        clientRequestId,
    };
}

function expectAadstsBody(body: Json, code: number, error: string, clientRequestId: string): void {
    expect(Object.keys(body).sort()).toEqual(
        ['correlation_id', 'error', 'error_codes', 'error_description', 'error_uri', 'timestamp', 'trace_id'].sort(),
    );
    expect(body.error).toBe(error);
    expect(body.error_codes).toEqual([code]);
    expect(body.trace_id).toMatch(GUID);
    expect(body.correlation_id).toBe(clientRequestId);
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(body.error_uri).toBe(`${world.login}/error?code=${code}`);
    expect(body.error_description).toMatch(
        new RegExp(
            `^AADSTS${code}: [^\\r\\n]+\\r\\nTrace ID: ${body.trace_id}\\r\\nCorrelation ID: ${clientRequestId}\\r\\nTimestamp: ${body.timestamp}$`,
        ),
    );
}

describe('client credentials in the publisher tenant', () => {
    it('issues a v1-shaped Graph app-only token with the granted role, cached per tenant', async () => {
        const cca = daemon();
        const since = await world.lastRequestSeq();
        const first = await graphToken(cca, world.publisherTenantId);
        expect(first.fromCache).toBe(false);
        const { header, payload } = decodeJwt(first.accessToken);
        expect(header).toMatchObject({ typ: 'JWT', alg: 'RS256' });
        expect(header.kid).toBe(header.x5t);
        const state = await world.controlGet('/control/state');
        const sp = servicePrincipal(state, world.publisherTenantId, world.appClientId);
        expect(payload).toMatchObject({
            aud: 'https://graph.microsoft.com',
            iss: `https://sts.windows.net/${world.publisherTenantId}/`,
            idp: `https://sts.windows.net/${world.publisherTenantId}/`,
            appid: world.appClientId,
            appidacr: '1',
            app_displayname: 'Tenant Sync',
            idtyp: 'app',
            oid: sp.objectId,
            sub: sp.objectId,
            tid: world.publisherTenantId,
            roles: ['User.Read.All'],
            ver: '1.0',
        });
        expect(payload.exp - payload.iat).toBe(3599);
        expect(payload).not.toHaveProperty('scp');

        const second = await graphToken(cca, world.publisherTenantId);
        expect(second.fromCache).toBe(true);
        expect(second.accessToken).toBe(first.accessToken);
        const traffic = await world.requestsSince(since, 'login');
        // One discovery document (of the first tenant asked for), one token request; the cached call made none.
        expect(traffic.map((r: Json) => `${r.method} ${r.path}`)).toEqual([
            `GET /${world.publisherTenantId}/v2.0/.well-known/openid-configuration`,
            `POST /${world.publisherTenantId}/oauth2/v2.0/token`,
        ]);
    });

    it('gives the operations client an API token with the app roles of our API', async () => {
        const { payload } = decodeJwt(await world.operationsToken());
        expect(payload).toMatchObject({
            aud: `api://${world.appClientId}`,
            appid: world.sim.stackInfo.operationsClient.clientId,
            idtyp: 'app',
            ver: '1.0',
        });
        expect([...payload.roles].sort()).toEqual(['Sync.Run', 'Tenants.Manage', 'Tenants.Read', 'Users.Read']);
    });
});

describe('client credentials per customer tenant', () => {
    it('refuses a tenant where the app has no service principal: 400 unauthorized_client AADSTS700016', async () => {
        const contoso = world.customers[1]!;
        const error = await serverError(graphToken(daemon(), contoso.id));
        expect(error.errorCode).toBe('unauthorized_client');
        expect(error.errorNo).toBe(700016);
        expect(error.status).toBe(400);
        expect(error.errorMessage).toContain(
            `Application with identifier '${world.appClientId}' was not found in the directory '${contoso.displayName}'`,
        );

        const raw = await rawToken(contoso.id, {
            client_id: world.appClientId,
            client_secret: world.appSecret,
            grant_type: 'client_credentials',
            scope: GRAPH_SCOPE,
        });
        expect(raw.status).toBe(400);
        expectAadstsBody(raw.body, 700016, 'unauthorized_client', raw.clientRequestId);
        expect(raw.headers.get('cache-control')).toBe('no-store, no-cache');
        expect(raw.headers.get('x-ms-request-id')).toBe(raw.body.trace_id);
        expect(raw.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });

    it('caches tokens per tenant: a second tenant is a new request, repeats of both are not', async () => {
        const [fabrikam, contoso] = world.customers;
        await world.control('POST', `/control/tenants/${fabrikam!.id}/consent`);
        await world.control('POST', `/control/tenants/${contoso!.id}/consent`);
        const cca = daemon();
        const a = await graphToken(cca, fabrikam!.id);
        const b = await graphToken(cca, contoso!.id);
        expect(decodeJwt(a.accessToken).payload.tid).toBe(fabrikam!.id);
        expect(decodeJwt(b.accessToken).payload.tid).toBe(contoso!.id);
        expect(decodeJwt(b.accessToken).payload.roles).toEqual(['User.Read.All']);
        const since = await world.lastRequestSeq();
        expect((await graphToken(cca, fabrikam!.id)).fromCache).toBe(true);
        expect((await graphToken(cca, contoso!.id)).fromCache).toBe(true);
        expect(await world.requestsSince(since, 'login')).toEqual([]);
    });

    it('answers a wrong secret with 401 invalid_client AADSTS7000215', async () => {
        const error = await serverError(graphToken(daemon('not-the-secret'), world.publisherTenantId));
        expect(error.errorCode).toBe('invalid_client');
        expect(error.errorNo).toBe(7000215);
        expect(error.status).toBe(401);
        const raw = await rawToken(world.publisherTenantId, {
            client_id: world.appClientId,
            client_secret: 'not-the-secret',
            grant_type: 'client_credentials',
            scope: GRAPH_SCOPE,
        });
        expectAadstsBody(raw.body, 7000215, 'invalid_client', raw.clientRequestId);
    });

    it('answers a request without a credential with 401 AADSTS7000218', async () => {
        const raw = await rawToken(world.publisherTenantId, {
            client_id: world.appClientId,
            grant_type: 'client_credentials',
            scope: GRAPH_SCOPE,
        });
        expect(raw.status).toBe(401);
        expectAadstsBody(raw.body, 7000218, 'invalid_client', raw.clientRequestId);
    });

    it('accepts client_secret_basic as well as client_secret_post', async () => {
        const response = await fetch(`${world.login}/${world.publisherTenantId}/oauth2/v2.0/token`, {
            method: 'POST',
            headers: {
                'content-type': 'application/x-www-form-urlencoded',
                authorization: `Basic ${Buffer.from(`${world.appClientId}:${encodeURIComponent(world.appSecret)}`).toString('base64')}`,
            },
            body: new URLSearchParams({ grant_type: 'client_credentials', scope: GRAPH_SCOPE }).toString(),
        });
        expect(response.status).toBe(200);
        const body = await response.json();
        expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
        expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    });

    it('answers an unknown tenant with 400 invalid_request AADSTS90002 at the token endpoint', async () => {
        const cca = daemon();
        await graphToken(cca, world.publisherTenantId); // discovery is cached per host from here on
        const error = await serverError(graphToken(cca, '0b6e2f3a-1111-4222-8333-444455556666'));
        expect(error.errorCode).toBe('invalid_request');
        expect(error.errorNo).toBe(90002);
        expect(error.status).toBe(400);
    });

    it.each([
        ['https://graph.microsoft.com/User.Read.All', 400, 'invalid_scope', 1002012],
        ['https://graph.microsoft.com/.default https://vault.azure.net/.default', 400, 'invalid_scope', 700022],
        ['https://unknown.example.com/.default', 400, 'invalid_resource', 500011],
        [`api://${'0'.repeat(8)}-0000-4000-8000-000000000000/.default`, 400, 'invalid_resource', 500011],
    ])('refuses scope %s', async (scope, status, error, code) => {
        const raw = await rawToken(world.publisherTenantId, {
            client_id: world.appClientId,
            client_secret: world.appSecret,
            grant_type: 'client_credentials',
            scope,
        });
        expect(raw.status).toBe(status);
        expectAadstsBody(raw.body, code, error, raw.clientRequestId);
    });

    it('refuses an unknown grant type and a missing grant type', async () => {
        const unknown = await rawToken(world.publisherTenantId, {
            client_id: world.appClientId,
            grant_type: 'password',
        });
        expect(unknown.status).toBe(400);
        expect(unknown.body.error).toBe('unsupported_grant_type');
        const missing = await rawToken(world.publisherTenantId, { client_id: world.appClientId });
        expect(missing.body.error_codes).toEqual([900144]);
    });
});

describe('tunables and faults', () => {
    it('token lifetime is configurable (expires_in and exp follow it)', async () => {
        await world.control('POST', '/control/identity/settings', { tokenLifetimeSeconds: 600 });
        try {
            const raw = await rawToken(world.publisherTenantId, {
                client_id: world.appClientId,
                client_secret: world.appSecret,
                grant_type: 'client_credentials',
                scope: GRAPH_SCOPE,
            });
            expect(raw.body.expires_in).toBe(600);
            const { payload } = decodeJwt(raw.body.access_token);
            expect(payload.exp - payload.iat).toBe(600);
        } finally {
            await world.control('POST', '/control/identity/settings', { tokenLifetimeSeconds: 3599 });
        }
        const invalid = await world.control('POST', '/control/identity/settings', { tokenLifetimeSeconds: 5 });
        expect(invalid.status).toBe(400);
    });

    it('an injected 503 reaches MSAL as a ServerError with the JSON error body', async () => {
        const fault = await world.control('POST', '/control/faults', {
            service: 'login',
            path: `/${world.publisherTenantId}/oauth2/v2.0/token`,
            status: 503,
            count: 1,
        });
        expect(fault.status).toBe(201);
        const error = await serverError(graphToken(daemon(), world.publisherTenantId, true));
        expect(error.status).toBe(503);
        expect(error.errorCode).toBe('temporarily_unavailable');
        // The rule is used up; a new client instance (MSAL throttles the old one locally) succeeds.
        const token = (await graphToken(daemon(), world.publisherTenantId, true)).accessToken;
        expectGraphAppToken(world, token, world.publisherTenantId, ['User.Read.All']);
    });
});

describe('state changes seen at the token endpoint', () => {
    let tenant: { id: string; displayName: string };

    beforeEach(async () => {
        const created = await world.control('POST', '/control/tenants', { displayName: 'Woodgrove', userCount: 5 });
        tenant = created.body;
        await world.control('POST', `/control/tenants/${tenant.id}/consent`);
    });

    it('disabling the service principal gives AADSTS7000112; enabling it again restores tokens', async () => {
        await world.control('POST', `/control/tenants/${tenant.id}/service-principal/disable`);
        const error = await serverError(graphToken(daemon(), tenant.id, true));
        expect(error.errorCode).toBe('unauthorized_client');
        expect(error.errorNo).toBe(7000112);
        expect(error.errorMessage).toContain(`Application '${world.appClientId}'(Tenant Sync) is disabled.`);
        await world.control('POST', `/control/tenants/${tenant.id}/service-principal/enable`);
        expectGraphAppToken(world, (await graphToken(daemon(), tenant.id, true)).accessToken, tenant.id, [
            'User.Read.All',
        ]);
    });

    it('disabling the app registration refuses every tenant with AADSTS7000112', async () => {
        await world.control('POST', `/control/identity/apps/${world.appClientId}/disable`);
        try {
            const error = await serverError(graphToken(daemon(), tenant.id, true));
            expect(error.errorNo).toBe(7000112);
        } finally {
            await world.control('POST', `/control/identity/apps/${world.appClientId}/enable`);
        }
    });

    it('a decommissioned tenant answers AADSTS5000224', async () => {
        await world.control('PATCH', `/control/tenants/${tenant.id}`, { status: 'decommissioned' });
        const error = await serverError(graphToken(daemon(), tenant.id, true));
        expect(error.errorNo).toBe(5000224);
        expect(error.errorMessage).toContain('We are sorry, this resource is not available.');
    });

    it('revoking consent removes the service principal: AADSTS700016 on the next request', async () => {
        const cca = daemon();
        await graphToken(cca, tenant.id);
        const revoked = await world.control('POST', `/control/tenants/${tenant.id}/consent/revoke`);
        expect(revoked.body).toMatchObject({ revoked: true, rolesOnly: false });
        // The cached token is still handed out until it expires, as with the real service.
        expect((await graphToken(cca, tenant.id)).fromCache).toBe(true);
        const error = await serverError(graphToken(cca, tenant.id, true));
        expect(error.errorNo).toBe(700016);
    });

    it('revoking only the role grants keeps tokens coming, without a roles claim', async () => {
        await world.control('POST', `/control/tenants/${tenant.id}/consent/revoke`, { rolesOnly: true });
        const { payload } = decodeJwt((await graphToken(daemon(), tenant.id, true)).accessToken);
        expect(payload.tid).toBe(tenant.id);
        expect(payload).not.toHaveProperty('roles');
    });

    it('consent propagation delay: roles appear in tokens only after the delay', async () => {
        await world.control('POST', `/control/tenants/${tenant.id}/consent/revoke`);
        const settings = await world.control('POST', '/control/identity/settings', {
            consentPropagationDelayMs: 120_000,
        });
        expect(settings.body.settings.consentPropagationDelayMs).toBe(120_000);
        try {
            await world.control('POST', `/control/tenants/${tenant.id}/consent`);
            const early = decodeJwt((await graphToken(daemon(), tenant.id, true)).accessToken).payload;
            expect(early).not.toHaveProperty('roles');
            await world.advanceClock(121);
            const later = decodeJwt((await graphToken(daemon(), tenant.id, true)).accessToken).payload;
            expect(later.roles).toEqual(['User.Read.All']);
        } finally {
            await world.control('POST', '/control/identity/settings', { consentPropagationDelayMs: 0 });
        }
    });

    it('an expired client secret answers 401 AADSTS7000222; a rotated one works and is in Key Vault', async () => {
        const expired = await world.control('POST', `/control/identity/apps/${world.appClientId}/secrets/expire`);
        expect(expired.status).toBe(200);
        const error = await serverError(graphToken(daemon(), tenant.id, true));
        expect(error.errorCode).toBe('invalid_client');
        expect(error.errorNo).toBe(7000222);
        expect(error.status).toBe(401);
        const rotated = await world.control('POST', `/control/identity/apps/${world.appClientId}/secrets/rotate`);
        const fresh: string = rotated.body.secret.value;
        expect(fresh).not.toBe(world.appSecret);
        expectGraphAppToken(world, (await graphToken(daemon(fresh), tenant.id, true)).accessToken, tenant.id, [
            'User.Read.All',
        ]);
        const oldSecret = await serverError(graphToken(daemon(), tenant.id, true));
        expect(oldSecret.errorNo).toBe(7000215);
        world.appSecret = fresh;
    });
});
