import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

import { controlGet, decodeJwt, servicePrincipal, startWorld, type IdentityWorld, type Json } from './support';

let world: IdentityWorld;
const saved: Record<string, string | undefined> = {};
const VARIABLES = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_CLIENT_SECRET'];

beforeAll(async () => {
    world = await startWorld();
    // As in Azure Functions: the platform sets these two; nothing else names a credential.
    for (const name of VARIABLES) saved[name] = process.env[name];
    for (const name of VARIABLES) delete process.env[name];
    process.env.IDENTITY_ENDPOINT = world.sim.stackInfo.appSettings.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = world.identityHeader;
});
afterAll(async () => {
    for (const name of VARIABLES) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
    }
    await world.stop();
});

async function miState(): Promise<{ clientId: string; objectId: string; resourceId: string }> {
    const state = await controlGet(world, '/control/state');
    const app = (state.apps as Json[]).find((a) => a.kind === 'managedIdentity');
    const sp = servicePrincipal(state, world.publisherTenantId, app.clientId);
    return { clientId: app.clientId, objectId: sp.objectId, resourceId: app.resourceId };
}

describe('managed identity endpoint (App Service 2019-08-01) through @azure/identity', () => {
    it('DefaultAzureCredential gets a Key Vault token for the function app identity', async () => {
        expect(process.env.IDENTITY_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
        const mi = await miState();
        const credential = new DefaultAzureCredential();
        const token = await credential.getToken('https://vault.azure.net/.default');
        const { payload } = decodeJwt(token.token);
        expect(payload).toMatchObject({
            aud: 'https://vault.azure.net',
            iss: `https://sts.windows.net/${world.publisherTenantId}/`,
            appid: mi.clientId,
            appidacr: '2',
            idtyp: 'app',
            oid: mi.objectId,
            sub: mi.objectId,
            tid: world.publisherTenantId,
            xms_mirid: mi.resourceId,
            ver: '1.0',
        });
        expect(payload).not.toHaveProperty('roles');
        // About a day, as App Service's tokens.
        expect(payload.exp - payload.iat).toBe(86399);
        expect(token.expiresOnTimestamp).toBe(payload.exp * 1000);
    });

    it('SecretClient + DefaultAzureCredential reads the client secret, as the deployed app does', async () => {
        const client = new SecretClient(world.vault, new DefaultAzureCredential(), {
            disableChallengeResourceVerification: true,
        });
        expect((await client.getSecret('graph-client-secret')).value).toBe(world.appSecret);
    });

    it('issues Storage tokens; names the identity by client id or resource id', async () => {
        const mi = await miState();
        const byClientId = new ManagedIdentityCredential({ clientId: mi.clientId });
        expect(decodeJwt((await byClientId.getToken('https://storage.azure.com/.default')).token).payload.aud).toBe(
            'https://storage.azure.com',
        );
        const byResourceId = new ManagedIdentityCredential({ resourceId: mi.resourceId });
        expect(decodeJwt((await byResourceId.getToken('https://storage.azure.com/.default')).token).payload.appid).toBe(
            mi.clientId,
        );
    });

    it('an identity the app does not have: "Unable to load the proper Managed Identity."', async () => {
        const credential = new ManagedIdentityCredential({ clientId: '12345678-1234-4234-8234-123456789012' });
        await expect(credential.getToken('https://vault.azure.net/.default')).rejects.toThrow(
            /Unable to load the proper Managed Identity\./,
        );
    });

    it("an unknown resource is refused with Entra's AADSTS500011 in the message", async () => {
        const credential = new ManagedIdentityCredential();
        await expect(credential.getToken('https://unknown.example.com/.default')).rejects.toThrow(/AADSTS500011/);
    });
});

describe('managed identity endpoint wire format', () => {
    const endpoint = () => world.sim.stackInfo.appSettings.IDENTITY_ENDPOINT;

    it('answers the documented body: access_token, expires_on (string), resource, token_type, client_id', async () => {
        const mi = await miState();
        const response = await fetch(`${endpoint()}?api-version=2019-08-01&resource=https://vault.azure.net`, {
            headers: { 'X-IDENTITY-HEADER': world.identityHeader },
        });
        expect(response.status).toBe(200);
        const body = await response.json();
        expect(Object.keys(body)).toEqual(['access_token', 'expires_on', 'resource', 'token_type', 'client_id']);
        expect(body).toMatchObject({
            resource: 'https://vault.azure.net',
            token_type: 'Bearer',
            client_id: mi.clientId,
        });
        expect(body.expires_on).toMatch(/^\d+$/);
        expect(Number(body.expires_on)).toBe(decodeJwt(body.access_token).payload.exp);
    });

    it('refuses a missing header (400) and a wrong header (401) with {statusCode, message, correlationId}', async () => {
        const missing = await fetch(`${endpoint()}?api-version=2019-08-01&resource=https://vault.azure.net`);
        expect(missing.status).toBe(400);
        const wrong = await fetch(`${endpoint()}?api-version=2019-08-01&resource=https://vault.azure.net`, {
            headers: { 'X-IDENTITY-HEADER': 'guess' },
        });
        expect(wrong.status).toBe(401);
        const body = await wrong.json();
        expect(Object.keys(body).sort()).toEqual(['correlationId', 'message', 'statusCode']);
        expect(body.statusCode).toBe(401);
    });

    it('refuses another api-version and a missing resource with 400', async () => {
        const headers = { 'X-IDENTITY-HEADER': world.identityHeader };
        expect(
            (await fetch(`${endpoint()}?api-version=2017-09-01&resource=https://vault.azure.net`, { headers })).status,
        ).toBe(400);
        expect((await fetch(`${endpoint()}?api-version=2019-08-01`, { headers })).status).toBe(400);
    });
});
