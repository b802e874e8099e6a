/**
 * The pages as HTML: headers every response carries, escaping, the landing page in its states, the
 * error pages, the stylesheet, and the sync-activity reading behind the self-refreshing tenant page.
 */
import { HttpRequest } from '@azure/functions';

import type { Session } from '../../../src/auth';
import { stylesheetHandler } from '../../../src/functions/pageStylesheet';
import type { SyncRun } from '../../../src/sync/runsStore';
import { newTenantRecord, type TenantRecord } from '../../../src/tenants';
import {
    CONTENT_SECURITY_POLICY,
    htmlResponse,
    redirectResponse,
    SITE_CSS,
    STYLESHEET_HREF,
    STYLESHEET_VERSION,
} from '../../../src/web';
import { formatDuration } from '../../../src/web/format';
import { LandingPage } from '../../../src/web/pages/landing';
import { MessagePage } from '../../../src/web/pages/message';
import { ConsentProblemPage, PersonalAccountPage, SignInProblemPage } from '../../../src/web/pages/problems';
import { anonymous, type PageContext } from '../../../src/web/render';
import { syncActivity } from '../../../src/web/tenantStatusView';

const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const session = (overrides: Partial<Session> = {}): Session => ({
    sid: 's',
    tid: TENANT_ID,
    oid: 'o',
    name: 'Zoë <b>O’Brien</b>',
    username: 'zoe@contoso.com',
    isAdmin: true,
    expiresAt: 0,
    ...overrides,
});
const signedIn = (overrides: Partial<Session> = {}): PageContext => ({ session: session(overrides), csrf: 'token-1' });
const html = (node: preact.JSX.Element) => htmlResponse(node).body as string;
const tenant = (overrides: Partial<TenantRecord> = {}): TenantRecord => ({
    ...newTenantRecord(TENANT_ID, 'Contoso', 'active', new Date('2026-12-02T09:00:00Z')),
    ...overrides,
});

