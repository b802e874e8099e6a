/**
 * The sign-in page in a real browser (Debian's chromium through playwright-core). Skipped when
 * /usr/bin/chromium is not installed; CI installs it (apt-get install chromium).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CryptoProvider } from '@azure/msal-node';
import type { Browser as Chromium } from 'playwright-core';

import { CHROMIUM, chromiumAvailable as available, launchChromium } from '../../../support/chromium';
import { startTestSimulator, type TestSimulator } from '../../../support/simulator';

const suite = available ? describe : describe.skip;

suite(`sign-in page in Chromium${available ? '' : ` (skipped: ${CHROMIUM} is not installed)`}`, () => {
    let world: TestSimulator;
    let browser: Chromium;
    let app: Server;
    let redirectUri: string;
    const callbacks: URLSearchParams[] = [];

    beforeAll(async () => {
        world = await startTestSimulator();
        // A stand-in for the app's callback route, registered as a redirect URI of our app.
        app = createServer((req, res) => {
            const url = new URL(req.url ?? '/', 'http://127.0.0.1');
            if (url.pathname === '/callback') callbacks.push(url.searchParams);
            res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Signed in</h1>');
        });
        await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
        redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
        await world.control('POST', `/control/identity/apps/${world.appClientId}/redirect-uris`, { uri: redirectUri });
        browser = await launchChromium();
    });
    afterAll(async () => {
        await browser?.close();
        await new Promise<void>((resolve) => app?.close(() => resolve()));
        await world?.stop();
    });

    it('signs in by typing into the form; MSAL redeems the code; SSO then works with prompt=none', async () => {
        const cca = world.msalClient();
        const crypto = new CryptoProvider();
        const pkce = await crypto.generatePkceCodes();
        const nonce = crypto.createNewGuid();
        const url = await cca.getAuthCodeUrl({
            scopes: ['User.Read'],
            redirectUri,
            codeChallenge: pkce.challenge,
            codeChallengeMethod: 'S256',
            nonce,
        });
        // The page is served with the local CA's certificate; this browser profile does not trust it.
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        const page = await context.newPage();
        await page.goto(url);
        await page.fill('#login', world.publisherUser.username);
        await page.fill('#passwd', world.publisherUser.password);
        await Promise.all([page.waitForURL(/\/callback\?/), page.click('#idSIButton9')]);
        expect(await page.textContent('h1')).toBe('Signed in');
        const code = callbacks.at(-1)?.get('code');
        expect(code).toBeTruthy();
        const result = await cca.acquireTokenByCode({
            code: code!,
            scopes: ['User.Read'],
            redirectUri,
            codeVerifier: pkce.verifier,
            nonce,
        });
        expect(result.account?.username).toBe(world.publisherUser.username);

        const silent = await cca.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri, prompt: 'none' });
        await page.goto(silent);
        await page.waitForURL(/\/callback\?/);
        expect(callbacks.at(-1)?.has('code')).toBe(true);
        await context.close();
    });

    it('re-shows the sign-in form with the real message for a wrong password, without redirecting', async () => {
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        const page = await context.newPage();
        const cca = world.msalClient();
        await page.goto(await cca.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri }));
        await page.fill('#login', world.publisherUser.username);
        await page.fill('#passwd', 'not-the-password');
        await page.click('#idSIButton9');
        await page.waitForSelector('#error');
        expect(await page.textContent('#error')).toContain('Your account or password is incorrect.');
        expect(page.url().startsWith(world.login)).toBe(true);
        await context.close();
    });
});
