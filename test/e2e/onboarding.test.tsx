/**
 * Onboarding end to end in a real browser: `npm start`'s stack (Azurite, the simulator, the local
 * Functions host running the built app) on free ports, driven with Debian's Chromium through
 * playwright-core. A seeded admin signs in, connects Contoso and watches its users arrive; the failure
 * paths (cancel, someone without the role, a personal account, another organization, a replayed
 * callback, another organization's page) end on pages that say what happened. Every page is saved
 * under .local/screenshots/ for people to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { newTenantRecord, type TenantRecord } from '../../src/tenants';
import { htmlResponse } from '../../src/web';
import { LandingPage } from '../../src/web/pages/landing';
import { PersonalAccountPage } from '../../src/web/pages/problems';
import { TenantPage } from '../../src/web/pages/tenant';
import { CHROMIUM, chromiumAvailable, launchChromium } from '../support/chromium';
import { getFreePort } from '../support/freePort';
import { waitFor } from '../support/poll';
import { REPO_ROOT, TestProcess } from '../support/processes';

const available = chromiumAvailable;
const suite = available ? describe : describe.skip;

const SCREENSHOTS = join(REPO_ROOT, '.local', 'screenshots');
const STARTUP_TIMEOUT_MS = 120_000;
jest.setTimeout(180_000);

interface Credentials {
    username: string;
    password: string;
}
/** The tenant of every personal Microsoft account. */
const PERSONAL_ACCOUNTS = '9188040d-6c67-4c5b-b112-36a304b66dad';
interface StackTenant {
    id: string;
    displayName: string;
    userCount: number;
    admin: Credentials;
    user: Credentials;
}
interface Stack {
    app: { url: string };
    simulator: { controlUrl: string; authorityHost: string };
    publisher: { appClientId: string };
    tenants: StackTenant[];
}

let launcher: TestProcess;
let stateDir: string;
let stack: Stack;
let app: string;
let browser: Browser;

function tenant(name: string): StackTenant {
    const found = stack.tenants.find((t) => t.displayName === name);
    if (found === undefined) throw new Error(`no tenant ${name} in the stack`);
    return found;
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${stack.simulator.controlUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
}

/** The whole page, cut at 2,400 pixels (a page of 100 users is far longer; its top says enough). */
async function shot(page: Page, name: string): Promise<void> {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const clip = height > 2400 ? { clip: { x: 0, y: 0, width: page.viewportSize()?.width ?? 1280, height: 2400 } } : {};
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, ...clip });
}

async function newContext(): Promise<{ context: BrowserContext; page: Page }> {
    // The simulator's pages are served with the local CA, which this fresh browser profile does not trust.
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    return { context, page: await context.newPage() };
}

const onMicrosoft = (page: Page) => page.url().startsWith(stack.simulator.authorityHost);

/**
 * On the simulator's sign-in page: type the account (or pick it from the list), then accept the
 * user-consent screen Entra shows on an organization's first sign-in, if it does.
 */
async function signInOnMicrosoft(page: Page, credentials: Credentials, screenshot?: string): Promise<void> {
    await page.waitForSelector('#login');
    if (screenshot !== undefined) await shot(page, screenshot);
    await page.fill('#login', credentials.username);
    await page.fill('#passwd', credentials.password);
    await page.click('#idSIButton9');
    await page.waitForLoadState();
    if (
        onMicrosoft(page) &&
        (await page.content()).includes('Permissions requested') &&
        !page.url().includes('adminconsent')
    ) {
        await page.click('#idSIButton9');
        await page.waitForLoadState();
    }
}

async function signIn(page: Page, credentials: Credentials): Promise<void> {
    await page.goto(`${app}/auth/signin`);
    await signInOnMicrosoft(page, credentials);
    await page.waitForURL(`${app}/`);
}

let port: number;
const logs: string[] = [];

/** `npm start`'s launcher on `port` with the state in `stateDir` (a second call is a restart). */
async function startStack(): Promise<void> {
    launcher = new TestProcess('launcher', 'dev/start/main.ts', [
        ...['--port', String(port), '--state-dir', stateDir, '--free-ports'],
    ]);
    await launcher.waitForLine(/^STACK_READY /, STARTUP_TIMEOUT_MS);
    stack = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as Stack;
    app = stack.app.url;
    // On a free port: the launcher registers this app's callbacks with the simulator itself.
}

async function stopStack(): Promise<void> {
    logs.push(launcher.output());
    await launcher.stop();
}

