/**
 * Sign-in end to end against the simulator's identity platform and Azurite: the real composition
 * root, the page handlers called as the host calls them, the simulator's sign-in page driven over HTTPS.
 */
import type { Services } from '../../../src/app/services';
import { createSignIn, IdTokenRejectedError } from '../../../src/auth';
import { CONTENT_SECURITY_POLICY } from '../../../src/web';
import { decodeJwt } from '../../support/tokens';
import { ProductBrowser, PUBLIC_BASE_URL } from '../../support/productBrowser';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());

const contoso = () => {
    const tenant = world.sim.customers.find((t) => t.displayName === 'Contoso');
    if (tenant === undefined) throw new Error('no Contoso');
    return tenant;
};

describe('GET /auth/signin', () => {
    it('sends the browser to {AUTHORITY_HOST}/organizations with PKCE (S256), state and nonce, bound by a cookie', async () => {
        const browser = new ProductBrowser(world.services);
        const answer = await browser.app('GET', '/auth/signin?returnTo=%2Ftenants%2Fx');
        expect(answer.status).toBe(302);
        const location = new URL(answer.location ?? '');
        expect(`${location.origin}${location.pathname}`).toBe(`${world.sim.login}/organizations/oauth2/v2.0/authorize`);
        const query = location.searchParams;
        expect(query.get('client_id')).toBe(world.sim.appClientId);
        expect(query.get('response_type')).toBe('code');
        expect(query.get('redirect_uri')).toBe(`${PUBLIC_BASE_URL}/auth/callback`);
        expect(query.get('code_challenge_method')).toBe('S256');
        expect(query.get('code_challenge')).toMatch(/^[\w-]{43}$/);
        expect(query.get('state')).toMatch(/.{16,}/);
        expect(query.get('nonce')).toMatch(/.{16,}/);
        expect(query.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile']));
        expect(answer.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
        // The transaction (verifier, nonce, state) lives in this browser only, HttpOnly, for 15 minutes.
        expect(answer.cookies).toEqual([
            expect.objectContaining({
                name: 'tenant_sync_signin',
                httpOnly: true,
                sameSite: 'Lax',
                secure: false,
                path: '/',
                maxAge: 900,
            }),
        ]);
        const transaction = decodeJwt(answer.cookies[0]?.value ?? '');
        expect(transaction.header.alg).toBe('HS256');
        expect(transaction.payload).toMatchObject({ aud: 'signin', st: query.get('state'), rt: '/tenants/x' });
        // The verifier is not in the URL: only its S256 challenge is.
        expect(answer.location).not.toContain(transaction.payload.cv);
    });
});

describe('GET /auth/callback', () => {
    it('signs a seeded admin in: a session cookie, back to returnTo, and nothing of the user left in the shared MSAL cache', async () => {
        const browser = new ProductBrowser(world.services);
        const end = await browser.signIn(contoso().admin, { returnTo: '/?from=test' });
        expect(end.url).toBe(`${PUBLIC_BASE_URL}/?from=test`);
        expect(end.status).toBe(200);
        expect(end.html).toContain('Welcome, ');
        const session = browser.cookies.get('tenant_sync_session');
        expect(session).toBeDefined();
        expect(decodeJwt(session ?? '').payload).toMatchObject({
            aud: 'session',
            tid: contoso().id,
            username: contoso().admin.username,
        });
        expect(browser.cookies.has('tenant_sync_signin')).toBe(false);
        const accounts = await world.services.appClient.withClient((client) => client.getTokenCache().getAllAccounts());
        expect(accounts).toEqual([]);
    });

    it('sets the session cookie HttpOnly, SameSite=Lax, without Secure on http://localhost, for 8 hours', async () => {
        const browser = new ProductBrowser(world.services);
        const callback = await browser.signIn(contoso().user, { stopAtCallback: true });
        const answer = await browser.app('GET', callback.location ?? '');
        expect(answer.status).toBe(303);
        expect(answer.location).toBe('/');
        expect(answer.cookies).toEqual(
            expect.arrayContaining([
                expect.objectContaining({ name: 'tenant_sync_signin', value: '', maxAge: 0 }),
                expect.objectContaining({
                    name: 'tenant_sync_session',
                    httpOnly: true,
                    sameSite: 'Lax',
                    secure: false,
                    path: '/',
                    maxAge: 8 * 3600,
                }),
            ]),
        );
    });

    it('refuses a callback URL replayed in another browser (no transaction cookie): no session', async () => {
        const victim = new ProductBrowser(world.services);
        const callback = await victim.signIn(contoso().admin, { stopAtCallback: true });
        const attacker = new ProductBrowser(world.services);
        const answer = await attacker.app('GET', callback.location ?? '');
        expect(answer.status).toBe(400);
        expect(answer.html).toContain('Please sign in again');
        expect(attacker.cookies.has('tenant_sync_session')).toBe(false);
    });

    it('refuses a replayed callback even with the transaction cookie: the code is redeemed once', async () => {
        const browser = new ProductBrowser(world.services);
        const callback = await browser.signIn(contoso().admin, { stopAtCallback: true });
        const transaction = browser.cookies.get('tenant_sync_signin') ?? '';
        expect((await browser.app('GET', callback.location ?? '')).status).toBe(303);

        // Without the cookie (it was cleared): the state no longer matches a sign-in in this browser.
        const again = await browser.app('GET', callback.location ?? '');
        expect(again.status).toBe(400);

        // With the cookie put back: the identity platform refuses the used code.
        const thief = new ProductBrowser(world.services);
        thief.cookies.set('tenant_sync_signin', transaction);
        const replay = await thief.app('GET', callback.location ?? '');
        expect(replay.status).toBe(401);
        expect(replay.html).toContain('one-time code');
        expect(thief.cookies.has('tenant_sync_session')).toBe(false);
    });

    it('refuses a state that is not the one this browser sent', async () => {
        const browser = new ProductBrowser(world.services);
        const callback = new URL((await browser.signIn(contoso().admin, { stopAtCallback: true })).location ?? '');
        callback.searchParams.set('state', `${callback.searchParams.get('state') ?? ''}x`);
        const answer = await browser.app('GET', callback.href);
        expect(answer.status).toBe(400);
        expect(browser.cookies.has('tenant_sync_session')).toBe(false);
    });

    it('shows an error from the identity platform with its description, escaped', async () => {
        const browser = new ProductBrowser(world.services);
        const start = await browser.app('GET', '/auth/signin');
        const state = new URL(start.location ?? '').searchParams.get('state') ?? '';
        const description = 'AADSTS65004: User declined to consent. <script>alert(1)</script>';
        const answer = await browser.app(
            'GET',
            `/auth/callback?${new URLSearchParams({ error: 'access_denied', error_description: description, state }).toString()}`,
        );
        expect(answer.status).toBe(401);
        expect(answer.html).toContain('Microsoft did not sign you in');
        expect(answer.html).toContain('AADSTS65004: User declined to consent. &lt;script>alert(1)&lt;/script>');
        expect(answer.html).not.toContain('<script>');
        expect(answer.html).toContain('access_denied');
    });

    it('sends the browser only to same-origin paths after sign-in', async () => {
        for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
            const browser = new ProductBrowser(world.services);
            const callback = await browser.signIn(contoso().user, { returnTo, stopAtCallback: true });
            const answer = await browser.app('GET', callback.location ?? '');
            expect(answer.location).toBe('/');
        }
    });

    it('records whether the user holds an administrator role from the id token’s wids', async () => {
        const admin = new ProductBrowser(world.services);
        await admin.signIn(contoso().admin);
        expect(decodeJwt(admin.cookies.get('tenant_sync_session') ?? '').payload.adm).toBe(true);
        const user = new ProductBrowser(world.services);
        await user.signIn(contoso().user);
        expect(decodeJwt(user.cookies.get('tenant_sync_session') ?? '').payload.adm).toBe(false);
    });

    it('counts a Privileged Role Administrator as an administrator too', async () => {
        const users = await world.sim.controlGet(`/control/tenants/${contoso().id}/users?skip=0&top=5`);
        const ordinary = users.users.find(
            (u: { userPrincipalName: string }) => u.userPrincipalName === contoso().user.username,
        );
        const patched = await world.sim.control('PATCH', `/control/tenants/${contoso().id}/users/${ordinary.id}`, {
            directoryRoles: ['e8611ab8-c189-46e8-94e1-60213ab1f814'],
        });
        expect(patched.status).toBe(200);
        try {
            const browser = new ProductBrowser(world.services);
            await browser.signIn(contoso().user);
            expect(decodeJwt(browser.cookies.get('tenant_sync_session') ?? '').payload.adm).toBe(true);
        } finally {
            await world.sim.control('PATCH', `/control/tenants/${contoso().id}/users/${ordinary.id}`, {
                directoryRoles: [],
            });
        }
    });

    it('never sees a personal account: the identity platform refuses it at /organizations (AADSTS500200)', async () => {
        const browser = new ProductBrowser(world.services);
        const page = await browser.signIn(world.sim.personalUser);
        expect(page.url.startsWith(world.sim.login)).toBe(true);
        expect(page.html).toContain('AADSTS500200');
        expect(browser.cookies.has('tenant_sync_session')).toBe(false);
    });
});

describe('a personal Microsoft account', () => {
    it('gets a page explaining that a work or school account is needed, and no session', async () => {
        // The identity platform refuses personal accounts for our organizations-only app before any
        // callback (see above), so the validator's verdict is stubbed to reach this branch; the rest of
        // the sign-in (simulator, code redemption, cookies, page) is real.
        const auth = world.services.auth;
        const signIn = createSignIn({
            appClient: world.services.appClient,
            tokens: auth.tokens,
            sessions: auth.sessions,
            idTokens: {
                validate: () =>
                    Promise.reject(new IdTokenRejectedError('personal_account', 'a personal account signed in')),
            },
            publicBaseUrl: PUBLIC_BASE_URL,
        });
        const services: Services = { ...world.services, auth: { ...auth, signIn } };
        const browser = new ProductBrowser(services);
        const page = await browser.signIn(contoso().user);
        expect(page.status).toBe(403);
        expect(page.html).toContain('Use a work or school account');
        expect(browser.cookies.has('tenant_sync_session')).toBe(false);
    });
});

describe('POST /auth/signout', () => {
    it('clears the session with a valid CSRF token, and refuses without one', async () => {
        const browser = new ProductBrowser(world.services);
        const landing = await browser.signIn(contoso().admin);
        const refused = await browser.app('POST', '/auth/signout', { form: { csrf: 'forged' } });
        expect(refused.status).toBe(403);
        expect(browser.cookies.has('tenant_sync_session')).toBe(true);

        const answer = await browser.app('POST', '/auth/signout', { form: { csrf: ProductBrowser.csrfOf(landing) } });
        expect(answer.status).toBe(303);
        expect(answer.location).toBe('/');
        expect(browser.cookies.has('tenant_sync_session')).toBe(false);
        expect((await browser.app('GET', '/')).html).toContain('Connect your organization');
    });
});
