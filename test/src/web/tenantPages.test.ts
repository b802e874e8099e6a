/**
 * The tenant's own pages through their handlers, against Azurite and the real services: who may see
 * what, bad input, Sync now, Disconnect with its confirmation, the users list with paging and search.
 * Sessions are minted by the app's own session store (as a sign-in would; signIn.test.ts covers that).
 */
import { randomUUID } from 'node:crypto';

import type { SignedInUser } from '../../../src/auth';
import type { SyncedUser } from '../../../src/sync/syncedUser';
import { parseSyncMessage } from '../../../src/sync/syncMessage';
import { newTenantRecord, type TenantStatus } from '../../../src/tenants';
import { ProductBrowser } from '../../support/productBrowser';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());

async function browserAs(user: Partial<SignedInUser> & { tid: string }): Promise<ProductBrowser> {
    const { cookie } = await world.services.auth.sessions.create({
        oid: randomUUID(),
        name: 'Megan Bowen',
        username: 'megan.bowen@contoso.example',
        isAdmin: false,
        ...user,
    });
    const browser = new ProductBrowser(world.services);
    browser.cookies.set(cookie.name, cookie.value);
    return browser;
}

/** A tenant row in `status` with a display name that needs escaping. */
async function newTenant(status: TenantStatus = 'active', fields: Record<string, unknown> = {}): Promise<string> {
    const tenantId = randomUUID();
    await world.services.tenants.upsert(
        tenantId,
        () => newTenantRecord(tenantId, 'Contoso <Ltd> & "Sons"', status, new Date()),
        (current) => ({ ...current, ...fields }),
    );
    return tenantId;
}

function user(index: number, name: string): SyncedUser {
    const id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
    return {
        id,
        displayName: name,
        givenName: null,
        surname: null,
        userPrincipalName: `user${index}@contoso.example`,
        mail: null,
        jobTitle: index === 3 ? '<b>Chief</b>' : 'Engineer',
        department: null,
        officeLocation: null,
        accountEnabled: index % 7 !== 0,
        userType: index % 11 === 0 ? 'Guest' : 'Member',
    };
}

const routes = (tenantId: string) => ({
    page: `/tenants/${tenantId}`,
    users: `/tenants/${tenantId}/users`,
    confirm: `/tenants/${tenantId}/disconnect`,
    sync: `/tenants/${tenantId}/sync`,
    disconnect: `/tenants/${tenantId}/disconnect`,
});