beforeAll(async () => {
    if (!available) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    stateDir = mkdtempSync(join(tmpdir(), 'onboarding-e2e-'));
    port = await getFreePort();
    await startStack();
    browser = await launchChromium();
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
    // The stack's own log, for whoever looks at the screenshots or a failure.
    if (launcher !== undefined) writeFileSync(join(SCREENSHOTS, 'stack.log'), [...logs, launcher.output()].join('\n'));
    await browser?.close();
    await launcher?.stop();
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
});

suite(`onboarding in Chromium${available ? '' : ` (skipped: ${CHROMIUM} is not installed)`}`, () => {
    it('an admin signs in, connects Contoso, lands on its page and sees the users arrive after the first sync', async () => {
        const contoso = tenant('Contoso');
        const { context, page } = await newContext();
        await page.goto(app);
        expect(await page.textContent('h1')).toContain('Keep an up-to-date copy');
        await shot(page, '01-landing-signed-out');
        // Keyboard users: the skip link first, then every control shows where the focus is.
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
        await shot(page, '01a-landing-skip-link');
        for (let i = 0; i < 5; i++) {
            if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Connect your organization') break;
            await page.keyboard.press('Tab');
        }
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Connect your organization');
        expect(await page.$eval('a.button', (el) => getComputedStyle(el).outlineStyle)).toBe('solid');
        await shot(page, '01b-landing-focus');

        await page.click('text=Connect your organization');
        await signInOnMicrosoft(page, contoso.admin, '02-microsoft-sign-in');
        // Back from sign-in, /connect sends the admin on to Microsoft's admin-consent page.
        await page.waitForURL(/\/v2\.0\/adminconsent/);
        expect(await page.content()).toContain('Permissions requested');
        await shot(page, '03-microsoft-admin-consent');
        await page.click('#idSIButton9');
        await page.waitForURL(`${app}/tenants/${contoso.id}`);
        expect(await page.textContent('h1')).toBe('Contoso');
        await shot(page, '04-tenant-first-sync');

        // The page refreshes itself (meta refresh) until the first sync has copied every user.
        await waitFor(
            'the tenant page to show every Contoso user synced',
            async () => {
                await page.waitForLoadState();
                const text = (await page.textContent('main').catch(() => '')) ?? '';
                return text.includes(`Users synced${contoso.userCount}`) && text.includes('Last syncSucceeded')
                    ? true
                    : undefined;
            },
            { timeoutMs: 90_000, intervalMs: 500 },
        );
        expect(await page.textContent('.badge')).toBe('Connected');
        await shot(page, '05-tenant-connected');

        await page.click('text=View users');
        await page.waitForURL(`${app}/tenants/${contoso.id}/users`);
        expect(await page.locator('tbody tr').count()).toBe(100);
        await shot(page, '06-users');
        await page.fill('#q', 'meg');
        await page.click('form.search button');
        await page.waitForURL(/\?q=meg/);
        expect(await page.textContent('tbody')).toContain('Megan Bowen');
        await shot(page, '07-users-search');

        await page.goto(app);
        expect(await page.textContent('main')).toContain('Welcome, ');
        expect(await page.textContent('main')).toContain('Connected');
        await shot(page, '08-landing-signed-in');
        await context.close();
    });

    it('an admin presses Sync now, then disconnects after the confirmation page', async () => {
        const contoso = tenant('Contoso');
        const { context, page } = await newContext();
        await signIn(page, contoso.admin);
        await page.goto(`${app}/tenants/${contoso.id}`);
        await page.click('button:has-text("Sync now")');
        await page.waitForURL(`${app}/tenants/${contoso.id}`);
        expect(await page.textContent('main')).toMatch(/A sync is queued|Sync in progress|Sync now/);
        expect(await page.textContent('tbody tr')).toContain('Sync now');
        await shot(page, '09-tenant-after-sync-now');

        await page.click('text=Disconnect…');
        await page.waitForURL(`${app}/tenants/${contoso.id}/disconnect`);
        expect(await page.textContent('h1')).toBe('Disconnect Contoso?');
        await shot(page, '10-disconnect-confirm');
        await page.click('button:has-text("Disconnect and delete the copy")');
        await page.waitForURL(`${app}/tenants/${contoso.id}`);
        expect(await page.textContent('.badge')).toBe('Disconnected');
        await shot(page, '11-tenant-disconnected');

        // Connect again, so the tests after this one find Contoso connected.
        await page.click('text=Connect again');
        await page.waitForURL(/\/v2\.0\/adminconsent/);
        await page.click('#idSIButton9');
        await page.waitForURL(`${app}/tenants/${contoso.id}`);
        expect(await page.textContent('.badge')).toBe('Connected');
        await context.close();
    });

    it('an admin who cancels on Microsoft’s consent page is told so, and nothing is stored', async () => {
        const fabrikam = tenant('Fabrikam');
        const { context, page } = await newContext();
        await signIn(page, fabrikam.admin);
        await page.click('text=Connect your organization');
        await page.waitForURL(/\/v2\.0\/adminconsent/);
        await page.click('#idBtn_Back');
        await page.waitForURL(/\/connect\/callback\?/);
        expect(await page.textContent('h1')).toBe('Consent was not granted');
        expect(await page.textContent('main')).toContain('AADSTS65004');
        await shot(page, '12-connect-cancelled');
        await page.goto(app);
        expect(await page.textContent('main')).toContain('Not connected');
        await context.close();
    });

    it('someone without an administrator role is told to ask an administrator', async () => {
        const fabrikam = tenant('Fabrikam');
        const { context, page } = await newContext();
        await signIn(page, fabrikam.user);
        expect(await page.textContent('main')).toContain('Connecting an organization needs a Global Administrator');
        await shot(page, '13-landing-not-admin');
        await page.click('text=Connect your organization');
        await page.waitForLoadState();
        // Microsoft's page offers the signed-in account; then "Need admin approval".
        if (await page.isVisible('#login')) {
            await page.fill('#login', fabrikam.user.username);
            await page.fill('#passwd', fabrikam.user.password);
            await page.click('#idSIButton9');
        } else await page.click(`button[value="${fabrikam.user.username}"]`);
        await page.waitForSelector('#return-to-app');
        await shot(page, '14-microsoft-need-admin-approval');
        await page.click('#return-to-app button');
        await page.waitForURL(/\/connect\/callback\?/);
        expect(await page.textContent('h1')).toBe('An administrator needs to connect your organization');
        await shot(page, '15-connect-not-admin');
        await context.close();
    });

    it('an ordinary user sees their connected organization without the administrators’ buttons, and not other organizations', async () => {
        const contoso = tenant('Contoso');
        const { context, page } = await newContext();
        await signIn(page, contoso.user);
        await page.goto(`${app}/tenants/${contoso.id}`);
        expect(await page.isVisible('button:has-text("Sync now")')).toBe(false);
        await shot(page, '16-tenant-member-view');
        const response = await page.goto(`${app}/tenants/${tenant('Fabrikam').id}`);
        expect(response?.status()).toBe(403);
        expect(await page.textContent('h1')).toBe('This organization’s page is not yours to see');
        await shot(page, '17-forbidden-other-organization');
        const bad = await page.goto(`${app}/tenants/not-an-id`);
        expect(bad?.status()).toBe(400);
        await shot(page, '18-bad-address');
        await context.close();
    });

    it('a personal Microsoft account is stopped by the identity platform, and our page explains why', async () => {
        const personal = (
            (await control('GET', `/control/tenants/${PERSONAL_ACCOUNTS}/users?top=1`)) as {
                users: { userPrincipalName: string; password: string }[];
            }
        ).users[0];
        if (personal === undefined) throw new Error('the simulator has no personal account');
        const { context, page } = await newContext();
        await page.goto(`${app}/auth/signin`);
        await signInOnMicrosoft(page, { username: personal.userPrincipalName, password: personal.password });
        expect(onMicrosoft(page)).toBe(true);
        expect(await page.textContent('#error')).toContain('AADSTS500200');
        await shot(page, '19-microsoft-personal-account');
        // Our own explanation, for a personal account that gets through (an app registration that also
        // admits personal accounts): rendered into the app's origin so its stylesheet applies.
        await page.goto(app);
        await page.setContent(
            htmlResponse(<PersonalAccountPage context={{ session: undefined, csrf: undefined }} />).body as string,
        );
        expect(await page.textContent('h1')).toBe('Use a work or school account');
        await shot(page, '20-personal-account');
        await context.close();
    });

    it('consent by an administrator of another organization goes back with AADSTS50020 and a page that says so', async () => {
        const { context, page } = await newContext();
        await signIn(page, tenant('Northwind Traders').admin);
        // Signed out of Microsoft (not of Tenant Sync): its consent page asks for an account.
        await context.clearCookies({ domain: '127.0.0.1' });
        await page.click('text=Connect your organization');
        await signInOnMicrosoft(page, tenant('Fabrikam').admin);
        await page.waitForURL(/\/connect\/callback\?/);
        expect(await page.textContent('h1')).toBe('Microsoft refused an account from another organization');
        await shot(page, '21-connect-other-organization');
        await context.close();
    });

    it('a replayed callback URL is refused, and signing out ends the session', async () => {
        const fabrikam = tenant('Fabrikam');
        const { context, page } = await newContext();
        await signIn(page, fabrikam.admin);
        let callback: string | undefined;
        page.on('request', (request) => {
            if (request.url().includes('/connect/callback?')) callback ??= request.url();
        });
        await page.click('text=Connect your organization');
        await page.waitForURL(/\/v2\.0\/adminconsent/);
        await page.click('#idSIButton9');
        await page.waitForURL(`${app}/tenants/${fabrikam.id}`);
        expect(callback).toBeDefined();
        const replay = await page.goto(callback ?? '');
        expect(replay?.status()).toBe(400);
        expect(await page.textContent('main')).toContain('already used once');
        await shot(page, '22-connect-replayed');

        await page.goto(app);
        await page.click('button:has-text("Sign out")');
        await page.waitForURL(`${app}/`);
        expect(await page.textContent('h1')).toContain('Keep an up-to-date copy');
        expect((await context.cookies(app)).map((c) => c.name)).not.toContain('tenant_sync_session');
        await shot(page, '23-signed-out');
        // The organization's page now goes through sign-in again (Microsoft may sign the user straight
        // back in: signing out of Tenant Sync does not sign out of the Microsoft account).
        const visited: string[] = [];
        page.on('request', (request) => visited.push(request.url()));
        await page.goto(`${app}/tenants/${fabrikam.id}`);
        expect(visited).toContain(`${app}/auth/signin?returnTo=${encodeURIComponent(`/tenants/${fabrikam.id}`)}`);
        await context.close();
    });

    it('after npm start is restarted, Contoso is still connected and its users are still there', async () => {
        const contoso = tenant('Contoso');
        await stopStack();
        await startStack();
        const { context, page } = await newContext();
        await signIn(page, contoso.admin);
        expect(await page.textContent('main')).toContain('Connected');
        await page.goto(`${app}/tenants/${contoso.id}`);
        expect(await page.textContent('main')).toContain(`Users synced${contoso.userCount}`);
        await shot(page, '29-tenant-after-restart');
        await context.close();
    });

    it('renders each status of a tenant page and the signed-in landing states with the app’s stylesheet', async () => {
        const { context, page } = await newContext();
        await page.goto(app);
        const session = {
            sid: 's',
            tid: tenant('Contoso').id,
            oid: 'o',
            name: 'Megan Bowen',
            username: tenant('Contoso').admin.username,
            isAdmin: true,
            expiresAt: 0,
        };
        const context_ = { session, csrf: 'csrf' };
        const base = (overrides: Partial<TenantRecord>): TenantRecord => ({
            ...newTenantRecord(tenant('Contoso').id, 'Contoso', 'active', new Date()),
            connectedAt: new Date().toISOString(),
            consentedAt: new Date().toISOString(),
            connectedBy: { oid: 'o', name: 'Megan Bowen', username: tenant('Contoso').admin.username },
            userCount: 250,
            ...overrides,
        });
        const states: [string, TenantRecord][] = [
            ['24-tenant-pending', base({ status: 'pending', userCount: 0 })],
            ['25-tenant-consent-required', base({ status: 'consent_required', statusDetail: 'AADSTS700016' })],
            ['26-tenant-error-mass-delete', base({ status: 'error', statusCode: 'mass_delete_blocked' })],
        ];
        for (const [name, record] of states) {
            await page.setContent(
                htmlResponse(<TenantPage context={context_} tenant={record} runs={[]} activity={{ kind: 'idle' }} />)
                    .body as string,
            );
            // The stylesheet loaded from the app: the page is laid out, not bare HTML.
            expect(await page.$eval('.card', (el) => getComputedStyle(el).borderRadius)).not.toBe('0px');
            await shot(page, name);
        }
        await page.setContent(
            htmlResponse(<LandingPage context={context_} tenant={base({ status: 'consent_required' })} />)
                .body as string,
        );
        await shot(page, '27-landing-consent-required');
        // A phone-sized window: nothing overflows sideways.
        await page.setViewportSize({ width: 390, height: 844 });
        await page.setContent(
            htmlResponse(
                <TenantPage
                    context={context_}
                    tenant={base({ status: 'active', lastSyncAt: new Date().toISOString() })}
                    runs={[]}
                    activity={{ kind: 'running', pages: 2, users: 200 }}
                />,
            ).body as string,
        );
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        await shot(page, '28-tenant-syncing-phone');
        await context.close();
    });
});
