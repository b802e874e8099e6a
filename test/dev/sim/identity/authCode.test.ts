import {
    ClientAuthError,
    ConfidentialClientApplication,
    CryptoProvider,
    InteractionRequiredAuthError,
    ServerError,
    type AuthenticationResult,
} from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';

import { Browser, type BrowserResponse, formsIn, pageErrorCode, redirectParams } from '../../../support/browser';
import {
    CONNECT_REDIRECT_URI,
    type Credentials,
    type Json,
    REDIRECT_URI,
    servicePrincipal,
    startTestSimulator,
    type TestSimulator,
} from '../../../support/simulator';
import { decodeJwt } from '../../../support/tokens';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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

interface FlowOptions {
    nonce?: string;
    prompt?: string;
    authority?: string;
    redirectUri?: string;
    responseMode?: 'query' | 'form_post';
}

async function authorizeUrl(options: FlowOptions = {}) {
    const pkce = await crypto.generatePkceCodes();
    const state = crypto.createNewGuid();
    const url = await cca.getAuthCodeUrl({
        scopes: ['User.Read'],
        redirectUri: options.redirectUri ?? REDIRECT_URI,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
        state,
        ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
        ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
        ...(options.authority === undefined ? {} : { authority: options.authority }),
        ...(options.responseMode === undefined ? {} : { responseMode: options.responseMode }),
    });
    return { url, pkce, state };
}

/** Opens the authorize URL, signs in, accepts a consent screen if one appears; returns the redirect. */
async function signIn(browser: Browser, user: Credentials, options: FlowOptions = {}) {
    const { url, pkce, state } = await authorizeUrl(options);
    const page = await browser.get(url);
    // Already signed in on this browser: single sign-on answers with the redirect straight away.
    if (page.status === 302) return { response: page, pkce, state };
    expect(page.status).toBe(200);
    let after = await browser.signIn(page, user);
    if (after.status === 200 && after.html.includes('Permissions requested'))
        after = await browser.consent(after, 'accept');
    return { response: after, pkce, state };
}

async function redeem(
    code: string,
    verifier: string,
    extra: { state?: string; nonce?: string } = {},
): Promise<AuthenticationResult> {
    return cca.acquireTokenByCode({
        code,
        scopes: ['User.Read'],
        redirectUri: REDIRECT_URI,
        codeVerifier: verifier,
        ...extra,
    });
}

async function simNowSeconds(): Promise<number> {
    return Math.floor((await world.controlGet('/control/clock')).nowMs / 1000);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
    } catch (error) {
        return error;
    }
    throw new Error('expected a failure');
}

async function newTenant(name: string): Promise<{ id: string; admin: Credentials; user: Credentials }> {
    return (await world.control('POST', '/control/tenants', { displayName: name, userCount: 4 })).body;
}