describe('who may see a tenant’s pages', () => {
    it('sends a browser without a session through sign-in, back to the page it asked for', async () => {
        const tenantId = await newTenant();
        const browser = new ProductBrowser(world.services);
        for (const path of [routes(tenantId).page, `${routes(tenantId).users}?q=zo`, routes(tenantId).confirm]) {
            const answer = await browser.app('GET', path);
            expect(answer.status).toBe(303);
            expect(answer.location).toBe(`/auth/signin?returnTo=${encodeURIComponent(path)}`);
        }
        for (const path of [routes(tenantId).sync, routes(tenantId).disconnect]) {
            const answer = await browser.app('POST', path, { form: { csrf: 'x' } });
            expect(answer.status).toBe(303);
            expect(answer.location).toBe(`/auth/signin?returnTo=${encodeURIComponent(routes(tenantId).page)}`);
        }
        expect((await world.services.tenants.get(tenantId))?.record.status).toBe('active');
    });

    it('answers 403 to a user of another organization on every route, even an administrator, even for an unknown id', async () => {
        const tenantId = await newTenant();
        const stranger = await browserAs({ tid: randomUUID(), isAdmin: true });
        const home = await stranger.app('GET', '/');
        const csrf = ProductBrowser.csrfOf(home);
        for (const id of [tenantId, randomUUID()]) {
            for (const path of [routes(id).page, routes(id).users, routes(id).confirm]) {
                const answer = await stranger.app('GET', path);
                expect(answer.status).toBe(403);
                expect(answer.html).toContain('This organization’s page is not yours to see');
                expect(answer.html).not.toContain('Contoso &lt;Ltd>');
            }
            for (const path of [routes(id).sync, routes(id).disconnect]) {
                const answer = await stranger.app('POST', path, { form: { csrf } });
                expect(answer.status).toBe(403);
                expect(answer.queued).toBeUndefined();
            }
        }
        expect((await world.services.tenants.get(tenantId))?.record.status).toBe('active');
        expect(await world.services.runs.recent(tenantId, 5)).toEqual([]);
    });

    it('shows its own organization to an ordinary user, without the administrators’ buttons', async () => {
        const tenantId = await newTenant();
        const member = await browserAs({ tid: tenantId });
        const page = await member.app('GET', routes(tenantId).page);
        expect(page.status).toBe(200);
        expect(page.html).toContain('<h1>Contoso &lt;Ltd> &amp; &quot;Sons&quot;</h1>');
        expect(page.html).not.toContain('>Sync now<');
        expect(page.html).not.toContain('Disconnect…');
        expect(page.html).toContain('Only a Global Administrator or Privileged Role Administrator');

        const csrf = ProductBrowser.csrfOf(page);
        for (const path of [routes(tenantId).sync, routes(tenantId).disconnect]) {
            const answer = await member.app('POST', path, { form: { csrf } });
            expect(answer.status).toBe(403);
            expect(answer.html).toContain('Only administrators can do this');
        }
        expect((await member.app('GET', routes(tenantId).confirm)).status).toBe(403);
        expect(await world.services.runs.recent(tenantId, 5)).toEqual([]);
    });

    it('tells a user whose organization is not connected how to connect it (404)', async () => {
        const tenantId = randomUUID();
        const member = await browserAs({ tid: tenantId });
        const answer = await member.app('GET', routes(tenantId).page);
        expect(answer.status).toBe(404);
        expect(answer.html).toContain('Your organization is not connected yet');
        expect(answer.html).toContain('href="/connect"');
    });
});

describe('bad input', () => {
    it('answers a clear 400 page to a tenant id that is not a GUID', async () => {
        const browser = await browserAs({ tid: randomUUID() });
        for (const id of ['contoso', '1234', `${randomUUID()}x`, '%3Cscript%3E']) {
            const answer = await browser.app('GET', `/tenants/${id}`);
            expect(answer.status).toBe(400);
            expect(answer.html).toContain('does not name an organization');
            expect(answer.html).not.toContain('<script>');
        }
    });

    it('answers 400 to a search that is too long, has control characters or is repeated, and to a damaged page link', async () => {
        const tenantId = await newTenant();
        const member = await browserAs({ tid: tenantId });
        for (const query of [
            `q=${'a'.repeat(101)}`,
            'q=a%00b',
            'q=a&q=b',
            'page=not%20base64!',
            `page=${Buffer.from('{"nextRowKey":"x"}').toString('base64')}`,
            `page=${Buffer.from('[1,2]').toString('base64')}`,
            'page=a&page=b',
        ]) {
            const answer = await member.app('GET', `${routes(tenantId).users}?${query}`);
            expect({ query, status: answer.status }).toEqual({ query, status: 400 });
            expect(answer.html).toContain('That address is not quite right');
        }
    });
});

