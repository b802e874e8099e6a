/**
 * Admin consent failures that go back to the app, as the real endpoint does:
 * - Microsoft Learn, "Admin consent on the Microsoft identity platform" (Error response: the redirect keeps
 *   `admin_consent=True` beside `error`, `error_description` and `state`);
 * - Microsoft Learn, "Unexpected error when performing consent to an application" (AADSTS90094, the
 *   "Need admin approval" page with "Return to the application without granting consent");
 * - MSAL.NET AuthorizationResult.FromUri: `error=access_denied&error_subcode=cancel` is a user cancel;
 * - Microsoft Learn, "Microsoft Entra authentication and authorization error codes" (AADSTS50020).
 */
import { Browser, formsIn, pageErrorCode, redirectParams, type BrowserResponse } from '../../../support/browser';
import {
    CONNECT_REDIRECT_URI,
    servicePrincipal,
    startTestSimulator,
    type Credentials,
    type TestSimulator,
} from '../../../support/simulator';

let world: TestSimulator;

beforeAll(async () => {
    world = await startTestSimulator();
});
afterAll(async () => {
    await world.stop();
});

function consentUrl(tenant: string, options: { legacy?: boolean; state?: string } = {}): string {
    const url = new URL(`${world.login}/${tenant}/${options.legacy ? 'adminconsent' : 'v2.0/adminconsent'}`);
    url.searchParams.set('client_id', world.appClientId);
    url.searchParams.set('redirect_uri', CONNECT_REDIRECT_URI);
    if (!options.legacy) url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
    url.searchParams.set('state', options.state ?? 'st-7');
    return url.toString();
}

async function newTenant(name: string): Promise<{ id: string; admin: Credentials; user: Credentials }> {
    return (await world.control('POST', '/control/tenants', { displayName: name, userCount: 4 })).body;
}

async function spOf(tenantId: string) {
    return servicePrincipal(await world.controlGet('/control/state'), tenantId, world.appClientId);
}

