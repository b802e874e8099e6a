/**
 * Just enough of a browser for the product's own pages: requests to PUBLIC_BASE_URL go straight to
 * the page handlers of src/functions (called with the library's HttpRequest and InvocationContext, as
 * the host calls them), everything else to the simulator over HTTPS. Each side keeps its own cookies;
 * redirects are followed by hand so tests can stop anywhere (at a callback URL, to replay it).
 *
 *   const browser = new ProductBrowser(world.services);
 *   await browser.signIn(admin);                 // through the simulator's sign-in page
 *   const end = await browser.connect('accept'); // admin consent, back to /connect/callback
 */
import { randomUUID } from 'node:crypto';

import { type Cookie, type HttpHandler, HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';

import type { Services } from '../../src/app/services';
import { signInCallbackHandler } from '../../src/functions/authCallback';
import { signInHandler } from '../../src/functions/authSignIn';
import { signOutHandler } from '../../src/functions/authSignOut';
import { connectHandler } from '../../src/functions/connect';
import { connectCallbackHandler } from '../../src/functions/connectCallback';
import { landingHandler } from '../../src/functions/pageLanding';
import { tenantPageHandler } from '../../src/functions/pageTenant';
import { disconnectHandler } from '../../src/functions/pageTenantDisconnect';
import { disconnectConfirmHandler } from '../../src/functions/pageTenantDisconnectConfirm';
import { tenantSyncHandler } from '../../src/functions/pageTenantSync';
import { tenantUsersHandler } from '../../src/functions/pageTenantUsers';
import { syncQueueOutput } from '../../src/web';
import { Browser, type BrowserResponse, formsIn } from './browser';
import { PUBLIC_BASE_URL } from './productWorld';
import type { Credentials } from './simulator';

export { PUBLIC_BASE_URL };

/** One answer, from either side. `queued` is what a page put on the `tenant-sync` output binding. */
export interface PageResponse {
    url: string;
    status: number;
    location: string | undefined;
    html: string;
    headers: Headers;
    cookies: Cookie[];
    queued: unknown;
    /** The invocation's log lines (page answers only). */
    logs: string[];
}

interface Route {
    method: string;
    pattern: RegExp;
    handler: (services: Services) => HttpHandler;
}

const TENANT = '(?<tenantId>[^/]+)';
const ROUTES: Route[] = [
    { method: 'GET', pattern: /^\/$/, handler: landingHandler },
    { method: 'GET', pattern: /^\/auth\/signin$/, handler: signInHandler },
    { method: 'GET', pattern: /^\/auth\/callback$/, handler: signInCallbackHandler },
    { method: 'POST', pattern: /^\/auth\/signout$/, handler: signOutHandler },
    { method: 'GET', pattern: /^\/connect$/, handler: connectHandler },
    { method: 'GET', pattern: /^\/connect\/callback$/, handler: connectCallbackHandler },
    { method: 'GET', pattern: new RegExp(`^/tenants/${TENANT}$`), handler: tenantPageHandler },
    { method: 'GET', pattern: new RegExp(`^/tenants/${TENANT}/users$`), handler: tenantUsersHandler },
    { method: 'POST', pattern: new RegExp(`^/tenants/${TENANT}/sync$`), handler: tenantSyncHandler },
    { method: 'GET', pattern: new RegExp(`^/tenants/${TENANT}/disconnect$`), handler: disconnectConfirmHandler },
    { method: 'POST', pattern: new RegExp(`^/tenants/${TENANT}/disconnect$`), handler: disconnectHandler },
];

function bodyText(response: HttpResponseInit): string {
    if (response.body === undefined || response.body === null) return '';
    if (typeof response.body === 'string') return response.body;
    throw new Error('the pages answer with text bodies');
}

export class ProductBrowser {
    /** Our cookies (name → value), as a browser keeps them for localhost. */
    readonly cookies = new Map<string, string>();
    /** The simulator's side: its own cookie jar (ESTSAUTH, the sign-in session). */
    sim: Browser = new Browser();

    constructor(private readonly services: Services) {}

    /** GET or POST on our app; `form` fields are sent url-encoded. */
    async app(
        method: 'GET' | 'POST',
        pathOrUrl: string,
        options: { form?: Record<string, string>; headers?: Record<string, string> } = {},
    ): Promise<PageResponse> {
        const url = new URL(pathOrUrl, PUBLIC_BASE_URL);
        const route = ROUTES.find((r) => r.method === method && r.pattern.test(url.pathname));
        if (route === undefined) throw new Error(`no page serves ${method} ${url.pathname}`);
        const params = route.pattern.exec(url.pathname)?.groups ?? {};
        const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
        const headers: Record<string, string> = { ...(cookie === '' ? {} : { cookie }), ...options.headers };
        const body = options.form === undefined ? undefined : new URLSearchParams(options.form).toString();
        if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
        const request = new HttpRequest({
            method,
            url: url.href,
            headers,
            params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decodeURIComponent(v)])),
            ...(body === undefined ? {} : { body: { string: body } }),
        });
        const logs: string[] = [];
        const invocation = new InvocationContext({
            invocationId: randomUUID(),
            functionName: route.handler.name,
            logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
        });
        const response = (await route.handler(this.services)(request, invocation)) as HttpResponseInit;
        const cookies = response.cookies ?? [];
        for (const c of cookies) {
            if (c.maxAge === 0 || c.value === '') this.cookies.delete(c.name);
            else this.cookies.set(c.name, c.value);
        }
        const responseHeaders = new Headers(response.headers);
        return {
            url: url.href,
            status: response.status ?? 200,
            location: responseHeaders.get('location') ?? undefined,
            html: bodyText(response),
            headers: responseHeaders,
            cookies,
            queued: invocation.extraOutputs.get(syncQueueOutput),
            logs,
        };
    }

    /** GET any URL: ours through the handlers, the simulator's over HTTPS. */
    async get(url: string): Promise<PageResponse> {
        if (url.startsWith('/') || url.startsWith(PUBLIC_BASE_URL)) return this.app('GET', url);
        return this.fromSim(url, await this.sim.get(url));
    }

    /** Follows redirects from `response` until a page (or a URL `stopAt` matches, which is not requested). */
    async follow(response: PageResponse, stopAt?: RegExp): Promise<PageResponse> {
        let current = response;
        for (let hops = 0; current.location !== undefined && current.status >= 300 && current.status < 400; hops++) {
            if (hops > 20) throw new Error('too many redirects');
            const next = new URL(current.location, current.url).href;
            if (stopAt?.test(next)) return { ...current, location: next };
            current = await this.get(next);
        }
        return current;
    }

    /**
     * Signs in from /auth/signin (accepting the simulator's user-consent screen if it shows one) and
     * follows through to the end, or stops before our callback when `stopAtCallback`.
     */
    async signIn(
        credentials: Credentials,
        options: { returnTo?: string; stopAtCallback?: boolean } = {},
    ): Promise<PageResponse> {
        const query = options.returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(options.returnTo)}`;
        const signInPage = await this.follow(await this.app('GET', `/auth/signin${query}`));
        let page = this.fromSim(signInPage.url, await this.sim.signIn(this.asSim(signInPage), credentials));
        if (page.html.includes('Permissions requested'))
            page = this.fromSim(page.url, await this.sim.consent(this.asSim(page), 'accept'));
        return this.follow(page, options.stopAtCallback === true ? /\/auth\/callback\?/ : undefined);
    }

    /**
     * From GET /connect to the end: the admin-consent page (signing in there as `credentials` when the
     * simulator asks for an account) and `decision` on it ('cancel' also returns to the app from "Need
     * admin approval"). Stops before our callback when `stopAtCallback`.
     */
    async connect(
        decision: 'accept' | 'cancel',
        options: { credentials?: Credentials; stopAtCallback?: boolean } = {},
    ): Promise<PageResponse> {
        let page = await this.follow(await this.app('GET', '/connect'), /\/connect\/callback\?/);
        if (formsIn(page.html).some((f) => f.id === 'signin')) {
            if (options.credentials === undefined) throw new Error('the consent page asks for an account');
            page = this.fromSim(page.url, await this.sim.signIn(this.asSim(page), options.credentials));
        }
        if (page.html.includes('Permissions requested'))
            page = this.fromSim(page.url, await this.sim.consent(this.asSim(page), decision));
        // Someone without an administrator role gets "Need admin approval"; cancelling there returns to the app.
        const back = formsIn(page.html).find((f) => f.id === 'return-to-app');
        if (back !== undefined && decision === 'cancel')
            page = this.fromSim(page.url, await this.sim.post(back.action, { ...back.fields, consent: 'return' }));
        return this.follow(page, options.stopAtCallback === true ? /\/connect\/callback\?/ : undefined);
    }

    /** The CSRF token on the current page (every POST form carries it). */
    static csrfOf(page: PageResponse): string {
        const token = formsIn(page.html).find((f) => 'csrf' in f.fields)?.fields.csrf;
        if (token === undefined) throw new Error('no form with a CSRF token on the page');
        return token;
    }

    private fromSim(url: string, response: BrowserResponse): PageResponse {
        return {
            url,
            status: response.status,
            location: response.location,
            html: response.html,
            headers: response.headers,
            cookies: [],
            queued: undefined,
            logs: [],
        };
    }

    private asSim(page: PageResponse): BrowserResponse {
        return { status: page.status, location: page.location, html: page.html, headers: page.headers };
    }
}
