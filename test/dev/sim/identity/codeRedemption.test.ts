/**
 * A code is bound to the redirect URI of its authorize request: redeeming it with any other one answers
 * AADSTS500112 "The reply address '…' does not match the reply address '…' provided when requesting
 * Authorization code." (Microsoft Learn, "Microsoft identity platform and OAuth 2.0 authorization code flow":
 * the redirect_uri of the token request must be the same as the one used to acquire the code; RFC 6749
 * §4.1.3). msal-node surfaces it as a ServerError with that code, and the code is used up.
 */
import { type ConfidentialClientApplication, CryptoProvider, ServerError } from '@azure/msal-node';

import { Browser, redirectParams } from '../../../support/browser';
import { CONNECT_REDIRECT_URI, REDIRECT_URI, startTestSimulator, type TestSimulator } from '../../../support/simulator';

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

async function code(): Promise<{ code: string; verifier: string }> {
    const pkce = await crypto.generatePkceCodes();
    const url = await cca.getAuthCodeUrl({
        scopes: ['User.Read'],
        redirectUri: REDIRECT_URI,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
    });
    const browser = new Browser();
    const done = await browser.signIn(await browser.get(url), world.publisherUser);
    return { code: redirectParams(done.location).get('code') ?? '', verifier: pkce.verifier };
}

it.each([
    ['another registered redirect URI', CONNECT_REDIRECT_URI],
    ['an unregistered one', 'http://localhost:7071/elsewhere'],
    ['the same URI with a trailing slash', `${REDIRECT_URI}/`],
])('redeeming with %s answers AADSTS500112 naming both addresses', async (_what, redirectUri) => {
    const issued = await code();
    const error = await cca
        .acquireTokenByCode({ code: issued.code, scopes: ['User.Read'], redirectUri, codeVerifier: issued.verifier })
        .then(
            () => undefined,
            (e: unknown) => e,
        );
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ errorCode: 'invalid_client', errorNo: 500112 });
    expect((error as ServerError).errorMessage).toContain(
        `AADSTS500112: The reply address '${redirectUri}' does not match the reply address '${REDIRECT_URI}' provided when requesting Authorization code.`,
    );
    // The attempt used the code up: the right redirect URI no longer helps.
    const retry = await cca
        .acquireTokenByCode({
            code: issued.code,
            scopes: ['User.Read'],
            redirectUri: REDIRECT_URI,
            codeVerifier: issued.verifier,
        })
        .then(
            () => undefined,
            (e: unknown) => e,
        );
    expect(retry).toMatchObject({ errorNo: 54005 });
});

it('the same redirect URI redeems', async () => {
    const issued = await code();
    const result = await cca.acquireTokenByCode({
        code: issued.code,
        scopes: ['User.Read'],
        redirectUri: REDIRECT_URI,
        codeVerifier: issued.verifier,
    });
    expect(result.idTokenClaims).toMatchObject({ preferred_username: world.publisherUser.username });
});
