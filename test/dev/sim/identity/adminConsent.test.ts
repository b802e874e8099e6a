import { ConfidentialClientApplication, ServerError } from '@azure/msal-node';

import { Browser, pageErrorCode, redirectParams } from '../../../support/browser';
import {
    CONNECT_REDIRECT_URI,
    type Credentials,
    servicePrincipal,
    startTestSimulator,
    type TestSimulator,
} from '../../../support/simulator';
import { decodeJwt, expectGraphAppToken } from '../../../support/tokens';

let world: TestSimulator;

beforeAll(async () => {
    world = await startTestSimulator();
});
afterAll(async () => {
    await world.stop();
});

function consentUrl(
    options: { tenant?: string; redirectUri?: string; scope?: string; legacy?: boolean; state?: string } = {},
) {
    const path = options.legacy ? 'adminconsent' : 'v2.0/adminconsent';
    const url = new URL(`${world.login}/${options.tenant ?? 'organizations'}/${path}`);
    url.searchParams.set('client_id', world.appClientId);
    url.searchParams.set('redirect_uri', options.redirectUri ?? CONNECT_REDIRECT_URI);
    if (!options.legacy) url.searchParams.set('scope', options.scope ?? 'https://graph.microsoft.com/.default');
    url.searchParams.set('state', options.state ?? 'connect-42');
    return url.toString();
}

async function newTenant(
    name: string,
): Promise<{ id: string; displayName: string; admin: Credentials; user: Credentials }> {
    return (await world.control('POST', '/control/tenants', { displayName: name, userCount: 4 })).body;
}

function daemon(): ConfidentialClientApplication {
    return world.msalClient();
}

async function graphToken(tenantId: string) {
    return daemon().acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
        authority: `${world.login}/${tenantId}`,
    });
}

