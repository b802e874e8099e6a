/**
 * Which claims a v2 id token carries, through msal-node's authorization code flow (unchanged):
 * - Microsoft Learn, "ID token claims reference": `preferred_username` is the username; `email` is present by
 *   default for guests, and for managed users only when the `email` optional claim or the `email` OpenID
 *   Connect scope asks for it;
 * - Microsoft Learn, "Access token claims reference" (`wids`: configured by the manifest's
 *   groupMembershipClaims, `All` or `DirectoryRole`) and "Microsoft Entra built-in roles" (role template ids:
 *   Global Administrator 62e90394-…, Privileged Role Administrator e8611ab8-…).
 */
import { type ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';

import { Browser, redirectParams } from '../../../support/browser';
import {
    REDIRECT_URI,
    startTestSimulator,
    type Credentials,
    type Json,
    type TestSimulator,
} from '../../../support/simulator';

const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const PRIVILEGED_ROLE_ADMINISTRATOR = 'e8611ab8-c189-46e8-94e1-60213ab1f814';
const USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';
const GUEST_USER_ROLE = '10dae51f-b6af-4016-8d66-8c2a99b929b3';

let world: TestSimulator;
let cca: ConfidentialClientApplication;
const crypto = new CryptoProvider();

beforeAll(async () => {
    world = await startTestSimulator();
    cca = world.msalClient();
});
afterAll(async () => {
    await world.stop();
});
afterEach(async () => {
    // Back to how the publisher app is registered.
    await tokenConfiguration({ groupMembershipClaims: 'DirectoryRole', idTokenOptionalClaims: [] });
});

async function tokenConfiguration(body: Json): Promise<Json> {
    const answer = await world.control('POST', `/control/identity/apps/${world.appClientId}/token-configuration`, body);
    expect(answer.status).toBe(200);
    return answer.body.app;
}

/** Signs `user` in (accepting user consent if asked) and redeems the code; returns the id token claims. */
async function idTokenClaims(user: Credentials, scopes: string[] = ['User.Read']): Promise<Json> {
    const pkce = await crypto.generatePkceCodes();
    const nonce = crypto.createNewGuid();
    const url = await cca.getAuthCodeUrl({
        scopes,
        redirectUri: REDIRECT_URI,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
        nonce,
    });
    const browser = new Browser();
    let page = await browser.signIn(await browser.get(url), user);
    if (page.status === 200 && page.html.includes('Permissions requested'))
        page = await browser.consent(page, 'accept');
    const result = await cca.acquireTokenByCode({
        code: redirectParams(page.location).get('code') ?? '',
        scopes,
        redirectUri: REDIRECT_URI,
        codeVerifier: pkce.verifier,
        nonce,
    });
    return result.idTokenClaims;
}

async function newUser(tenantId: string, body: Json): Promise<Credentials & { mail: string | null }> {
    const created = await world.control('POST', `/control/tenants/${tenantId}/users`, {
        password: 'Sim-Passw0rd!',
        ...body,
    });
    expect(created.status).toBe(201);
    return { username: created.body.userPrincipalName, password: created.body.password, mail: created.body.mail };
}

describe('preferred_username and email', () => {
    it('preferred_username is the sign-in name; no email without the email scope, even when the user has a mail', async () => {
        const tenant = world.customers[1]!;
        const user = await newUser(tenant.id, { displayName: 'Mail Holder', mail: 'mail.holder@contoso.com' });
        const claims = await idTokenClaims(user);
        expect(claims.preferred_username).toBe(user.username);
        expect(claims).not.toHaveProperty('email');
    });

    it('the email scope adds email', async () => {
        const user = await newUser(world.customers[1]!.id, {
            displayName: 'Scope Asker',
            mail: 'scope.asker@x.example',
        });
        const claims = await idTokenClaims(user, ['User.Read', 'email']);
        expect(claims.email).toBe('scope.asker@x.example');
        expect(claims.preferred_username).toBe(user.username);
    });

    it('the email optional claim adds email without the scope', async () => {
        const app = await tokenConfiguration({ idTokenOptionalClaims: ['email'] });
        expect(app.optionalClaims).toEqual({ idToken: ['email'] });
        const user = await newUser(world.customers[1]!.id, { displayName: 'Optional Claim', mail: 'opt@x.example' });
        expect((await idTokenClaims(user)).email).toBe('opt@x.example');
    });

    it('a guest with a mail gets email by default; a user without a mail never does', async () => {
        const tenant = world.customers[0]!;
        const fabrikamDomain = world.sim.directory.tenant(tenant.id)!.record.defaultDomain;
        const guest = await newUser(tenant.id, {
            displayName: 'Visiting Guest',
            userType: 'Guest',
            mail: 'visitor@partner.example',
            userPrincipalName: `visitor_partner.example#EXT#@${fabrikamDomain}`,
        });
        const guestClaims = await idTokenClaims(guest);
        expect(guestClaims.email).toBe('visitor@partner.example');
        expect(guestClaims.wids).toEqual([GUEST_USER_ROLE]);

        const noMail = await newUser(tenant.id, { displayName: 'No Mail', mail: null });
        expect(await idTokenClaims(noMail, ['User.Read', 'email'])).not.toHaveProperty('email');
    });
});

describe('wids (directory roles) for an app registered with groupMembershipClaims DirectoryRole', () => {
    it('the seeded admin holds Global Administrator; an ordinary user only the User role', async () => {
        const tenant = world.customers[0]!;
        expect((await idTokenClaims(tenant.admin)).wids).toEqual([GLOBAL_ADMINISTRATOR, USER_ROLE]);
        expect((await idTokenClaims(tenant.user)).wids).toEqual([USER_ROLE]);
    });

    it('a Privileged Role Administrator carries that role and may grant admin consent', async () => {
        const tenant = (
            await world.control('POST', '/control/tenants', { displayName: 'Role Admins Ltd', userCount: 3 })
        ).body;
        const pra = await newUser(tenant.id, {
            displayName: 'Priya Roles',
            directoryRoles: [PRIVILEGED_ROLE_ADMINISTRATOR.toUpperCase()],
        });
        const plain = (await world.control('POST', `/control/tenants/${tenant.id}/users`, { displayName: 'X' })).body;
        expect(plain).toMatchObject({ isAdmin: false, directoryRoles: [] });

        const claims = await idTokenClaims(pra);
        expect(claims.wids).toEqual([PRIVILEGED_ROLE_ADMINISTRATOR, USER_ROLE]);
        // Admin consent works for this role (it is one that may grant application permissions).
        const url = new URL(`${world.login}/${tenant.id}/v2.0/adminconsent`);
        url.searchParams.set('client_id', world.appClientId);
        url.searchParams.set('redirect_uri', 'http://localhost:7071/connect/callback');
        url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
        const browser = new Browser();
        const consentPage = await browser.signIn(await browser.get(url.toString()), pra);
        expect(consentPage.html).toContain('Accept for your organization');
    });

    it('isAdmin and directoryRoles stay in step; giving both is refused', async () => {
        const tenantId = world.customers[0]!.id;
        const made = await world.control('POST', `/control/tenants/${tenantId}/users`, {
            displayName: 'Both Given',
            isAdmin: true,
            directoryRoles: [],
        });
        expect(made.status).toBe(400);
        expect(made.body.error.message).toContain('give isAdmin or directoryRoles, not both');
        const admin = await world.control('POST', `/control/tenants/${tenantId}/users`, {
            displayName: 'Flag Admin',
            isAdmin: true,
        });
        expect(admin.body).toMatchObject({ isAdmin: true, directoryRoles: [GLOBAL_ADMINISTRATOR] });
    });

    it('no wids when the app registration does not ask for directory roles', async () => {
        const app = await tokenConfiguration({ groupMembershipClaims: 'None' });
        expect(app.groupMembershipClaims).toBe('None');
        expect(await idTokenClaims(world.customers[0]!.admin)).not.toHaveProperty('wids');
        await tokenConfiguration({ groupMembershipClaims: 'All' });
        expect((await idTokenClaims(world.customers[0]!.admin)).wids).toEqual([GLOBAL_ADMINISTRATOR, USER_ROLE]);
    });

    it('refuses an unknown groupMembershipClaims value', async () => {
        const answer = await world.control('POST', `/control/identity/apps/${world.appClientId}/token-configuration`, {
            groupMembershipClaims: 'Everything',
        });
        expect(answer.status).toBe(400);
    });
});
