/**
 * The connect flow end to end against the simulator and Azurite: GET /connect, the simulator's admin
 * consent page, and every branch of GET /connect/callback — bad state, errors, another organization,
 * success with the consent proven (also through the simulator's propagation delays), and `pending`.
 */
import type { Services } from '../../../src/app/services';
import { createOnboarding } from '../../../src/onboarding';
import { TableName } from '../../../src/storage';
import { parseSyncMessage } from '../../../src/sync/syncMessage';
import { Browser } from '../../support/browser';
import { type PageResponse, ProductBrowser, PUBLIC_BASE_URL } from '../../support/productBrowser';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';
import type { TenantInfo } from '../../support/simulator';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());

function tenant(name: 'Contoso' | 'Fabrikam'): TenantInfo {
    const found = world.sim.customers.find((t) => t.displayName === name);
    if (found === undefined) throw new Error(`no ${name}`);
    return found;
}

/** Each test starts from a clean slate: no tenant rows, runs, states or consent in the simulator. */
beforeEach(async () => {
    for (const t of world.sim.customers) {
        await world.services.offboarding.disconnect(t.id, world.services.processLogger);
        await world.services.storage
            .table(TableName.tenants)
            .deleteEntity(t.id, 'tenant')
            .catch(() => undefined);
        await world.sim.control('POST', `/control/tenants/${t.id}/consent/revoke`, {});
    }
    await world.sim.control('POST', '/control/identity/settings', {
        consentPropagationDelayMs: 0,
        servicePrincipalPropagationDelayMs: 0,
    });
});

async function expectNothingStored(tenantId: string): Promise<void> {
    expect(await world.services.tenants.get(tenantId)).toBeUndefined();
    expect(await world.services.runs.recent(tenantId, 5)).toEqual([]);
}

async function signedInAdmin(name: 'Contoso' | 'Fabrikam' = 'Contoso', services: Services = world.services) {
    const browser = new ProductBrowser(services);
    await browser.signIn(tenant(name).admin);
    return browser;
}

/** The admin-consent URL our /connect sends the browser to. */
async function consentRedirect(browser: ProductBrowser): Promise<URL> {
    const answer = await browser.app('GET', '/connect');
    expect(answer.status).toBe(302);
    return new URL(answer.location ?? '');
}

/** A callback URL with our genuine state and whatever else a test needs. */
async function callbackWith(browser: ProductBrowser, fields: Record<string, string>): Promise<string> {
    const state = (await consentRedirect(browser)).searchParams.get('state') ?? '';
    return `/connect/callback?${new URLSearchParams({ ...fields, state }).toString()}`;
}