describe('admin consent (v2.0/adminconsent)', () => {
    it('onboards a tenant: admin signs in, sees the application permission, accepts; client credentials then work', async () => {
        const tenant = await newTenant('Onboarding Corp');
        await expect(graphToken(tenant.id)).rejects.toMatchObject({ errorNo: 700016 });

        const browser = new Browser();
        const signInPage = await browser.get(consentUrl());
        expect(signInPage.status).toBe(200);
        const consentPage = await browser.signIn(signInPage, tenant.admin);
        expect(consentPage.status).toBe(200);
        expect(consentPage.html).toContain('Accept for your organization');
        expect(consentPage.html).toContain("Read all users' full profiles");
        expect(consentPage.html).toContain('application permission User.Read.All');
        expect(consentPage.html).toContain(tenant.displayName);

        const done = await browser.consent(consentPage, 'accept');
        expect(done.status).toBe(302);
        expect(done.location?.startsWith(`${CONNECT_REDIRECT_URI}?`)).toBe(true);
        const params = redirectParams(done.location);
        expect([...params.keys()]).toEqual(['admin_consent', 'tenant', 'state', 'scope']);
        expect(params.get('admin_consent')).toBe('True');
        expect(params.get('tenant')).toBe(tenant.id);
        expect(params.get('state')).toBe('connect-42');
        expect(params.get('scope')).toBe(
            'https://graph.microsoft.com/User.Read.All https://graph.microsoft.com/User.Read',
        );

        const sp = servicePrincipal(await world.controlGet('/control/state'), tenant.id, world.appClientId);
        expect(sp.enabled).toBe(true);
        expect(sp.grants.map((g: { role: string }) => g.role)).toEqual(['User.Read.All']);
        const token = await graphToken(tenant.id);
        expect(decodeJwt(token?.accessToken ?? '').payload).toMatchObject({
            tid: tenant.id,
            roles: ['User.Read.All'],
            oid: sp.objectId,
        });
    });

    it('a signed-in admin goes straight to the consent screen; a tenant path must match the admin', async () => {
        const tenant = await newTenant('Straight Through Ltd');
        const browser = new Browser();
        await browser.signIn(await browser.get(consentUrl({ tenant: tenant.id })), tenant.admin);
        const again = await browser.get(consentUrl({ tenant: tenant.id, state: 'second' }));
        expect(again.html).toContain('Permissions requested');
        const done = await browser.consent(again, 'accept');
        expect(redirectParams(done.location).get('state')).toBe('second');

        // An admin of another organization is sent back to the app (test/dev/sim/identity/adminConsentErrors.test.ts).
        const other = world.customers[0]!;
        const wrongTenant = await new Browser().get(consentUrl({ tenant: other.id }));
        const back = await new Browser().signIn(wrongTenant, tenant.admin);
        expect(redirectParams(back.location).get('error_description')).toMatch(/^AADSTS50020: /);
    });

    it('a signed-in non-admin is offered the account picker, so an admin can sign in instead', async () => {
        const tenant = await newTenant('Switch Account Ltd');
        const browser = new Browser();
        const refused = await browser.signIn(await browser.get(consentUrl()), tenant.user);
        expect(pageErrorCode(refused.html)).toBe('AADSTS90094');
        const picker = await browser.get(consentUrl());
        expect(picker.html).toContain(tenant.user.username);
        const consentPage = await browser.signIn(picker, tenant.admin);
        expect(consentPage.html).toContain('Accept for your organization');
    });

    it('a non-admin is refused on the page (AADSTS90094) and nothing is granted', async () => {
        const tenant = await newTenant('Regular Users Ltd');
        const browser = new Browser();
        const page = await browser.signIn(await browser.get(consentUrl()), tenant.user);
        expect(page.status).toBe(200);
        expect(page.location).toBeUndefined();
        expect(pageErrorCode(page.html)).toBe('AADSTS90094');
        expect(page.html).toContain(
            'needs permission to access resources in your organization that only an admin can grant',
        );
        expect(
            servicePrincipal(await world.controlGet('/control/state'), tenant.id, world.appClientId),
        ).toBeUndefined();
    });

    it('cancel redirects with admin_consent=True, error=consent_required and AADSTS65004', async () => {
        const tenant = await newTenant('Cautious Corp');
        const browser = new Browser();
        const consentPage = await browser.signIn(await browser.get(consentUrl()), tenant.admin);
        const done = await browser.consent(consentPage, 'cancel');
        const params = redirectParams(done.location);
        expect(params.get('admin_consent')).toBe('True');
        expect(params.get('error')).toBe('consent_required');
        expect(params.get('error_description')).toMatch(
            /^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: /,
        );
        expect(params.get('state')).toBe('connect-42');
        expect(params.has('tenant')).toBe(false);
        expect(
            servicePrincipal(await world.controlGet('/control/state'), tenant.id, world.appClientId),
        ).toBeUndefined();
    });

    it('an unregistered redirect URI or an unknown client never redirects', async () => {
        const page = await new Browser().get(consentUrl({ redirectUri: 'https://evil.example/callback' }));
        expect(page.location).toBeUndefined();
        expect(pageErrorCode(page.html)).toBe('AADSTS50011');
        const unknownClient = new URL(consentUrl());
        unknownClient.searchParams.set('client_id', '99999999-9999-4999-8999-999999999999');
        expect(pageErrorCode((await new Browser().get(unknownClient.toString())).html)).toBe('AADSTS700016');
    });

    it('a permission the registration does not list is refused with AADSTS650057', async () => {
        const page = await new Browser().get(consentUrl({ scope: 'https://vault.azure.net/.default' }));
        expect(pageErrorCode(page.html)).toBe('AADSTS650057');
    });

    it('accepting again re-enables a disabled service principal', async () => {
        const tenant = await newTenant('Re-enable Inc');
        await world.control('POST', `/control/tenants/${tenant.id}/consent`);
        await world.control('POST', `/control/tenants/${tenant.id}/service-principal/disable`);
        await expect(graphToken(tenant.id)).rejects.toMatchObject({ errorNo: 7000112 });
        const browser = new Browser();
        const consentPage = await browser.signIn(await browser.get(consentUrl()), tenant.admin);
        await browser.consent(consentPage, 'accept');
        expectGraphAppToken(world, (await graphToken(tenant.id))?.accessToken, tenant.id, ['User.Read.All']);
    });

    it('revoking consent: a new token request gets AADSTS700016 again', async () => {
        const tenant = await newTenant('Leaving Soon Ltd');
        const browser = new Browser();
        await browser.consent(await browser.signIn(await browser.get(consentUrl()), tenant.admin), 'accept');
        expectGraphAppToken(world, (await graphToken(tenant.id))?.accessToken, tenant.id, ['User.Read.All']);
        await world.control('POST', `/control/tenants/${tenant.id}/consent/revoke`);
        const error = await graphToken(tenant.id).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ServerError);
        expect(error).toMatchObject({ errorCode: 'unauthorized_client', errorNo: 700016, status: 400 });
    });
});

describe('legacy /adminconsent', () => {
    it('redirects tenant, state and admin_consent=True after accepting', async () => {
        const tenant = await newTenant('Legacy Accept Ltd');
        const browser = new Browser();
        const consentPage = await browser.signIn(await browser.get(consentUrl({ legacy: true })), tenant.admin);
        const done = await browser.consent(consentPage, 'accept');
        const params = redirectParams(done.location);
        expect([...params.entries()]).toEqual([
            ['tenant', tenant.id],
            ['state', 'connect-42'],
            ['admin_consent', 'True'],
        ]);
    });

    it('reports a cancel with the documented permission_denied error', async () => {
        const tenant = await newTenant('Legacy Cancel Ltd');
        const browser = new Browser();
        const consentPage = await browser.signIn(await browser.get(consentUrl({ legacy: true })), tenant.admin);
        const params = redirectParams((await browser.consent(consentPage, 'cancel')).location);
        expect(params.get('error')).toBe('permission_denied');
        expect(params.get('error_description')).toBe('The admin canceled the request');
    });
});
