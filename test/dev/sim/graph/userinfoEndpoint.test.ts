/**
 * The OpenID Connect UserInfo endpoint that identity's discovery document names
 * (`userinfo_endpoint` = `<graph origin>/oidc/userinfo`): served by Graph for delegated tokens with
 * `openid`, with the id token's pairwise `sub`; 401 without a valid token, 403 for app-only tokens.
 */
import { type ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';

import { pairwiseSubject } from '../../../../dev/sim/identity/tokens';
import { Browser, redirectParams } from '../../../support/browser';
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';
import { decodeJwt } from '../../../support/tokens';

const REDIRECT_URI = 'http://localhost:7071/auth/callback';

let world: TestSimulator;
let cca: ConfidentialClientApplication;
let graph: string;
let userinfoEndpoint: string;
/** A delegated Graph token and the id token that came with it (Fabrikam's admin, signed in to our app). */
let signedIn: { accessToken: string; idTokenClaims: Json; username: string };

beforeAll(async () => {
    world = await startTestSimulator();
    graph = world.sim.origins.graph;
    cca = world.msalClient();
    const discovery = await (await fetch(`${world.login}/organizations/v2.0/.well-known/openid-configuration`)).json();
    userinfoEndpoint = discovery.userinfo_endpoint;

    // Authorization code flow with PKCE through the sign-in (and consent) pages.
    const crypto = new CryptoProvider();
    const pkce = await crypto.generatePkceCodes();
    const url = await cca.getAuthCodeUrl({
        scopes: ['User.Read'],
        redirectUri: REDIRECT_URI,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
    });
    const browser = new Browser();
    const user = world.customers[0]!.admin;
    let page = await browser.signIn(await browser.get(url), user);
    if (page.status === 200 && page.html.includes('Permissions requested'))
        page = await browser.consent(page, 'accept');
    const code = redirectParams(page.location).get('code');
    if (!code) throw new Error(`sign-in did not redirect with a code (status ${page.status})`);
    const result = await cca.acquireTokenByCode({
        code,
        scopes: ['User.Read'],
        redirectUri: REDIRECT_URI,
        codeVerifier: pkce.verifier,
    });
    signedIn = { accessToken: result.accessToken, idTokenClaims: result.idTokenClaims, username: user.username };
});
afterAll(() => world.stop());

async function userinfo(token: string | undefined, init: RequestInit = {}): Promise<Response> {
    return fetch(userinfoEndpoint, {
        ...init,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    });
}

it('is where the discovery document says, on the Graph origin', () => {
    expect(userinfoEndpoint).toBe(`${graph}/oidc/userinfo`);
});

it('answers a delegated token with openid: the id token’s sub, the name claims and the e-mail', async () => {
    const user = world.sim.directory.findSignInUser(signedIn.username)!;
    const scopes = (decodeJwt(signedIn.accessToken).payload.scp as string).split(' ');
    expect(scopes).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));

    const response = await userinfo(signedIn.accessToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('private');
    const body = await response.json();
    const expected: Record<string, string> = {
        sub: signedIn.idTokenClaims.sub,
        name: user.displayName,
    };
    if (user.givenName !== null) expected.given_name = user.givenName;
    if (user.surname !== null) expected.family_name = user.surname;
    if (user.mail !== null) expected.email = user.mail;
    expect(body).toEqual(expected);
    // Pairwise: the subject of this user for this client, not the object id.
    expect(body.sub).toBe(pairwiseSubject(user.id, world.appClientId));
    expect(body.sub).not.toBe(user.id);
});

it('answers POST the same way (OIDC Core §5.3.1)', async () => {
    const get = await (await userinfo(signedIn.accessToken)).json();
    const post = await userinfo(signedIn.accessToken, { method: 'POST' });
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual(get);
});

it('logs the call under the user’s tenant', async () => {
    const before = await world.lastRequestSeq();
    await userinfo(signedIn.accessToken);
    const log = await world.requestsSince(before, 'graph');
    expect(log).toEqual([
        expect.objectContaining({ path: '/oidc/userinfo', status: 200, tenant: world.customers[0]!.id }),
    ]);
});

describe('refusals', () => {
    it('401 InvalidAuthenticationToken with the Bearer challenge when the token is missing or invalid', async () => {
        for (const token of [undefined, 'not-a-jwt', `${signedIn.accessToken.slice(0, -4)}AAAA`]) {
            const response = await userinfo(token);
            expect(response.status).toBe(401);
            expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="", authorization_uri="/);
            expect((await response.json()).error.code).toBe('InvalidAuthenticationToken');
        }
    });

    it('403 Authorization_RequestDenied for an app-only token', async () => {
        const tenantId = world.customers[0]!.id;
        expect((await world.control('POST', `/control/tenants/${tenantId}/consent`, {})).status).toBe(200);
        const appOnly = await cca.acquireTokenByClientCredential({
            scopes: ['https://graph.microsoft.com/.default'],
            authority: `${world.login}/${tenantId}`,
        });
        const response = await userinfo(appOnly!.accessToken);
        expect(response.status).toBe(403);
        expect((await response.json()).error).toMatchObject({
            code: 'Authorization_RequestDenied',
            message: 'Insufficient privileges to complete the operation.',
        });
    });

    it('401 once the delegated token has expired', async () => {
        expect((await world.control('POST', '/control/clock', { advanceSeconds: 2 * 3600 })).status).toBe(200);
        const response = await userinfo(signedIn.accessToken);
        expect(response.status).toBe(401);
        expect((await response.json()).error.code).toBe('InvalidAuthenticationToken');
    });
});