describe('authorization code flow with PKCE and nonce (msal-node, unchanged)', () => {
    it('signs in through the HTML page and redeems the code for v2 id token, Graph token and refresh token', async () => {
        const browser = new Browser();
        const nonce = crypto.createNewGuid();
        const { response, pkce, state } = await signIn(browser, world.publisherUser, { nonce });
        expect(response.status).toBe(302);
        expect(response.location?.startsWith(`${REDIRECT_URI}?`)).toBe(true);
        const params = redirectParams(response.location);
        expect([...params.keys()]).toEqual(['code', 'client_info', 'state', 'session_state']);
        expect(params.get('state')).toBe(state);
        expect(params.get('session_state')).toMatch(GUID);
        expect(params.has('cloud_instance_host_name')).toBe(false);
        expect(browser.hasSessionCookie()).toBe(true);
        const user = world.sim.directory.findSignInUser(world.publisherUser.username)!;
        const clientInfo = JSON.parse(Buffer.from(params.get('client_info')!, 'base64url').toString('utf8'));
        expect(clientInfo).toEqual({ uid: user.id, utid: world.publisherTenantId });

        const result = await redeem(params.get('code')!, pkce.verifier, { state, nonce });
        expect(result.tenantId).toBe(world.publisherTenantId);
        expect(result.account?.homeAccountId).toBe(`${user.id}.${world.publisherTenantId}`);
        expect(result.account?.environment).toBe(world.loginHost);
        expect(result.account?.username).toBe(user.userPrincipalName);
        expect(result.idTokenClaims).toMatchObject({
            aud: world.appClientId,
            iss: `${world.login}/${world.publisherTenantId}/v2.0`,
            tid: world.publisherTenantId,
            oid: user.id,
            preferred_username: user.userPrincipalName,
            name: user.displayName,
            nonce,
            ver: '2.0',
        });
        expect((result.idTokenClaims as Json).sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect((result.idTokenClaims as Json).sub).not.toBe(user.id);
        const access = decodeJwt(result.accessToken).payload;
        expect(access).toMatchObject({
            aud: 'https://graph.microsoft.com',
            iss: `https://sts.windows.net/${world.publisherTenantId}/`,
            appid: world.appClientId,
            idtyp: 'user',
            oid: user.id,
            tid: world.publisherTenantId,
            upn: user.userPrincipalName,
            ver: '1.0',
        });
        expect(access.scp.split(' ')).toContain('User.Read');
        expect(access).not.toHaveProperty('roles');
    });

    it('id tokens verify with jwks-rsa + jsonwebtoken against the multi-tenant issuer template', async () => {
        const browser = new Browser();
        const { response, pkce, state } = await signIn(browser, world.customers[0]!.admin);
        const result = await redeem(redirectParams(response.location).get('code')!, pkce.verifier, { state });
        const metadata = await (
            await fetch(`${world.login}/organizations/v2.0/.well-known/openid-configuration`)
        ).json();
        const client = new JwksClient({ jwksUri: metadata.jwks_uri, cache: false });
        const { header, payload } = decodeJwt(result.idToken);
        const key = await client.getSigningKey(header.kid);
        const verified = jwt.verify(result.idToken, key.getPublicKey(), {
            algorithms: ['RS256'],
            audience: world.appClientId,
            issuer: (metadata.issuer as string).replace('{tenantid}', payload.tid),
            clockTimestamp: await simNowSeconds(),
        }) as Json;
        expect(verified.tid).toBe(world.customers[0]!.id);
        expect(verified.iss.endsWith(`/${verified.tid}/v2.0`)).toBe(true);
        expect(() =>
            jwt.verify(result.idToken, key.getPublicKey(), { algorithms: ['RS256'], audience: 'someone-else' }),
        ).toThrow(/audience invalid/);
    });

    it('echoes a nonce only when sent: no nonce in, none out', async () => {
        const browser = new Browser();
        const { response, pkce, state } = await signIn(browser, world.publisherUser);
        const result = await redeem(redirectParams(response.location).get('code')!, pkce.verifier, { state });
        expect(result.idTokenClaims).not.toHaveProperty('nonce');
        expect(decodeJwt(result.idToken).payload).not.toHaveProperty('nonce');
    });

    it('MSAL rejects the id token with nonce_mismatch when the nonce differs or was not expected', async () => {
        const browser = new Browser();
        const first = await signIn(browser, world.publisherUser, { nonce: 'nonce-A' });
        const wrong = await caught(
            redeem(redirectParams(first.response.location).get('code')!, first.pkce.verifier, {
                state: first.state,
                nonce: 'nonce-B',
            }),
        );
        expect(wrong).toBeInstanceOf(ClientAuthError);
        expect((wrong as ClientAuthError).errorCode).toBe('nonce_mismatch');

        const second = await signIn(browser, world.publisherUser, { nonce: 'nonce-C' });
        const unexpected = await caught(
            redeem(redirectParams(second.response.location).get('code')!, second.pkce.verifier, {
                state: second.state,
            }),
        );
        expect((unexpected as ClientAuthError).errorCode).toBe('nonce_mismatch');
    });

    it('checks PKCE (AADSTS501481) and uses a code only once (AADSTS54005)', async () => {
        const browser = new Browser();
        const { response, state } = await signIn(browser, world.publisherUser);
        const code = redirectParams(response.location).get('code')!;
        const wrongVerifier = (await crypto.generatePkceCodes()).verifier;
        const since = await world.lastRequestSeq();
        const mismatch = await caught(redeem(code, wrongVerifier, { state }));
        expect(mismatch).toBeInstanceOf(ServerError);
        // msal-node leaves `status` unset on this path; the request log has the HTTP status.
        expect(mismatch).toMatchObject({ errorCode: 'invalid_grant', errorNo: 501481 });
        const reused = await caught(redeem(code, wrongVerifier, { state }));
        expect(reused).toMatchObject({ errorCode: 'invalid_grant', errorNo: 54005 });
        const statuses = (await world.requestsSince(since, 'login')).map((r: Json) => r.status);
        expect(statuses).toEqual([400, 400]);
    });

    it('refuses a code redeemed twice even after a first success', async () => {
        const browser = new Browser();
        const { response, pkce, state } = await signIn(browser, world.publisherUser);
        const code = redirectParams(response.location).get('code')!;
        await redeem(code, pkce.verifier, { state });
        expect(await caught(redeem(code, pkce.verifier, { state }))).toMatchObject({ errorNo: 54005 });
    });

    it('form_post delivers the same fields in an auto-submitting form', async () => {
        const browser = new Browser();
        const { response, state } = await signIn(browser, world.publisherUser, { responseMode: 'form_post' });
        expect(response.status).toBe(200);
        const [form] = formsIn(response.html);
        expect(form?.action).toBe(REDIRECT_URI);
        expect(Object.keys(form?.fields ?? {})).toEqual(['code', 'client_info', 'state', 'session_state']);
        expect(form?.fields.state).toBe(state);
    });

    it('refreshes tokens with the refresh token (acquireTokenSilent forceRefresh)', async () => {
        const browser = new Browser();
        const { response, pkce, state } = await signIn(browser, world.publisherUser);
        const first = await redeem(redirectParams(response.location).get('code')!, pkce.verifier, { state });
        const since = await world.lastRequestSeq();
        const refreshed = await cca.acquireTokenSilent({
            account: first.account!,
            scopes: ['User.Read'],
            forceRefresh: true,
        });
        expect(refreshed.fromCache).toBe(false);
        expect(refreshed.accessToken).not.toBe(first.accessToken);
        expect(decodeJwt(refreshed.accessToken).payload.oid).toBe(first.uniqueId);
        const traffic = await world.requestsSince(since, 'login');
        // MSAL refreshes against the authority the application was configured with.
        expect(traffic.map((r: Json) => `${r.method} ${r.path} ${r.status}`)).toEqual([
            'POST /organizations/oauth2/v2.0/token 200',
        ]);
    });
});

describe('code redemption bindings (raw token requests)', () => {
    async function freshCode(): Promise<{ code: string; verifier: string }> {
        const { response, pkce } = await signIn(new Browser(), world.publisherUser);
        return { code: redirectParams(response.location).get('code')!, verifier: pkce.verifier };
    }

    async function redeemRaw(tenant: string, form: Record<string, string>) {
        const response = await fetch(`${world.login}/${tenant}/oauth2/v2.0/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
                grant_type: 'authorization_code',
                scope: 'User.Read openid',
                ...form,
            }).toString(),
        });
        return { status: response.status, body: await response.json() };
    }

    const ours = () => ({ client_id: world.appClientId, client_secret: world.appSecret });

    it('succeeds with the same client, redirect URI, tenant and verifier', async () => {
        const { code, verifier } = await freshCode();
        const ok = await redeemRaw('organizations', {
            ...ours(),
            code,
            code_verifier: verifier,
            redirect_uri: REDIRECT_URI,
        });
        expect(ok.status).toBe(200);
        expect(Object.keys(ok.body).sort()).toEqual([
            'access_token',
            'expires_in',
            'ext_expires_in',
            'id_token',
            // offline_access was part of the authorize request (MSAL adds it).
            'refresh_token',
            'scope',
            'token_type',
        ]);
    });

    it('refuses another registered redirect URI (AADSTS500112), another tenant (AADSTS700005), another client (AADSTS70000)', async () => {
        const a = await freshCode();
        const otherRedirect = await redeemRaw('organizations', {
            ...ours(),
            code: a.code,
            code_verifier: a.verifier,
            redirect_uri: CONNECT_REDIRECT_URI,
        });
        expect(otherRedirect.status).toBe(400);
        expect(otherRedirect.body).toMatchObject({ error: 'invalid_client', error_codes: [500112] });

        const b = await freshCode();
        const otherTenant = await redeemRaw(world.customers[0]!.id, {
            ...ours(),
            code: b.code,
            code_verifier: b.verifier,
            redirect_uri: REDIRECT_URI,
        });
        expect(otherTenant.body).toMatchObject({ error: 'invalid_grant', error_codes: [700005] });

        const c = await freshCode();
        const ops = world.sim.stackInfo.operationsClient;
        const otherClient = await redeemRaw('organizations', {
            client_id: ops.clientId,
            client_secret: ops.clientSecret,
            code: c.code,
            code_verifier: c.verifier,
            redirect_uri: REDIRECT_URI,
        });
        expect(otherClient.body).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
    });

    it('refuses a missing verifier when a challenge was sent, and a code it never issued', async () => {
        const { code } = await freshCode();
        const noVerifier = await redeemRaw('organizations', { ...ours(), code, redirect_uri: REDIRECT_URI });
        expect(noVerifier.body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
        const made = await redeemRaw('organizations', { ...ours(), code: 'made-up', redirect_uri: REDIRECT_URI });
        expect(made.status).toBe(400);
        expect(made.body.error).toBe('invalid_grant');
    });

    it('supports the plain PKCE method and refuses an unknown one on the redirect', async () => {
        const verifier = 'a'.repeat(43);
        const { url } = await authorizeUrl();
        const plain = new URL(url);
        plain.searchParams.set('code_challenge', verifier);
        plain.searchParams.set('code_challenge_method', 'plain');
        const browser = new Browser();
        const response = await browser.signIn(await browser.get(plain.toString()), world.publisherUser);
        const code = redirectParams(response.location).get('code')!;
        const ok = await redeemRaw('organizations', {
            ...ours(),
            code,
            code_verifier: verifier,
            redirect_uri: REDIRECT_URI,
        });
        expect(ok.status).toBe(200);

        plain.searchParams.set('code_challenge_method', 'S512');
        const refused = redirectParams((await browser.get(plain.toString())).location);
        expect(refused.get('error')).toBe('invalid_request');
    });

    it('a redirect URI added through the control API becomes usable', async () => {
        const uri = 'http://localhost:3000/auth/callback';
        const { url: before } = await authorizeUrl({ redirectUri: uri });
        expect(pageErrorCode((await new Browser().get(before)).html)).toBe('AADSTS50011');
        const added = await world.control('POST', `/control/identity/apps/${world.appClientId}/redirect-uris`, { uri });
        expect(added.body.app.redirectUris).toContain(uri);
        const browser = new Browser();
        const { url } = await authorizeUrl({ redirectUri: uri });
        const response = await browser.signIn(await browser.get(url), world.publisherUser);
        expect(response.location?.startsWith(`${uri}?code=`)).toBe(true);
    });
});

describe('errors shown on the page, never redirected', () => {
    function expectErrorPage(page: BrowserResponse, code: string): void {
        expect(page.status).toBe(200);
        expect(page.location).toBeUndefined();
        expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(pageErrorCode(page.html)).toBe(code);
        expect(page.html).toMatch(/Correlation Id: [0-9a-f-]{36}/);
    }

    it('an unregistered redirect URI: AADSTS50011', async () => {
        const { url } = await authorizeUrl({ redirectUri: 'http://localhost:7071/elsewhere' });
        const page = await new Browser().get(url);
        expectErrorPage(page, 'AADSTS50011');
        expect(page.html).toContain("The redirect URI 'http://localhost:7071/elsewhere' specified in the request");
    });

    it('a redirect URI that differs only in case or a trailing slash is not registered either', async () => {
        for (const uri of ['http://localhost:7071/Auth/callback', `${REDIRECT_URI}/`]) {
            const { url } = await authorizeUrl({ redirectUri: uri });
            expectErrorPage(await new Browser().get(url), 'AADSTS50011');
        }
    });

    it('an unknown client id: AADSTS700016', async () => {
        const { url } = await authorizeUrl();
        const bad = new URL(url);
        bad.searchParams.set('client_id', '11111111-2222-4333-8444-555555555555');
        expectErrorPage(await new Browser().get(bad.toString()), 'AADSTS700016');
    });

    it('an unknown tenant: AADSTS90002', async () => {
        const { url } = await authorizeUrl();
        expectErrorPage(await new Browser().get(url.replace('/organizations/', '/nosuch.example/')), 'AADSTS90002');
    });

    it('a personal account on /organizations or /common: AADSTS500200', async () => {
        for (const authority of ['organizations', 'common']) {
            const browser = new Browser();
            const { url } = await authorizeUrl({ authority: `${world.login}/${authority}` });
            const page = await browser.signIn(await browser.get(url), world.personalUser);
            expectErrorPage(page, 'AADSTS500200');
            expect(page.html).toContain('is a personal Microsoft account');
        }
    });

    it('a user signing in through another tenant: AADSTS50020', async () => {
        const [fabrikam, contoso] = world.customers;
        const browser = new Browser();
        const { url } = await authorizeUrl({ authority: `${world.login}/${contoso!.id}` });
        const page = await browser.signIn(await browser.get(url), fabrikam!.user);
        expectErrorPage(page, 'AADSTS50020');
        expect(page.html).toContain(`does not exist in tenant '${contoso!.displayName}'`);
    });

    it('a wrong password shows the form again with the real message and no session', async () => {
        const browser = new Browser();
        const { url } = await authorizeUrl();
        const page = await browser.signIn(await browser.get(url), { ...world.publisherUser, password: 'wrong' });
        expect(page.status).toBe(200);
        expect(page.html).toContain('Your account or password is incorrect.');
        expect(formsIn(page.html).some((f) => f.id === 'signin')).toBe(true);
        expect(browser.hasSessionCookie()).toBe(false);
        const unknown = await browser.signIn(page, { username: 'nobody@fabrikam.com', password: 'x' });
        expect(unknown.html).toContain('This username may be incorrect.');
    });

    it('a disabled user: AADSTS50057', async () => {
        const tenant = await newTenant('Disabled Users Inc');
        const user = world.sim.directory.findSignInUser(tenant.user.username)!;
        await world.control('PATCH', `/control/tenants/${tenant.id}/users/${user.id}`, { accountEnabled: false });
        const browser = new Browser();
        const { url } = await authorizeUrl();
        expectErrorPage(await browser.signIn(await browser.get(url), tenant.user), 'AADSTS50057');
    });

    it('the login_hint prefills the username; HTML in it is escaped', async () => {
        const { url } = await authorizeUrl();
        const withHint = new URL(url);
        withHint.searchParams.set('login_hint', '"><script>alert(1)</script>');
        const page = await new Browser().get(withHint.toString());
        expect(page.status).toBe(200);
        expect(page.html).not.toContain('<script>alert(1)</script>');
        expect(formsIn(page.html).find((f) => f.id === 'signin')?.fields.login).toBe('"><script>alert(1)</script>');
    });
});

describe('domain_hint', () => {
    /** The organisation a sign-in page names (its branding), if any. */
    function organizationOn(page: BrowserResponse): { id: string; name: string } | undefined {
        const match = /<p\b[^>]*\bid="organization"[^>]*\bdata-tenant-id="([^"]*)"[^>]*>([^<]*)<\/p>/.exec(page.html);
        return match ? { id: match[1] ?? '', name: match[2] ?? '' } : undefined;
    }
    const loginField = (page: BrowserResponse) => formsIn(page.html).find((f) => f.id === 'signin')?.fields.login;

    async function hinted(hints: { domain_hint?: string; login_hint?: string }, options: FlowOptions = {}) {
        const url = new URL((await authorizeUrl(options)).url);
        for (const [name, value] of Object.entries(hints)) url.searchParams.set(name, value);
        return url.toString();
    }

    it('a verified domain of a known tenant: the page names that organisation and prefills nothing', async () => {
        const [fabrikam] = world.customers;
        const defaultDomain = world.sim.directory.findTenant(fabrikam!.id)!.defaultDomain;
        for (const domain of ['fabrikam.com', 'FABRIKAM.COM', defaultDomain]) {
            const page = await new Browser().get(await hinted({ domain_hint: domain }));
            expect(page.status).toBe(200);
            expect(organizationOn(page)).toEqual({ id: fabrikam!.id, name: fabrikam!.displayName });
            expect(loginField(page)).toBe('');
        }
        // Only login_hint fills in the username; the organisation is still named.
        const both = await new Browser().get(
            await hinted({ domain_hint: 'fabrikam.com', login_hint: fabrikam!.user.username }),
        );
        expect(organizationOn(both)?.id).toBe(fabrikam!.id);
        expect(loginField(both)).toBe(fabrikam!.user.username);
    });

    it('the hinted page signs the user in as usual and keeps the organisation after a wrong password', async () => {
        const [fabrikam] = world.customers;
        const browser = new Browser();
        const page = await browser.get(await hinted({ domain_hint: 'fabrikam.com' }));
        const retry = await browser.signIn(page, { ...fabrikam!.user, password: 'wrong' });
        expect(retry.html).toContain('Your account or password is incorrect.');
        expect(organizationOn(retry)?.id).toBe(fabrikam!.id);
        let after = await browser.signIn(retry, fabrikam!.user);
        if (after.status === 200 && after.html.includes('Permissions requested'))
            after = await browser.consent(after, 'accept');
        expect(after.status).toBe(302);
        expect(redirectParams(after.location).get('code')).toBeTruthy();
    });

    it('an unknown domain (or a tenant id, which is not a domain) is ignored: the generic page', async () => {
        const [fabrikam] = world.customers;
        const plain = await new Browser().get((await authorizeUrl()).url);
        expect(organizationOn(plain)).toBeUndefined();
        for (const domain of ['nosuch.example', fabrikam!.id]) {
            const page = await new Browser().get(await hinted({ domain_hint: domain }));
            expect(page.status).toBe(200);
            expect(organizationOn(page)).toBeUndefined();
            expect(loginField(page)).toBe('');
            expect(formsIn(page.html).map((f) => f.id)).toEqual(formsIn(plain.html).map((f) => f.id));
        }
    });

    it('a tenant-specific authority names its own organisation', async () => {
        const contoso = world.customers[1]!;
        const page = await new Browser().get((await authorizeUrl({ authority: `${world.login}/${contoso.id}` })).url);
        expect(organizationOn(page)).toEqual({ id: contoso.id, name: contoso.displayName });
    });
});

describe('sessions and prompt', () => {
    it('prompt=none without a session redirects login_required (AADSTS50058) with the state', async () => {
        const { url, state } = await authorizeUrl({ prompt: 'none' });
        const response = await new Browser().get(url);
        expect(response.status).toBe(302);
        const params = redirectParams(response.location);
        expect(params.get('error')).toBe('login_required');
        expect(params.get('error_description')).toMatch(/^AADSTS50058: /);
        expect(params.get('state')).toBe(state);
    });

    it('after sign-in, prompt=none and no prompt issue a code silently; prompt=login asks again', async () => {
        const browser = new Browser();
        await signIn(browser, world.publisherUser);
        for (const prompt of ['none', undefined]) {
            const { url, pkce, state } = await authorizeUrl(prompt === undefined ? {} : { prompt });
            const response = await browser.get(url);
            expect(response.status).toBe(302);
            const code = redirectParams(response.location).get('code')!;
            expect((await redeem(code, pkce.verifier, { state })).account?.username).toBe(world.publisherUser.username);
        }
        const { url } = await authorizeUrl({ prompt: 'login' });
        const again = await browser.get(url);
        expect(again.status).toBe(200);
        expect(formsIn(again.html).some((f) => f.id === 'signin')).toBe(true);
    });

    it('prompt=select_account lists the signed-in accounts; picking one issues a code', async () => {
        const browser = new Browser();
        await signIn(browser, world.publisherUser);
        const { url } = await authorizeUrl({ prompt: 'select_account' });
        const picker = await browser.get(url);
        expect(picker.html).toContain(world.publisherUser.username);
        const accountForm = formsIn(picker.html).find((f) => f.id !== 'signin')!;
        const response = await browser.post(accountForm.action, {
            ...accountForm.fields,
            account: world.publisherUser.username,
        });
        expect(response.status).toBe(302);
        expect(redirectParams(response.location).has('code')).toBe(true);
    });

    it('logout clears the session and returns to a registered post_logout_redirect_uri', async () => {
        const browser = new Browser();
        await signIn(browser, world.publisherUser);
        const out = await browser.get(
            `${world.login}/organizations/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=bye`,
        );
        expect(out.status).toBe(302);
        expect(out.location).toBe(`${REDIRECT_URI}?state=bye`);
        expect(browser.hasSessionCookie()).toBe(false);
        const { url } = await authorizeUrl({ prompt: 'none' });
        expect(redirectParams((await browser.get(url)).location).get('error')).toBe('login_required');
        const elsewhere = await browser.get(
            `${world.login}/organizations/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
        );
        expect(elsewhere.status).toBe(200);
        expect(elsewhere.html).toContain('You signed out of your account');
    });
});

