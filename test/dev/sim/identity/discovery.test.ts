import { X509Certificate, createPublicKey } from 'node:crypto';

import { MSA_TENANT_ID } from '../../../../dev/sim/core/contracts';
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let world: TestSimulator;

beforeAll(async () => {
    world = await startTestSimulator();
});
afterAll(async () => {
    await world.stop();
});

async function getJson(url: string): Promise<{ status: number; headers: Headers; body: Json }> {
    const response = await fetch(url);
    return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('openid-configuration', () => {
    it('describes a tenant by GUID with its own issuer and endpoints on the simulator origin', async () => {
        const fabrikam = world.customers[0]!;
        const { status, headers, body } = await getJson(
            `${world.login}/${fabrikam.id}/v2.0/.well-known/openid-configuration`,
        );
        expect(status).toBe(200);
        expect(headers.get('cache-control')).toBe('max-age=86400, private');
        expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(body.issuer).toBe(`${world.login}/${fabrikam.id}/v2.0`);
        expect(body.token_endpoint).toBe(`${world.login}/${fabrikam.id}/oauth2/v2.0/token`);
        expect(body.authorization_endpoint).toBe(`${world.login}/${fabrikam.id}/oauth2/v2.0/authorize`);
        expect(body.jwks_uri).toBe(`${world.login}/${fabrikam.id}/discovery/v2.0/keys`);
        expect(body.end_session_endpoint).toBe(`${world.login}/${fabrikam.id}/oauth2/v2.0/logout`);
        expect(body.tenant_region_scope).toBe('EU');
        expect(body.response_modes_supported).toEqual(['query', 'fragment', 'form_post']);
        expect(body.id_token_signing_alg_values_supported).toEqual(['RS256']);
        expect(body.subject_types_supported).toEqual(['pairwise']);
        expect(body.token_endpoint_auth_methods_supported).toEqual([
            'client_secret_post',
            'private_key_jwt',
            'client_secret_basic',
        ]);
        expect(body).not.toHaveProperty('cloud_instance_host_name');
    });

    it('answers a verified domain with GUID endpoints, case-insensitively', async () => {
        const fabrikam = world.customers[0]!;
        const { status, body } = await getJson(`${world.login}/FABRIKAM.COM/v2.0/.well-known/openid-configuration`);
        expect(status).toBe(200);
        expect(body.issuer).toBe(`${world.login}/${fabrikam.id}/v2.0`);
        expect(body.token_endpoint).toBe(`${world.login}/${fabrikam.id}/oauth2/v2.0/token`);
    });

    it.each(['common', 'organizations', 'Organizations'])(
        'publishes the {tenantid} issuer template for /%s',
        async (alias) => {
            const { status, body } = await getJson(`${world.login}/${alias}/v2.0/.well-known/openid-configuration`);
            expect(status).toBe(200);
            expect(body.issuer).toBe(`${world.login}/{tenantid}/v2.0`);
            expect(body.token_endpoint).toBe(`${world.login}/${alias.toLowerCase()}/oauth2/v2.0/token`);
            expect(body.tenant_region_scope).toBeNull();
        },
    );

    it('gives /consumers the personal-account tenant issuer', async () => {
        const { body } = await getJson(`${world.login}/consumers/v2.0/.well-known/openid-configuration`);
        expect(body.issuer).toBe(`${world.login}/${MSA_TENANT_ID}/v2.0`);
        expect(body.authorization_endpoint).toBe(`${world.login}/consumers/oauth2/v2.0/authorize`);
    });

    it.each(['00000000-0000-4000-8000-000000000000', 'nosuchtenant.onmicrosoft.com'])(
        'answers an unknown tenant (%s) with 400 invalid_tenant AADSTS90002 as JSON',
        async (tenant) => {
            const { status, body } = await getJson(`${world.login}/${tenant}/v2.0/.well-known/openid-configuration`);
            expect(status).toBe(400);
            expect(body.error).toBe('invalid_tenant');
            expect(body.error_codes).toEqual([90002]);
            expect(body.error_description).toMatch(new RegExp(`^AADSTS90002: Tenant '${tenant}' not found\\.`));
            expect(body.error_uri).toBe(`${world.login}/error?code=90002`);
        },
    );

    it('treats a deleted tenant as unknown', async () => {
        const created = await world.control('POST', '/control/tenants', { displayName: 'Short Lived', userCount: 3 });
        const { id } = created.body as { id: string };
        expect((await getJson(`${world.login}/${id}/v2.0/.well-known/openid-configuration`)).status).toBe(200);
        await world.control('PATCH', `/control/tenants/${id}`, { status: 'deleted' });
        const after = await getJson(`${world.login}/${id}/v2.0/.well-known/openid-configuration`);
        expect(after.status).toBe(400);
        expect(after.body.error_codes).toEqual([90002]);
    });

    it('serves instance discovery naming only the simulator host', async () => {
        const { status, body } = await getJson(
            `${world.login}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${world.login}/common/oauth2/v2.0/authorize`)}`,
        );
        expect(status).toBe(200);
        expect(body['api-version']).toBe('1.1');
        expect(body.metadata).toEqual([
            { preferred_network: world.loginHost, preferred_cache: world.loginHost, aliases: [world.loginHost] },
        ]);
    });
});

describe('JWKS', () => {
    it('publishes two RS256 keys whose x5c certificate carries the same public key', async () => {
        const { status, body } = await getJson(`${world.login}/common/discovery/v2.0/keys`);
        expect(status).toBe(200);
        expect(body.keys).toHaveLength(2);
        for (const key of body.keys) {
            expect(Object.keys(key).sort()).toEqual(['e', 'issuer', 'kid', 'kty', 'n', 'use', 'x5c', 'x5t']);
            expect(key).toMatchObject({ kty: 'RSA', use: 'sig', e: 'AQAB', issuer: `${world.login}/{tenantid}/v2.0` });
            expect(key.kid).toBe(key.x5t);
            const cert = new X509Certificate(Buffer.from(key.x5c[0], 'base64'));
            // kid/x5t is the base64url SHA-1 thumbprint of the certificate.
            expect(Buffer.from(cert.fingerprint.replace(/:/g, ''), 'hex').toString('base64url')).toBe(key.kid);
            const fromJwk = createPublicKey({ key: { kty: 'RSA', n: key.n, e: key.e }, format: 'jwk' });
            expect(cert.publicKey.export({ format: 'jwk' })).toEqual(fromJwk.export({ format: 'jwk' }));
        }
        expect(body.keys[0].kid).not.toBe(body.keys[1].kid);
    });

    it('serves the same keys per tenant and refuses an unknown tenant', async () => {
        const common = await getJson(`${world.login}/common/discovery/v2.0/keys`);
        const tenant = await getJson(`${world.login}/${world.publisherTenantId}/discovery/v2.0/keys`);
        expect(tenant.body.keys.map((k: Json) => k.kid)).toEqual(common.body.keys.map((k: Json) => k.kid));
        const unknown = await getJson(`${world.login}/unknown.example/discovery/v2.0/keys`);
        expect(unknown.status).toBe(400);
        expect(unknown.body.error).toBe('invalid_tenant');
    });
});
