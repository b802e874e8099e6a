import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { RestError } from '@azure/core-rest-pipeline';

import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let world: TestSimulator;

beforeAll(async () => {
    world = await startTestSimulator();
});
afterAll(async () => {
    await world.stop();
});

/** The app's configuration for local runs: our app registration as the credential. */
function appSecretClient(clientId = world.appClientId, secret = world.appSecret): SecretClient {
    const credential = new ClientSecretCredential(world.publisherTenantId, clientId, secret, {
        authorityHost: world.login,
        disableInstanceDiscovery: true,
    });
    return new SecretClient(world.origins.vault, credential, { disableChallengeResourceVerification: true });
}

async function restError(promise: Promise<unknown>): Promise<RestError> {
    try {
        await promise;
    } catch (error) {
        if (error instanceof RestError) return error;
        throw error;
    }
    throw new Error('expected a RestError');
}

async function rawGet(path: string, token?: string) {
    const response = await fetch(
        `${world.origins.vault}${path}`,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    return { status: response.status, headers: response.headers, body: await response.json() };
}

async function tokenFor(tenantId: string, scope: string, clientId = world.appClientId, secret = world.appSecret) {
    const cca = world.msalClient({ clientId, clientSecret: secret, tenant: tenantId });
    return (await cca.acquireTokenByClientCredential({ scopes: [scope], skipCache: true }))?.accessToken ?? '';
}

describe('Key Vault secrets through the SDK', () => {
    it('gets the client secret through the 401 challenge, then reuses the token', async () => {
        const client = appSecretClient();
        const since = await world.lastRequestSeq();
        const secret = await client.getSecret('graph-client-secret');
        expect(secret.value).toBe(world.appSecret);
        expect(secret.name).toBe('graph-client-secret');
        expect(secret.properties.vaultUrl).toBe(world.origins.vault);
        expect(secret.properties.version).toMatch(/^[0-9a-f]{32}$/);
        expect(secret.properties.id).toBe(
            `${world.origins.vault}/secrets/graph-client-secret/${secret.properties.version}`,
        );
        expect(secret.properties.enabled).toBe(true);
        // The deployed vault has purge protection and 90 days of soft delete (infra/modules/keyvault.bicep).
        expect(secret.properties.recoveryLevel).toBe('Recoverable');
        expect(secret.properties.recoverableDays).toBe(90);
        await client.getSecret('session-signing-key');
        const traffic = (await world.requestsSince(since)).map(
            (r: Json) => `${r.service} ${r.method} ${r.path} ${r.status}`,
        );
        expect(traffic).toEqual([
            'vault GET /secrets/graph-client-secret/ 401',
            `login GET /${world.publisherTenantId}/v2.0/.well-known/openid-configuration 200`,
            `login POST /${world.publisherTenantId}/oauth2/v2.0/token 200`,
            'vault GET /secrets/graph-client-secret/ 200',
            'vault GET /secrets/session-signing-key/ 200',
        ]);
    });

    it('surfaces a token failure (wrong client secret) as an error carrying the AADSTS text', async () => {
        const client = appSecretClient(world.appClientId, 'wrong-secret');
        await expect(client.getSecret('graph-client-secret')).rejects.toThrow(
            /AADSTS7000215: Invalid client secret provided\./,
        );
    });

    it('seeds a 32-byte base64 session signing key', async () => {
        const key = await appSecretClient().getSecret('session-signing-key');
        expect(Buffer.from(key.value ?? '', 'base64')).toHaveLength(32);
    });

    it('answers an unknown secret with 404 SecretNotFound', async () => {
        const error = await restError(appSecretClient().getSecret('no-such-secret'));
        expect(error.code).toBe('SecretNotFound');
        expect(error.statusCode).toBe(404);
        expect(error.message).toBe(
            'A secret with (name/id) no-such-secret was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182',
        );
        const missingVersion = await restError(
            appSecretClient().getSecret('graph-client-secret', { version: '0123456789abcdef0123456789abcdef' }),
        );
        expect(missingVersion.code).toBe('SecretNotFound');
    });

    it('refuses a caller without a role on the vault: 403 Forbidden (ForbiddenByRbac)', async () => {
        const ops = world.sim.stackInfo.operationsClient;
        const error = await restError(appSecretClient(ops.clientId, ops.clientSecret).getSecret('graph-client-secret'));
        expect(error.statusCode).toBe(403);
        expect(error.code).toBe('Forbidden');
        expect(error.message).toMatch(/^Caller is not authorized to perform action on resource\.\r\n/);
        expect(error.message).toContain(`Caller: appid=${ops.clientId};oid=`);
        expect(error.message).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'");
        const raw = await rawGet(
            '/secrets/graph-client-secret?api-version=7.5',
            await tokenFor(ops.tenantId, 'https://vault.azure.net/.default', ops.clientId, ops.clientSecret),
        );
        expect(raw.body.error.innererror).toEqual({ code: 'ForbiddenByRbac' });
    });

    it('keeps versions: setSecret adds one, the old one stays readable by version', async () => {
        const client = appSecretClient();
        const first = await client.setSecret('rotating', 'one');
        const second = await client.setSecret('rotating', 'two', {
            contentType: 'text/plain',
            tags: { owner: 'tests' },
        });
        expect(second.properties.version).not.toBe(first.properties.version);
        expect((await client.getSecret('rotating')).value).toBe('two');
        expect((await client.getSecret('rotating', { version: first.properties.version! })).value).toBe('one');
        const latest = await client.getSecret('ROTATING');
        expect(latest.properties.contentType).toBe('text/plain');
        expect(latest.properties.tags).toEqual({ owner: 'tests' });
    });

    it('a disabled secret is refused: 403 "Operation get is not allowed on a disabled secret."', async () => {
        const client = appSecretClient();
        await client.setSecret('switched-off', 'v');
        await world.control('POST', '/control/identity/vault/secrets/switched-off', { enabled: false });
        const error = await restError(client.getSecret('switched-off'));
        expect(error.statusCode).toBe(403);
        expect(error.code).toBe('Forbidden');
        expect(error.message).toBe('Operation get is not allowed on a disabled secret.');
    });

    it('an expired secret is still returned, with its expiry (exp is not enforced for secrets)', async () => {
        const client = appSecretClient();
        const expiresOn = new Date(Date.now() - 24 * 3600 * 1000);
        await client.setSecret('old-news', 'still here', { expiresOn });
        const secret = await client.getSecret('old-news');
        expect(secret.value).toBe('still here');
        expect(secret.properties.expiresOn?.getTime()).toBe(Math.floor(expiresOn.getTime() / 1000) * 1000);
    });
});

describe('Key Vault wire format', () => {
    it('challenges an unauthenticated request with the exact WWW-Authenticate header and AKV10000', async () => {
        const response = await rawGet('/secrets/graph-client-secret/?api%2Dversion=2025-07-01');
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(
            `Bearer authorization="${world.login}/${world.publisherTenantId}", resource="https://vault.azure.net"`,
        );
        expect(response.body).toEqual({
            error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
        });
        expect(response.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(response.headers.get('x-ms-keyvault-service-version')).toBeTruthy();
    });

    it('accepts api%2Dversion (as the SDK sends it) and refuses a request without api-version', async () => {
        const token = await tokenFor(world.publisherTenantId, 'https://vault.azure.net/.default');
        const ok = await rawGet('/secrets/graph-client-secret/?api%2Dversion=2025-07-01', token);
        expect(ok.status).toBe(200);
        expect(Object.keys(ok.body).sort()).toEqual(['attributes', 'id', 'value']);
        expect(Object.keys(ok.body.attributes).sort()).toEqual([
            'created',
            'enabled',
            'recoverableDays',
            'recoveryLevel',
            'updated',
        ]);
        expect(ok.body.attributes).toMatchObject({ recoveryLevel: 'Recoverable', recoverableDays: 90 });
        const missing = await rawGet('/secrets/graph-client-secret/', token);
        expect(missing.status).toBe(400);
        expect(missing.body.error.code).toBe('BadParameter');
    });

    it('answers a token for another audience with 401 AKV10022 and the challenge', async () => {
        const graph = await tokenFor(world.publisherTenantId, 'https://graph.microsoft.com/.default');
        const response = await rawGet('/secrets/graph-client-secret?api-version=7.5', graph);
        expect(response.status).toBe(401);
        expect(response.body.error.message).toBe(
            'AKV10022: Invalid audience. Expected https://vault.azure.net or cfa8b339-82a2-471a-a3c9-0fc0be7a4093, found: https://graph.microsoft.com.',
        );
        expect(response.headers.get('www-authenticate')).toContain('resource="https://vault.azure.net"');
    });

    it('answers a token from another tenant with 401 AKV10032 (invalid issuer)', async () => {
        const fabrikam = world.customers[0]!;
        await world.control('POST', `/control/tenants/${fabrikam.id}/consent`);
        const foreign = await tokenFor(fabrikam.id, 'https://vault.azure.net/.default');
        const response = await rawGet('/secrets/graph-client-secret?api-version=7.5', foreign);
        expect(response.status).toBe(401);
        expect(response.body.error.message).toBe(
            `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${world.publisherTenantId}/, found https://sts.windows.net/${fabrikam.id}/.`,
        );
    });

    it('answers an invalid secret name with 400 BadParameter', async () => {
        const token = await tokenFor(world.publisherTenantId, 'https://vault.azure.net/.default');
        const response = await rawGet('/secrets/not_valid!?api-version=7.5', token);
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('BadParameter');
    });
});