describe('user consent in a tenant that has not onboarded the app', () => {
    it('cancel redirects access_denied with AADSTS65004 and error_subcode=cancel', async () => {
        const tenant = await newTenant('Consent Cancel Ltd');
        const browser = new Browser();
        const { url, state } = await authorizeUrl();
        const consentPage = await browser.signIn(await browser.get(url), tenant.user);
        expect(consentPage.html).toContain('Permissions requested');
        expect(consentPage.html).toContain('Sign in and read user profile');
        const response = await browser.consent(consentPage, 'cancel');
        const params = redirectParams(response.location);
        expect(params.get('error')).toBe('access_denied');
        expect(params.get('error_subcode')).toBe('cancel');
        expect(params.get('error_description')).toMatch(/^AADSTS65004: User declined to consent to access the app\./);
        expect(params.get('state')).toBe(state);
        expect(
            servicePrincipal(await world.controlGet('/control/state'), tenant.id, world.appClientId),
        ).toBeUndefined();
    });

    it('accepting creates the service principal without app roles; SSO then needs no consent', async () => {
        const tenant = await newTenant('Consent Accept Ltd');
        const browser = new Browser();
        const { response } = await signIn(browser, tenant.user);
        expect(redirectParams(response.location).has('code')).toBe(true);
        const sp = servicePrincipal(await world.controlGet('/control/state'), tenant.id, world.appClientId);
        expect(sp).toMatchObject({ enabled: true, grants: [] });
        const { url } = await authorizeUrl({ prompt: 'none' });
        expect(redirectParams((await browser.get(url)).location).has('code')).toBe(true);
    });

    it('prompt=none for a signed-in user who has not consented answers consent_required (AADSTS65001)', async () => {
        const tenant = await newTenant('Consent None Ltd');
        const browser = new Browser();
        const { url } = await authorizeUrl();
        const consentPage = await browser.signIn(await browser.get(url), tenant.user);
        expect(consentPage.html).toContain('Permissions requested'); // signed in, consent not given
        const { url: silentUrl, state } = await authorizeUrl({ prompt: 'none' });
        const params = redirectParams((await browser.get(silentUrl)).location);
        expect(params.get('error')).toBe('consent_required');
        expect(params.get('error_description')).toMatch(/^AADSTS65001: /);
        expect(params.get('state')).toBe(state);
    });

    it('revoking consent makes the refresh token fail with an interaction-required error', async () => {
        const tenant = await newTenant('Consent Revoke Ltd');
        const browser = new Browser();
        const { response, pkce, state } = await signIn(browser, tenant.user);
        const result = await redeem(redirectParams(response.location).get('code')!, pkce.verifier, { state });
        await world.control('POST', `/control/tenants/${tenant.id}/consent/revoke`);
        const error = await caught(
            cca.acquireTokenSilent({ account: result.account!, scopes: ['User.Read'], forceRefresh: true }),
        );
        expect(error).toBeInstanceOf(InteractionRequiredAuthError);
        expect(error).toMatchObject({ errorCode: 'invalid_grant', subError: 'consent_required' });
    });
});

describe('code lifetime', () => {
    it('a code older than 10 minutes is refused with AADSTS70008', async () => {
        const browser = new Browser();
        const { response, pkce, state } = await signIn(browser, world.publisherUser);
        await world.advanceClock(601);
        const error = await caught(redeem(redirectParams(response.location).get('code')!, pkce.verifier, { state }));
        expect(error).toMatchObject({ errorCode: 'invalid_grant', errorNo: 70008 });
    });
});