describe('GET /tenants/{tenantId}', () => {
    it('explains each status; consent_required and disconnected offer consent again', async () => {
        const cases: [TenantStatus, Record<string, unknown>, string, boolean][] = [
            ['active', {}, 'Connected', false],
            ['pending', {}, 'Waiting for Microsoft', false],
            ['consent_required', { statusDetail: 'AADSTS700016' }, 'Consent needed', true],
            ['disconnected', {}, 'Disconnected', true],
            ['error', { statusCode: 'mass_delete_blocked' }, 'Sync paused', false],
        ];
        for (const [status, fields, label, consentButton] of cases) {
            const tenantId = await newTenant(status, fields);
            const admin = await browserAs({ tid: tenantId, isAdmin: true });
            const page = await admin.app('GET', routes(tenantId).page);
            expect(page.status).toBe(200);
            expect(page.html).toContain(label);
            expect(page.html.includes('href="/connect"')).toBe(consentButton);
            expect(page.html.includes('>Sync now<')).toBe(status !== 'consent_required' && status !== 'disconnected');
            expect(page.html.includes('Disconnect…')).toBe(status !== 'disconnected');
        }
    });

    it('refreshes itself while a sync is queued or running, and not when idle', async () => {
        const idle = await newTenant('active', { lastSyncAt: new Date().toISOString() });
        const admin = await browserAs({ tid: idle, isAdmin: true });
        expect((await admin.app('GET', routes(idle).page)).html).not.toContain('http-equiv="refresh"');

        const running = await newTenant('active', {
            leaseOwner: 'worker-1',
            leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
            round: {
                runId: '1',
                mode: 'full',
                trigger: 'consent',
                startedAt: new Date().toISOString(),
                generation: 1,
                nextLink: 'https://graph.example/next',
                pages: 3,
                added: 450,
                updated: 7,
                removed: 0,
                startedEmpty: true,
            },
        });
        const watcher = await browserAs({ tid: running });
        const page = await watcher.app('GET', routes(running).page);
        expect(page.html).toContain('<meta http-equiv="refresh" content="5"/>');
        expect(page.html).toContain('Sync in progress:');
        expect(page.html).toContain('3 pages, 457 users');
    });
});

describe('POST /tenants/{tenantId}/sync (Sync now)', () => {
    it('queues a manual sync for an administrator with the session’s CSRF token, then back to the page', async () => {
        const tenantId = await newTenant();
        const admin = await browserAs({ tid: tenantId, isAdmin: true });
        const page = await admin.app('GET', routes(tenantId).page);
        // As Chromium sends it: our own Origin (or "null" under stricter referrer settings).
        const answer = await admin.app('POST', routes(tenantId).sync, {
            form: { csrf: ProductBrowser.csrfOf(page) },
            headers: { origin: 'http://localhost:7071' },
        });
        expect(answer.status).toBe(303);
        expect(answer.location).toBe(routes(tenantId).page);
        const message = parseSyncMessage(answer.queued);
        expect(message).toMatchObject({ tenantId, reason: 'manual' });
        const [run] = await world.services.runs.recent(tenantId, 1);
        expect(run).toMatchObject({ runId: message.runId, trigger: 'manual', state: 'queued' });
        const after = await admin.follow(answer);
        expect(after.html).toContain('A sync is queued');
        expect(after.html).toContain('http-equiv="refresh"');
    });

    it('changes nothing without the right CSRF token, with another session’s, or from another origin', async () => {
        const tenantId = await newTenant();
        const admin = await browserAs({ tid: tenantId, isAdmin: true });
        const other = await browserAs({ tid: tenantId, isAdmin: true });
        const theirs = ProductBrowser.csrfOf(await other.app('GET', routes(tenantId).page));
        const mine = ProductBrowser.csrfOf(await admin.app('GET', routes(tenantId).page));
        const attempts: Parameters<ProductBrowser['app']>[2][] = [
            { form: {} },
            { form: { csrf: '' } },
            { form: { csrf: theirs } },
            { form: { csrf: mine, extra: 'x' }, headers: { origin: 'https://evil.example' } },
            { form: { csrf: mine }, headers: { 'content-type': 'text/plain' } },
            { form: { csrf: 'forged' }, headers: { origin: 'null' } },
        ];
        for (const attempt of attempts) {
            const answer = await admin.app('POST', routes(tenantId).sync, attempt);
            expect(answer.status).toBe(403);
            expect(answer.queued).toBeUndefined();
        }
        expect(await world.services.runs.recent(tenantId, 5)).toEqual([]);
    });

    it('explains why a tenant that needs consent cannot sync now (409)', async () => {
        const tenantId = await newTenant('consent_required');
        const admin = await browserAs({ tid: tenantId, isAdmin: true });
        const csrf = ProductBrowser.csrfOf(await admin.app('GET', routes(tenantId).page));
        const answer = await admin.app('POST', routes(tenantId).sync, { form: { csrf } });
        expect(answer.status).toBe(409);
        expect(answer.html).toContain('needs an administrator to consent again');
        expect(answer.queued).toBeUndefined();
    });
});

