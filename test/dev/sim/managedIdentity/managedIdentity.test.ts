import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

import { type Json, servicePrincipal, startTestSimulator, type TestSimulator } from '../../../support/simulator';
import { decodeJwt } from '../../../support/tokens';

let world: TestSimulator;
const saved: Record<string, string | undefined> = {};
const VARIABLES = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_CLIENT_SECRET'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OTHER_CLIENT_ID = '12345678-1234-4234-8234-123456789012';
/** App Service's answers when no identity matches (dev/sim/managedIdentity: observed texts). */
const NO_IDENTITY_NAMED = /Unable to load the proper Managed Identity\./;
const IDENTITY_NOT_FOUND =
    /No User Assigned or Delegated Managed Identity found for specified ClientId\/ResourceId\/PrincipalId\./;

function restoreEnvironment(): void {
    for (const name of VARIABLES) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
    }
}

/** Keeps the two platform variables and removes what a test added (AZURE_CLIENT_ID). */
function forgetClientId(): void {
    delete process.env.AZURE_CLIENT_ID;
}

beforeAll(async () => {
    world = await startTestSimulator();
    // As in Azure Functions: the platform sets these two; each test decides about AZURE_CLIENT_ID.
    for (const name of VARIABLES) saved[name] = process.env[name];
    for (const name of VARIABLES) delete process.env[name];
    process.env.IDENTITY_ENDPOINT = world.sim.stackInfo.appSettings.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = world.identityHeader;
});
afterAll(async () => {
    restoreEnvironment();
    await world.stop();
});

interface UserAssignedIdentity {
    clientId: string;
    objectId: string;
    resourceId: string;
}

async function miState(): Promise<UserAssignedIdentity> {
    const state = await world.controlGet('/control/state');
    const app = (state.apps as Json[]).find((a) => a.kind === 'managedIdentity');
    const sp = servicePrincipal(state, world.publisherTenantId, app.clientId);
    return { clientId: app.clientId, objectId: sp.objectId, resourceId: app.resourceId };
}

function secretClient(credential: ConstructorParameters<typeof SecretClient>[1]): SecretClient {
    return new SecretClient(world.origins.vault, credential, { disableChallengeResourceVerification: true });
}

/** The query of every managed identity endpoint request answered after `since`. */
async function msiQueries(since: number): Promise<URLSearchParams[]> {
    return (await world.requestsSince(since, 'msi')).map((r: Json) => new URLSearchParams(r.query));
}

describe('the function app identity is user-assigned, as infra/modules deploys it', () => {
    it('one user-assigned identity with a client id, object id and userAssignedIdentities resource id', async () => {
        const state = await world.controlGet('/control/state');
        const identities = (state.apps as Json[]).filter((a) => a.kind === 'managedIdentity');
        expect(identities).toHaveLength(1);
        const mi = await miState();
        expect(mi.clientId).toMatch(GUID);
        expect(mi.objectId).toMatch(GUID);
        expect(mi.resourceId).toMatch(
            /^\/subscriptions\/[0-9a-f-]{36}\/resourcegroups\/rg-tenant-sync\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/id-tenant-sync$/,
        );
    });

    it('the app settings hand its client id to the app as AZURE_CLIENT_ID (as function-app.bicep does)', async () => {
        const mi = await miState();
        expect(world.sim.stackInfo.appSettings.AZURE_CLIENT_ID).toBe(mi.clientId);
    });
});