/** Presses the (one) button of the form with this id, as a browser would: its name=value is sent too. */
function submit(browser: Browser, page: BrowserResponse, id: string, override: Record<string, string> = {}) {
    const form = formsIn(page.html).find((f) => f.id === id);
    const markup = new RegExp(`<form[^>]*id="${id}"[^>]*>([\\s\\S]*?)</form>`).exec(page.html)?.[1] ?? '';
    const button = /<button[^>]*name="([^"]+)"[^>]*value="([^"]+)"/.exec(markup);
    if (!form || !button) throw new Error(`no form #${id} with a button on the page`);
    return browser.post(form.action, { ...form.fields, [button[1]!]: button[2]!, ...override });
}

describe('an account of another organization at /{tenant}/v2.0/adminconsent', () => {
    it('goes back to the redirect URI with error=access_denied and AADSTS50020, keeping admin_consent and state', async () => {
        const target = await newTenant('Target Org Ltd');
        const other = await newTenant('Other Org Ltd');
        const browser = new Browser();
        const done = await browser.signIn(await browser.get(consentUrl(target.id)), other.admin);
        expect(done.status).toBe(302);
        expect(done.location?.startsWith(`${CONNECT_REDIRECT_URI}?`)).toBe(true);
        const params = redirectParams(done.location);
        expect([...params.keys()]).toEqual(['admin_consent', 'error', 'error_description', 'state']);
        expect(params.get('admin_consent')).toBe('True');
        expect(params.get('error')).toBe('access_denied');
        const description = params.get('error_description') ?? '';
        expect(description.split('\r\n')[0]).toBe(
            `AADSTS50020: User account '${other.admin.username}' from identity provider 'https://sts.windows.net/${other.id}/' does not exist in tenant 'Target Org Ltd' and cannot access the application '${world.appClientId}'(Tenant Sync) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
        );
        expect(description).toMatch(/\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: /);
        expect(params.get('state')).toBe('st-7');
        expect(params.has('tenant')).toBe(false);
        // Nothing was granted in either tenant.
        expect(await spOf(target.id)).toBeUndefined();
        expect(await spOf(other.id)).toBeUndefined();
    });

    it('the legacy endpoint sends the same error without admin_consent', async () => {
        const target = await newTenant('Legacy Target Ltd');
        const other = await newTenant('Legacy Other Ltd');
        const browser = new Browser();
        const done = await browser.signIn(await browser.get(consentUrl(target.id, { legacy: true })), other.admin);
        const params = redirectParams(done.location);
        expect([...params.keys()]).toEqual(['error', 'error_description', 'state']);
        expect(params.get('error')).toBe('access_denied');
        expect(params.get('error_description')).toMatch(/^AADSTS50020: /);
    });

    it('on the sign-in path (authorize) the same account still gets the error page, never a redirect', async () => {
        const target = await newTenant('Authorize Target Ltd');
        const other = await newTenant('Authorize Other Ltd');
        const url = new URL(`${world.login}/${target.id}/oauth2/v2.0/authorize`);
        for (const [k, v] of Object.entries({
            client_id: world.appClientId,
            redirect_uri: 'http://localhost:7071/auth/callback',
            response_type: 'code',
            scope: 'openid profile',
            state: 'x',
        }))
            url.searchParams.set(k, v);
        const browser = new Browser();
        const page = await browser.signIn(await browser.get(url.toString()), other.admin);
        expect(page.location).toBeUndefined();
        expect(pageErrorCode(page.html)).toBe('AADSTS50020');
    });
});

describe('a non-admin at the admin consent endpoint', () => {
    it('sees "Need admin approval" (AADSTS90094) with a way back that redirects access_denied + error_subcode=cancel', async () => {
        const tenant = await newTenant('No Admin Here Ltd');
        const browser = new Browser();
        const page = await browser.signIn(await browser.get(consentUrl('organizations')), tenant.user);
        expect(page.status).toBe(200);
        expect(page.location).toBeUndefined();
        expect(page.html).toContain('Need admin approval');
        expect(pageErrorCode(page.html)).toBe('AADSTS90094');
        expect(page.html).toContain('Return to the application without granting consent');

        const back = await submit(browser, page, 'return-to-app');
        expect(back.status).toBe(302);
        expect(back.location?.startsWith(`${CONNECT_REDIRECT_URI}?`)).toBe(true);
        const params = redirectParams(back.location);
        expect(params.get('error')).toBe('access_denied');
        expect(params.get('error_subcode')).toBe('cancel');
        expect(params.get('state')).toBe('st-7');
        expect(params.get('error_description')).toMatch(/^AADSTS65004: /);
        expect(params.has('tenant')).toBe(false);
        expect(await spOf(tenant.id)).toBeUndefined();
        // The interaction is over: the same form cannot be used again.
        const again = await submit(browser, page, 'return-to-app');
        expect(again.location).toBeUndefined();
    });

    it('"Sign in with that account" lets an administrator take over and consent', async () => {
        const tenant = await newTenant('Admin Takes Over Ltd');
        const browser = new Browser();
        const page = await browser.signIn(await browser.get(consentUrl('organizations')), tenant.user);
        const signInPage = await submit(browser, page, 'switch-account');
        expect(formsIn(signInPage.html).some((f) => f.id === 'signin')).toBe(true);
        const consentPage = await browser.signIn(signInPage, tenant.admin);
        expect(consentPage.html).toContain('Accept for your organization');
        const done = await browser.consent(consentPage, 'accept');
        expect(redirectParams(done.location).get('tenant')).toBe(tenant.id);
        expect((await spOf(tenant.id)).grants.map((g: { role: string }) => g.role)).toEqual(['User.Read.All']);
    });

    it('a crafted Accept from the non-admin grants nothing', async () => {
        const tenant = await newTenant('Crafted Accept Ltd');
        const browser = new Browser();
        const page = await browser.signIn(await browser.get(consentUrl('organizations')), tenant.user);
        const forged = await submit(browser, page, 'return-to-app', { consent: 'accept' });
        expect(forged.location).toBeUndefined();
        expect(pageErrorCode(forged.html)).toBe('AADSTS90094');
        expect(await spOf(tenant.id)).toBeUndefined();
    });
});