describe('GET /connect', () => {
    it('sends a signed-out browser through sign-in first, and back to /connect', async () => {
        const browser = new ProductBrowser(world.services);
        const answer = await browser.app('GET', '/connect');
        expect(answer.status).toBe(303);
        expect(answer.location).toBe('/auth/signin?returnTo=%2Fconnect');
    });

    it('sends the signed-in admin to their own organization’s admin-consent endpoint', async () => {
        const browser = await signedInAdmin();
        const url = await consentRedirect(browser);
        expect(`${url.origin}${url.pathname}`).toBe(`${world.sim.login}/${tenant('Contoso').id}/v2.0/adminconsent`);
        expect(url.searchParams.get('client_id')).toBe(world.sim.appClientId);
        expect(url.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
        expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_BASE_URL}/connect/callback`);
        expect(url.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    });
});

describe('GET /connect/callback', () => {
    it('connects the organization after a real admin consent: proven, recorded active, first sync queued, 303 to its page', async () => {
        const browser = await signedInAdmin();
        const callback = await browser.connect('accept', { stopAtCallback: true });
        const answer = await browser.app('GET', callback.location ?? '');
        const contoso = tenant('Contoso');
        expect(answer.status).toBe(303);
        expect(answer.location).toBe(`/tenants/${contoso.id}`);

        const stored = (await world.services.tenants.get(contoso.id))?.record;
        expect(stored).toMatchObject({
            tenantId: contoso.id,
            displayName: 'Contoso',
            status: 'active',
            connectedBy: { username: contoso.admin.username, name: expect.any(String), oid: expect.any(String) },
            consentedAt: expect.any(String),
            connectedAt: expect.any(String),
        });
        const message = parseSyncMessage(answer.queued);
        expect(message).toMatchObject({ tenantId: contoso.id, reason: 'consent' });
        const [run] = await world.services.runs.recent(contoso.id, 5);
        expect(run).toMatchObject({ runId: message.runId, trigger: 'consent', state: 'queued' });

        // The proof used Graph with a fresh token: organization, then one user.
        const graphCalls = (await world.sim.requestsSince(0, 'graph'))
            .filter((r) => r.tenant === contoso.id)
            .map((r) => `${r.path} ${decodeURIComponent(r.query ?? '')}`);
        expect(graphCalls).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^\/v1\.0\/organization /),
                expect.stringMatching(/^\/v1\.0\/users \?\$top=1&\$select=id$/),
            ]),
        );

        const page = await browser.follow(answer);
        expect(page.status).toBe(200);
        expect(page.html).toContain('<h1>Contoso</h1>');
        expect(page.html).toContain('Connected');
    });

    it('refuses a callback without state, with a forged one, or one replayed (even with the cookie): 400, nothing stored', async () => {
        const browser = await signedInAdmin();
        const contoso = tenant('Contoso');
        const missing = await browser.app('GET', `/connect/callback?admin_consent=True&tenant=${contoso.id}`);
        expect(missing.status).toBe(400);
        expect(missing.html).toContain('no proof that this browser started it');

        const genuine = new URL(
            await callbackWith(browser, { admin_consent: 'True', tenant: contoso.id }),
            PUBLIC_BASE_URL,
        );
        const forged = new URL(genuine);
        forged.searchParams.set('state', `${genuine.searchParams.get('state') ?? ''}x`);
        const forgedAnswer = await browser.app('GET', `${forged.pathname}${forged.search}`);
        expect(forgedAnswer.status).toBe(400);
        expect(forgedAnswer.html).toContain('a proof that Tenant Sync did not issue');
        await expectNothingStored(contoso.id);
        expect(missing.queued).toBeUndefined();

        // The genuine state once (no consent was actually given in the simulator: the proof will wait),
        // then the very same URL with the very same cookies.
        await world.sim.consent(contoso.id);
        const first = await browser.app('GET', `${genuine.pathname}${genuine.search}`);
        expect(first.status).toBe(303);
        const replay = await browser.app('GET', `${genuine.pathname}${genuine.search}`);
        expect(replay.status).toBe(400);
        expect(replay.html).toContain('already used once');
        expect(replay.queued).toBeUndefined();
    });

    it('refuses a state from another session (another browser, or the same admin signed in again)', async () => {
        const victim = await signedInAdmin();
        const url = await callbackWith(victim, { admin_consent: 'True', tenant: tenant('Contoso').id });
        const attacker = await signedInAdmin();
        const answer = await attacker.app('GET', url);
        expect(answer.status).toBe(400);
        expect(answer.html).toContain('started in another session or browser');
        const anonymous = new ProductBrowser(world.services);
        const signedOut = await anonymous.app('GET', url);
        expect(signedOut.status).toBe(400);
        expect(signedOut.html).toContain('not signed in');
        await expectNothingStored(tenant('Contoso').id);
        // Neither attempt used the state up: the browser it belongs to can still complete.
        await world.sim.consent(tenant('Contoso').id);
        expect((await victim.app('GET', url)).status).toBe(303);
    });

    it('refuses a state older than 15 minutes', async () => {
        const clock = { now: () => Date.now(), sleep: () => Promise.resolve() };
        const services = world.newServices({ clock });
        const browser = await signedInAdmin('Contoso', services);
        const url = await callbackWith(browser, { admin_consent: 'True', tenant: tenant('Contoso').id });
        clock.now = () => Date.now() + 16 * 60 * 1000;
        const answer = await browser.app('GET', url);
        expect(answer.status).toBe(400);
        expect(answer.html).toContain('More than 15 minutes passed');
        await expectNothingStored(tenant('Contoso').id);
    });

    it('shows a cancelled consent as such, with Microsoft’s words, and stores nothing', async () => {
        const browser = await signedInAdmin();
        const page = await browser.connect('cancel');
        expect(page.url).toMatch(/\/connect\/callback\?/);
        expect(page.status).toBe(400);
        expect(page.html).toContain('Consent was not granted');
        expect(page.html).toContain('AADSTS65004');
        expect(page.html).toContain('Try again');
        await expectNothingStored(tenant('Contoso').id);
    });

    it('treats every error as a failure, even beside admin_consent=True, and escapes error_description', async () => {
        const browser = await signedInAdmin();
        for (const error of ['access_denied', 'consent_required', 'server_error', 'something_new']) {
            const url = await callbackWith(browser, {
                admin_consent: 'True',
                tenant: tenant('Contoso').id,
                error,
                error_description: `AADSTS90099: <img src=x onerror=alert(1)> "${error}"`,
            });
            const answer: PageResponse = await browser.app('GET', url);
            expect(answer.status).toBe(400);
            expect(answer.html).toContain('&lt;img src=x onerror=alert(1)>');
            expect(answer.html).not.toContain('<img');
            expect(answer.html).toContain(error);
        }
        await expectNothingStored(tenant('Contoso').id);
    });

    it('sends someone without an administrator role back from “Need admin approval” to a page that says so', async () => {
        const browser = new ProductBrowser(world.services);
        await browser.signIn(tenant('Contoso').user);
        // Microsoft's page does single sign-on only for an administrator: anyone else picks an account.
        const page = await browser.connect('cancel', { credentials: tenant('Contoso').user });
        expect(page.url).toMatch(/\/connect\/callback\?.*error_subcode=cancel/);
        expect(page.status).toBe(400);
        expect(page.html).toContain('An administrator needs to connect your organization');
        await expectNothingStored(tenant('Contoso').id);
    });

    it('explains an administrator of another organization signing in on Microsoft’s consent page (AADSTS50020)', async () => {
        const browser = await signedInAdmin('Contoso');
        browser.sim = new Browser(); // Microsoft's page asks for an account, and gets Fabrikam's administrator
        const page = await browser.connect('accept', { credentials: tenant('Fabrikam').admin });
        expect(page.url).toMatch(/\/connect\/callback\?.*error=access_denied/);
        expect(page.status).toBe(400);
        expect(page.html).toContain('Microsoft refused an account from another organization');
        expect(page.html).toContain('AADSTS50020');
        await expectNothingStored(tenant('Contoso').id);
        await expectNothingStored(tenant('Fabrikam').id);
    });

    it('explains an account of another organization on Microsoft’s page (AADSTS50020)', async () => {
        const browser = await signedInAdmin();
        const url = await callbackWith(browser, {
            admin_consent: 'True',
            error: 'access_denied',
            error_description:
                "AADSTS50020: User account 'megan.bowen@fabrikam.com' from identity provider 'https://sts.windows.net/x/' does not exist in tenant 'Contoso'.",
        });
        const answer = await browser.app('GET', url);
        expect(answer.status).toBe(400);
        expect(answer.html).toContain('Microsoft refused an account from another organization');
    });

    it('refuses consent reported for another organization than the signed-in one, naming both; nothing stored', async () => {
        const browser = await signedInAdmin('Contoso');
        // Fabrikam is known (connected earlier), so the page can name it.
        await world.sim.consent(tenant('Fabrikam').id);
        const fabrikamAdmin = await signedInAdmin('Fabrikam');
        expect(
            (
                await fabrikamAdmin.app(
                    'GET',
                    await callbackWith(fabrikamAdmin, { admin_consent: 'True', tenant: tenant('Fabrikam').id }),
                )
            ).status,
        ).toBe(303);

        const url = await callbackWith(browser, { admin_consent: 'True', tenant: tenant('Fabrikam').id });
        const answer = await browser.app('GET', url);
        expect(answer.status).toBe(403);
        expect(answer.html).toContain('Consent was given for another organization');
        expect(answer.html).toContain('<strong>Fabrikam</strong>');
        expect(answer.html).toContain('<strong>contoso.com</strong>');
        expect(answer.queued).toBeUndefined();
        await expectNothingStored(tenant('Contoso').id);
    });

    it('refuses a genuine state with an answer that names no organization', async () => {
        const browser = await signedInAdmin();
        for (const fields of [
            { admin_consent: 'True' },
            { admin_consent: 'True', tenant: 'contoso.com' },
            { tenant: tenant('Contoso').id },
        ]) {
            const answer = await browser.app('GET', await callbackWith(browser, fields));
            expect(answer.status).toBe(400);
            expect(answer.html).toContain('Microsoft’s answer was incomplete');
        }
        await expectNothingStored(tenant('Contoso').id);
    });

    it('proves the consent with a forced refresh: a token cached before it (without roles) is not reused', async () => {
        const contoso = tenant('Contoso');
        // The app was known in Contoso without application permissions, and a token without roles is cached.
        await world.sim.consent(contoso.id);
        await world.sim.control('POST', `/control/tenants/${contoso.id}/consent/revoke`, { rolesOnly: true });
        await world.services.appTokens.graphToken(contoso.id, { forceRefresh: true });
        expect((await world.services.appTokens.graphToken(contoso.id)).roles).toEqual([]);
        const browser = await signedInAdmin();
        const page = await browser.connect('accept');
        expect(page.url).toBe(`${PUBLIC_BASE_URL}/tenants/${contoso.id}`);
        expect((await world.services.tenants.get(contoso.id))?.record.status).toBe('active');
    });

    it('waits for Microsoft to apply the consent (roles appear after a delay), then records it active', async () => {
        await world.sim.control('POST', '/control/identity/settings', { consentPropagationDelayMs: 1500 });
        const browser = await signedInAdmin();
        const callback = await browser.connect('accept', { stopAtCallback: true });
        const started = Date.now();
        const answer = await browser.app('GET', callback.location ?? '');
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
        expect(answer.status).toBe(303);
        expect((await world.services.tenants.get(tenant('Contoso').id))?.record.status).toBe('active');
        expect(answer.logs.join('\n')).toMatch(/consent not applied yet; trying again .*reason=token_without_roles/);
    });

    it('waits while the new service principal is unknown (AADSTS700016) and then without roles, then records it active', async () => {
        await world.sim.control('POST', '/control/identity/settings', {
            servicePrincipalPropagationDelayMs: 1200,
            consentPropagationDelayMs: 600,
        });
        const browser = await signedInAdmin();
        const callback = await browser.connect('accept', { stopAtCallback: true });
        const answer = await browser.app('GET', callback.location ?? '');
        expect(answer.status).toBe(303);
        expect((await world.services.tenants.get(tenant('Contoso').id))?.record.status).toBe('active');
        const logs = answer.logs.join('\n');
        expect(logs).toMatch(/trying again .*reason=AADSTS700016/);
    });

    it('records the tenant pending, with its first sync queued, when the consent is not applied within the wait', async () => {
        await world.sim.control('POST', '/control/identity/settings', { consentPropagationDelayMs: 600_000 });
        const services: Services = {
            ...world.services,
            onboarding: createOnboarding(
                world.config,
                {
                    authStates: world.services.storage.table(TableName.authStates),
                    tokens: world.services.auth.tokens,
                    appTokens: world.services.appTokens,
                    graph: world.services.graph,
                    tenants: world.services.tenants,
                    syncRequests: world.services.syncRequests,
                    clock: world.services.clock,
                },
                { proofBudgetMs: 1200 },
            ),
        };
        const browser = await signedInAdmin('Contoso', services);
        const page = await browser.connect('accept', { stopAtCallback: true });
        const answer = await browser.app('GET', page.location ?? '');
        const contoso = tenant('Contoso');
        expect(answer.status).toBe(303);
        expect(answer.location).toBe(`/tenants/${contoso.id}`);
        expect((await world.services.tenants.get(contoso.id))?.record).toMatchObject({
            status: 'pending',
            displayName: contoso.id,
            connectedBy: expect.objectContaining({ username: contoso.admin.username }),
        });
        expect(parseSyncMessage(answer.queued)).toMatchObject({ tenantId: contoso.id, reason: 'consent' });
        expect(answer.logs.join('\n')).toContain('consent not applied within the wait');
        const tenantPage = await browser.follow(answer);
        expect(tenantPage.html).toContain('Waiting for Microsoft');
        expect(tenantPage.html).toContain('Microsoft is still applying your consent');
    });

    it('records an operator problem (our client secret expired) as the operator’s, not the customer’s', async () => {
        const services = world.newServices();
        const browser = await signedInAdmin('Contoso', services);
        const callback = await browser.connect('accept', { stopAtCallback: true });
        const expired = await world.sim.control(
            'POST',
            `/control/identity/apps/${world.sim.appClientId}/secrets/expire`,
            {},
        );
        expect(expired.status).toBe(200);
        try {
            const answer = await browser.app('GET', callback.location ?? '');
            expect(answer.status).toBe(303);
            const stored = (await world.services.tenants.get(tenant('Contoso').id))?.record;
            expect(stored).toMatchObject({ status: 'error', statusCode: 'client_secret_invalid' });
            expect(answer.queued).toBeUndefined();
            const page = await browser.follow(answer);
            expect(page.html).toContain('Problem on our side');
        } finally {
            await world.sim.control('POST', `/control/identity/apps/${world.sim.appClientId}/secrets/rotate`, {
                keepPrevious: false,
            });
        }
    });
});
