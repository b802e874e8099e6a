/**
 * Right after admin consent the new service principal is not visible everywhere at once: client credentials
 * for that tenant first answer AADSTS700016 ("Application ... was not found in the directory"), then give
 * tokens without `roles`, then tokens with them. Public sources: Azure/ARO-RP pkg/util/aad GetToken ("AADSTS700016
 * ... can be an indicator of AAD propagation delay"), Microsoft Learn "Admin consent on the Microsoft identity
 * platform" and "Microsoft Entra authentication and authorization error codes" (AADSTS700016).
 */
import { ServerError } from '@azure/msal-node';

import { Browser } from '../../../support/browser';
import {
    CONNECT_REDIRECT_URI,
    servicePrincipal,
    startTestSimulator,
    type Credentials,
    type TestSimulator,
} from '../../../support/simulator';
import { decodeJwt } from '../../../support/tokens';

let world: TestSimulator;

beforeAll(async () => {
    world = await startTestSimulator();
});
afterAll(async () => {
    await world.stop();
});
afterEach(async () => {
    await world.control('POST', '/control/identity/settings', {
        servicePrincipalPropagationDelayMs: 0,
        consentPropagationDelayMs: 0,
    });
});

async function newTenant(name: string): Promise<{ id: string; admin: Credentials }> {
    return (await world.control('POST', '/control/tenants', { displayName: name, userCount: 4 })).body;
}

/** A fresh MSAL client each time: nothing cached from before, as the product's consent check must do. */
async function tokenOutcome(tenantId: string): Promise<{ errorNo?: unknown; roles?: string[] }> {
    const cca = world.msalClient();
    try {
        const result = await cca.acquireTokenByClientCredential({
            scopes: ['https://graph.microsoft.com/.default'],
            authority: `${world.login}/${tenantId}`,
        });
        return { roles: decodeJwt(result?.accessToken ?? '').payload.roles ?? [] };
    } catch (error) {
        if (error instanceof ServerError) return { errorNo: error.errorNo };
        throw error;
    }
}

async function adminConsent(tenant: { id: string; admin: Credentials }): Promise<void> {
    const url = new URL(`${world.login}/${tenant.id}/v2.0/adminconsent`);
    url.searchParams.set('client_id', world.appClientId);
    url.searchParams.set('redirect_uri', CONNECT_REDIRECT_URI);
    url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
    const browser = new Browser();
    const done = await browser.consent(await browser.signIn(await browser.get(url.toString()), tenant.admin), 'accept');
    expect(new URL(done.location ?? '').searchParams.get('admin_consent')).toBe('True');
}

it('after browser admin consent: 700016 while the service principal replicates, then no roles, then roles', async () => {
    const settings = await world.control('POST', '/control/identity/settings', {
        servicePrincipalPropagationDelayMs: 60_000,
        consentPropagationDelayMs: 30_000,
    });
    expect(settings.body.settings).toMatchObject({
        servicePrincipalPropagationDelayMs: 60_000,
        consentPropagationDelayMs: 30_000,
    });
    const tenant = await newTenant('Slow Replication Ltd');
    await adminConsent(tenant);

    // The consent happened: the service principal exists, with its visibility times.
    const sp = servicePrincipal(await world.controlGet('/control/state'), tenant.id, world.appClientId);
    expect(Date.parse(sp.visibleAt) - Date.parse(sp.createdAt)).toBe(60_000);
    expect(Date.parse(sp.grants[0].visibleAt) - Date.parse(sp.visibleAt)).toBe(30_000);

    expect(await tokenOutcome(tenant.id)).toEqual({ errorNo: 700016 });
    await world.advanceClock(59);
    expect(await tokenOutcome(tenant.id)).toEqual({ errorNo: 700016 });
    await world.advanceClock(2);
    expect(await tokenOutcome(tenant.id)).toEqual({ roles: [] });
    await world.advanceClock(30);
    expect(await tokenOutcome(tenant.id)).toEqual({ roles: ['User.Read.All'] });
});

it('consent through the control API takes an override; re-enabling an existing service principal is not delayed', async () => {
    await world.control('POST', '/control/identity/settings', { servicePrincipalPropagationDelayMs: 600_000 });
    const tenant = await newTenant('Override Ltd');
    await world.control('POST', `/control/tenants/${tenant.id}/consent`, { servicePrincipalDelayMs: 5_000 });
    expect(await tokenOutcome(tenant.id)).toEqual({ errorNo: 700016 });
    await world.advanceClock(6);
    expect(await tokenOutcome(tenant.id)).toEqual({ roles: ['User.Read.All'] });

    // Disable and consent again: the service principal already exists everywhere.
    await world.control('POST', `/control/tenants/${tenant.id}/service-principal/disable`);
    expect(await tokenOutcome(tenant.id)).toEqual({ errorNo: 7000112 });
    await adminConsent(tenant);
    expect(await tokenOutcome(tenant.id)).toEqual({ roles: ['User.Read.All'] });
});

it('the default is no delay: tokens with roles right after consent', async () => {
    const tenant = await newTenant('Instant Ltd');
    await adminConsent(tenant);
    expect(await tokenOutcome(tenant.id)).toEqual({ roles: ['User.Read.All'] });
});