describe('every response', () => {
    it('carries a strict CSP, nosniff, a same-origin referrer policy, no framing, and is never cached', () => {
        for (const response of [
            htmlResponse(<LandingPage context={anonymous} tenant={undefined} />),
            redirectResponse('/'),
        ]) {
            const headers = response.headers as Record<string, string>;
            expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
            expect(headers['x-content-type-options']).toBe('nosniff');
            expect(headers['referrer-policy']).toBe('same-origin');
            expect(headers['x-frame-options']).toBe('DENY');
            expect(headers['cache-control']).toBe('no-store');
        }
        expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
        expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
        expect(CONTENT_SECURITY_POLICY).toContain("form-action 'self'");
        expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|script-src|https?:/);
    });

    it('loads nothing but our own stylesheet: no script, no inline style, no other origin', () => {
        const pages = [
            html(<LandingPage context={anonymous} tenant={undefined} />),
            html(<LandingPage context={signedIn()} tenant={tenant()} />),
            html(<PersonalAccountPage context={anonymous} />),
        ];
        for (const page of pages) {
            expect(page).not.toMatch(/<script|style=|<style|https?:\/\//);
            expect(page).toContain(`<link rel="stylesheet" href="${STYLESHEET_HREF}"/>`);
            expect(page.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
            expect(page).toContain('<main id="main"');
        }
    });
});

describe('the landing page', () => {
    it('signed out: what the service does, the permission and why, and the connect button', () => {
        const page = html(<LandingPage context={anonymous} tenant={undefined} />);
        expect(page).toContain('User.Read.All');
        expect(page).toContain('application permission');
        expect(page).toContain('<a class="button" href="/connect">Connect your organization</a>');
        expect(page).toContain('href="/auth/signin"');
    });

    it('signed in: the admin’s name (escaped), organization, its status and a link to its page', () => {
        const page = html(<LandingPage context={signedIn()} tenant={tenant()} />);
        expect(page).toContain('Welcome, Zoë &lt;b>O’Brien&lt;/b>');
        expect(page).toContain('<h2 id="org-heading">Contoso <span class="badge ok">Connected</span></h2>');
        expect(page).toContain(`href="/tenants/${TENANT_ID}"`);
        expect(page).not.toContain('href="/connect"');
        // Sign-out is a POST with the session's CSRF token.
        expect(page).toContain(
            '<form method="post" action="/auth/signout"><input type="hidden" name="csrf" value="token-1"/>',
        );
    });

    it('signed in, not connected: the organization by its sign-in domain, and the connect button', () => {
        const page = html(<LandingPage context={signedIn()} tenant={undefined} />);
        expect(page).toContain('<h2 id="org-heading">contoso.com <span class="badge off">Not connected</span></h2>');
        expect(page).toContain('href="/connect"');
        expect(page).not.toContain('Connecting an organization needs');
    });

    it('tells a user without an administrator role that connecting needs one', () => {
        const page = html(<LandingPage context={signedIn({ isAdmin: false })} tenant={undefined} />);
        expect(page).toContain('Connecting an organization needs a <strong>Global Administrator</strong>');
    });

    it('offers consent again when the organization needs it', () => {
        const page = html(<LandingPage context={signedIn()} tenant={tenant({ status: 'consent_required' })} />);
        expect(page).toContain('Consent needed');
        expect(page).toContain('<a class="button" href="/connect">Consent again</a>');
    });
});

describe('error pages', () => {
    it('show the identity platform’s words escaped, and cut very long ones', () => {
        const long = `<i>${'x'.repeat(5000)}`;
        const page = html(
            <MessagePage context={anonymous} title="t" remoteDescription={long}>
                <p>text</p>
            </MessagePage>,
        );
        expect(page).toContain('&lt;i>');
        expect(page).not.toContain('<i>');
        expect(page).toContain('x'.repeat(1990));
        expect(page).not.toContain('x'.repeat(2100));
    });

    it('explain a personal account and point to a work account', () => {
        const page = html(
            <SignInProblemPage context={anonymous} problem="personal_account" returnTo="/" correlationId="c-1" />,
        );
        expect(page).toContain('Use a work or school account');
        expect(page).toContain('personal Microsoft account');
    });

    it('send a failed sign-in back to where it was going', () => {
        const page = html(
            <SignInProblemPage context={anonymous} problem="state" returnTo="/tenants/x" correlationId="c-1" />,
        );
        expect(page).toContain('href="/auth/signin?returnTo=%2Ftenants%2Fx"');
        expect(page).toContain('c-1');
    });

    it('tell a user without a role who was turned away at Microsoft to ask an administrator', () => {
        const page = html(
            <ConsentProblemPage
                context={signedIn({ isAdmin: false })}
                outcome={{
                    kind: 'refused',
                    error: 'access_denied',
                    errorSubcode: 'cancel',
                    description: undefined,
                    aadsts: undefined,
                }}
                correlationId="c-2"
            />,
        );
        expect(page).toContain('An administrator needs to connect your organization');
        const admin = html(
            <ConsentProblemPage
                context={signedIn()}
                outcome={{
                    kind: 'refused',
                    error: 'access_denied',
                    errorSubcode: 'cancel',
                    description: undefined,
                    aadsts: undefined,
                }}
                correlationId="c-2"
            />,
        );
        expect(admin).toContain('Consent was not granted');
    });
});

describe('GET /assets/site.css', () => {
    it('serves the stylesheet with nosniff; a versioned URL is cached for good, any other revalidates', () => {
        const current = stylesheetHandler(
            new HttpRequest({ method: 'GET', url: `http://localhost:7071/assets/site.css?v=${STYLESHEET_VERSION}` }),
        );
        const headers = current.headers as Record<string, string>;
        expect(current.body).toBe(SITE_CSS);
        expect(headers['content-type']).toBe('text/css; charset=utf-8');
        expect(headers['x-content-type-options']).toBe('nosniff');
        expect(headers['cache-control']).toContain('immutable');
        const old = stylesheetHandler(
            new HttpRequest({ method: 'GET', url: 'http://localhost:7071/assets/site.css?v=old' }),
        );
        expect((old.headers as Record<string, string>)['cache-control']).toBe('no-cache');
    });

    it('gives every control a visible focus ring', () => {
        expect(SITE_CSS).toMatch(/:focus-visible\s*{\s*outline: 3px solid/);
    });
});

describe('sync activity', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    const run = (state: SyncRun['state'], requestedAt = '2026-12-02T09:59:00Z'): SyncRun =>
        ({ state, requestedAt, pages: 2, added: 10, updated: 1 }) as SyncRun;

    it('is running while the lease is held or a round is open, queued while a run waits, idle otherwise', () => {
        expect(syncActivity(tenant({ leaseExpiresAt: '2026-12-02T10:01:00Z' }), undefined, now).kind).toBe('running');
        expect(syncActivity(tenant({ leaseExpiresAt: '2026-12-02T09:59:00Z' }), undefined, now).kind).toBe('idle');
        expect(syncActivity(tenant(), run('running'), now)).toEqual({ kind: 'running', pages: 2, users: 11 });
        expect(syncActivity(tenant(), run('queued'), now)).toEqual({
            kind: 'queued',
            since: '2026-12-02T09:59:00Z',
            stale: false,
        });
        expect(syncActivity(tenant(), run('succeeded'), now).kind).toBe('idle');
    });

    it('stops counting a sync queued long ago as about to start (the page stops refreshing)', () => {
        expect(syncActivity(tenant(), run('queued', '2026-12-02T09:30:00Z'), now)).toMatchObject({ stale: true });
    });
});

describe('formatDuration', () => {
    it('reads as people say it', () => {
        expect(formatDuration('2026-12-02T10:00:00.000Z', '2026-12-02T10:00:00.300Z')).toBe('under 1 s');
        expect(formatDuration('2026-12-02T10:00:00Z', '2026-12-02T10:00:45Z')).toBe('45 s');
        expect(formatDuration('2026-12-02T10:00:00Z', '2026-12-02T10:03:20Z')).toBe('3 min 20 s');
        expect(formatDuration('2026-12-02T10:00:00Z', '2026-12-02T12:05:00Z')).toBe('2 h 5 min');
        expect(formatDuration(undefined, '2026-12-02T10:00:00Z')).toBe('—');
    });
});