describe('managed identity endpoint (App Service 2019-08-01) through @azure/identity', () => {
    afterEach(forgetClientId);

    it('ManagedIdentityCredential({ clientId }) gets a Key Vault token for the user-assigned identity', async () => {
        const mi = await miState();
        const since = await world.lastRequestSeq();
        const token = await new ManagedIdentityCredential({ clientId: mi.clientId }).getToken(
            'https://vault.azure.net/.default',
        );
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
        // msal-node names a user-assigned identity by `client_id` on this API version.
        expect((await msiQueries(since)).map((q) => q.get('client_id'))).toEqual([mi.clientId]);
    });

    it('SecretClient + ManagedIdentityCredential({ clientId }) reads graph-client-secret', async () => {
        const mi = await miState();
        const client = secretClient(new ManagedIdentityCredential({ clientId: mi.clientId }));
        expect((await client.getSecret('graph-client-secret')).value).toBe(world.appSecret);
    });

    it('SecretClient + DefaultAzureCredential({ managedIdentityClientId }) reads graph-client-secret', async () => {
        const mi = await miState();
        const client = secretClient(new DefaultAzureCredential({ managedIdentityClientId: mi.clientId }));
        expect((await client.getSecret('graph-client-secret')).value).toBe(world.appSecret);
    });

    it('DefaultAzureCredential() takes the client id from AZURE_CLIENT_ID, as the deployed app does', async () => {
        const mi = await miState();
        process.env.AZURE_CLIENT_ID = world.sim.stackInfo.appSettings.AZURE_CLIENT_ID;
        const credential = new DefaultAzureCredential();
        const client = secretClient(credential);
        expect((await client.getSecret('graph-client-secret')).value).toBe(world.appSecret);
        // msal-node shares managed identity tokens between credentials, so look at the token, not the traffic.
        const token = await credential.getToken('https://vault.azure.net/.default');
        expect(decodeJwt(token.token).payload).toMatchObject({ appid: mi.clientId, oid: mi.objectId });
    });

    it('names the identity by resource id (mi_res_id) or object id (object_id) too', async () => {
        const mi = await miState();
        const since = await world.lastRequestSeq();
        const byResourceId = new ManagedIdentityCredential({ resourceId: mi.resourceId });
        expect(
            decodeJwt((await byResourceId.getToken('https://storage.azure.com/.default')).token).payload,
        ).toMatchObject({ aud: 'https://storage.azure.com', appid: mi.clientId });
        const byObjectId = new ManagedIdentityCredential({ objectId: mi.objectId });
        expect(decodeJwt((await byObjectId.getToken('https://vault.azure.net/.default')).token).payload.oid).toBe(
            mi.objectId,
        );
        const queries = await msiQueries(since);
        expect(queries.map((q) => [q.get('mi_res_id'), q.get('object_id')])).toEqual([
            [mi.resourceId, null],
            [null, mi.objectId],
        ]);
    });

    it('without a client id there is no identity to use: "Unable to load the proper Managed Identity."', async () => {
        await expect(new ManagedIdentityCredential().getToken('https://vault.azure.net/.default')).rejects.toThrow(
            NO_IDENTITY_NAMED,
        );
        // DefaultAzureCredential with neither the option nor AZURE_CLIENT_ID: the same answer.
        const client = secretClient(new DefaultAzureCredential());
        await expect(client.getSecret('graph-client-secret')).rejects.toThrow(NO_IDENTITY_NAMED);
    });

    it('an identity the app does not have: "No User Assigned … Managed Identity found …"', async () => {
        const credential = new ManagedIdentityCredential({ clientId: OTHER_CLIENT_ID });
        await expect(credential.getToken('https://vault.azure.net/.default')).rejects.toThrow(IDENTITY_NOT_FOUND);
        process.env.AZURE_CLIENT_ID = OTHER_CLIENT_ID;
        await expect(secretClient(new DefaultAzureCredential()).getSecret('graph-client-secret')).rejects.toThrow(
            IDENTITY_NOT_FOUND,
        );
    });

    it("an unknown resource is refused with Entra's AADSTS500011 in the message", async () => {
        const mi = await miState();
        const credential = new ManagedIdentityCredential({ clientId: mi.clientId });
        await expect(credential.getToken('https://unknown.example.com/.default')).rejects.toThrow(/AADSTS500011/);
    });
});

describe('managed identity endpoint wire format', () => {
    const endpoint = () => world.sim.stackInfo.appSettings.IDENTITY_ENDPOINT;
    const headers = () => ({ 'X-IDENTITY-HEADER': world.identityHeader });
    const url = (params: Record<string, string>) =>
        `${endpoint()}?${new URLSearchParams({ 'api-version': '2019-08-01', resource: 'https://vault.azure.net', ...params }).toString()}`;

    it('answers the documented body: access_token, expires_on (string), resource, token_type, client_id', async () => {
        const mi = await miState();
        const response = await fetch(url({ client_id: mi.clientId }), { headers: headers() });
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

    it('accepts principal_id (App Service’s name for the object id) and any case of the ids', async () => {
        const mi = await miState();
        for (const params of [{ principal_id: mi.objectId }, { client_id: mi.clientId.toUpperCase() }]) {
            const response = await fetch(url(params), { headers: headers() });
            expect(response.status).toBe(200);
            expect((await response.json()).client_id).toBe(mi.clientId);
        }
    });

    it('no identity named, another identity, or contradicting names: 400 {statusCode, message, correlationId}', async () => {
        const mi = await miState();
        const cases: Array<[Record<string, string>, RegExp]> = [
            [{}, NO_IDENTITY_NAMED],
            [{ client_id: OTHER_CLIENT_ID }, IDENTITY_NOT_FOUND],
            [{ mi_res_id: mi.resourceId.replace('id-tenant-sync', 'id-other') }, IDENTITY_NOT_FOUND],
            [{ object_id: OTHER_CLIENT_ID }, IDENTITY_NOT_FOUND],
            [{ client_id: mi.clientId, object_id: OTHER_CLIENT_ID }, IDENTITY_NOT_FOUND],
        ];
        for (const [params, message] of cases) {
            const response = await fetch(url(params), {
                headers: { ...headers(), 'x-ms-client-request-id': 'req-1' },
            });
            expect(response.status).toBe(400);
            const body = await response.json();
            expect(Object.keys(body).sort()).toEqual(['correlationId', 'message', 'statusCode']);
            expect(body).toMatchObject({ statusCode: 400, correlationId: 'req-1' });
            expect(body.message).toMatch(message);
        }
    });

    it('refuses a missing header (400) and a wrong header (401) with {statusCode, message, correlationId}', async () => {
        const mi = await miState();
        const missing = await fetch(url({ client_id: mi.clientId }));
        expect(missing.status).toBe(400);
        const wrong = await fetch(url({ client_id: mi.clientId }), { headers: { 'X-IDENTITY-HEADER': 'guess' } });
        expect(wrong.status).toBe(401);
        const body = await wrong.json();
        expect(Object.keys(body).sort()).toEqual(['correlationId', 'message', 'statusCode']);
        expect(body.statusCode).toBe(401);
    });

    it('refuses another api-version and a missing resource with 400', async () => {
        const mi = await miState();
        expect(
            (await fetch(url({ 'api-version': '2017-09-01', client_id: mi.clientId }), { headers: headers() })).status,
        ).toBe(400);
        const noResource = `${endpoint()}?api-version=2019-08-01&client_id=${mi.clientId}`;
        expect((await fetch(noResource, { headers: headers() })).status).toBe(400);
    });
});