describe('Disconnect', () => {
    it('asks for confirmation, then disconnects: status disconnected, users and runs deleted', async () => {
        const tenantId = await newTenant('active', { userCount: 3 });
        await world.services.users.upsert(tenantId, [user(1, 'Ann'), user(2, 'Bo'), user(3, 'Cy')], 1);
        const admin = await browserAs({ tid: tenantId, isAdmin: true });
        const page = await admin.app('GET', routes(tenantId).page);
        await admin.app('POST', routes(tenantId).sync, { form: { csrf: ProductBrowser.csrfOf(page) } });

        const confirm = await admin.app('GET', routes(tenantId).confirm);
        expect(confirm.status).toBe(200);
        expect(confirm.html).toContain('Disconnect Contoso &lt;Ltd> &amp; &quot;Sons&quot;?');
        expect(confirm.html).toContain('the 3 synced users');
        expect(confirm.html).toContain(`action="${routes(tenantId).disconnect}"`);

        const answer = await admin.app('POST', routes(tenantId).disconnect, {
            form: { csrf: ProductBrowser.csrfOf(confirm) },
        });
        expect(answer.status).toBe(303);
        expect(answer.location).toBe(routes(tenantId).page);
        expect((await world.services.tenants.get(tenantId))?.record.status).toBe('disconnected');
        expect(await world.services.users.count(tenantId)).toBe(0);
        expect(await world.services.runs.recent(tenantId, 5)).toEqual([]);
        const after = await admin.follow(answer);
        expect(after.html).toContain('Disconnected');
        expect(after.html).toContain('Connect again');
    });
});

describe('GET /tenants/{tenantId}/users', () => {
    let tenantId: string;
    let member: ProductBrowser;
    beforeAll(async () => {
        tenantId = await newTenant('active', { userCount: 130 });
        const names = Array.from({ length: 130 }, (_, i) =>
            i < 3 ? ['Zoë Adler', 'zoe Brandt', 'Zora Kim'][i] : `User ${i}`,
        );
        await world.services.users.upsert(
            tenantId,
            names.map((name, i) => user(i + 1, name ?? '')),
            1,
        );
        member = await browserAs({ tid: tenantId });
    });

    const rowsOf = (html: string) => (html.match(/<tr>/g) ?? []).length - 1;

    it('lists 100 users a page, with a link to the next page, escaped', async () => {
        const first = await member.app('GET', routes(tenantId).users);
        expect(first.status).toBe(200);
        expect(rowsOf(first.html)).toBe(100);
        expect(first.html).toContain('&lt;b>Chief&lt;/b>');
        const next = /href="([^"]*page=[^"]*)"/.exec(first.html)?.[1]?.replace(/&amp;/g, '&');
        expect(next).toBeDefined();
        const second = await member.app('GET', next ?? '');
        expect(second.status).toBe(200);
        expect(rowsOf(second.html)).toBe(30);
        expect(second.html).toContain('First page');
        expect(second.html).not.toContain('Next 100 users');
    });

    it('searches by the start of the name, ignoring case', async () => {
        const found = await member.app('GET', `${routes(tenantId).users}?q=${encodeURIComponent('ZO')}`);
        expect(rowsOf(found.html)).toBe(3);
        expect(found.html).toContain('Zoë Adler');
        expect(found.html).toContain('zoe Brandt');
        expect(found.html).toContain('value="ZO"');
        const none = await member.app('GET', `${routes(tenantId).users}?q=${encodeURIComponent('<Nobody>')}`);
        expect(none.status).toBe(200);
        expect(none.html).toContain('No synced user’s name starts with “&lt;Nobody>”.');
    });
});
