/**
 * Just enough of a browser for the product's pages on a real host and the simulator's sign-in and consent
 * pages: a cookie jar per origin, redirects followed by hand (so a test can stop at a callback and replay
 * it), form posts. Every cookie value and authorization code it sees is remembered as a secret of the
 * stack, so the log scan looks for them.
 */
import { formsIn } from '../../support/browser';
import type { Credentials } from '../../support/simulator';
import type { ResilienceStack } from './stack';

export interface Page {
    url: string;
    status: number;
    location: string | undefined;
    html: string;
    headers: Headers;
}

export class HttpBrowser {
    /** Cookies by origin, then name. */
    readonly jars = new Map<string, Map<string, string>>();

    constructor(private readonly stack: ResilienceStack) {}

    cookies(origin: string): Map<string, string> {
        const jar = this.jars.get(origin) ?? new Map<string, string>();
        this.jars.set(origin, jar);
        return jar;
    }

    async request(
        method: string,
        url: string,
        options: { form?: Record<string, string>; headers?: Record<string, string> } = {},
    ): Promise<Page> {
        const origin = new URL(url).origin;
        const jar = this.cookies(origin);
        const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
        const headers: Record<string, string> = { ...(cookie === '' ? {} : { cookie }), ...options.headers };
        let body: string | undefined;
        if (options.form !== undefined) {
            body = new URLSearchParams(options.form).toString();
            headers['content-type'] ??= 'application/x-www-form-urlencoded';
        }
        const code = new URL(url).searchParams.get('code');
        if (code !== null) this.stack.secrets.set(`authorization code ${code.slice(0, 8)}`, code);
        const response = await fetch(url, {
            method,
            headers,
            redirect: 'manual',
            ...(body === undefined ? {} : { body }),
        });
        for (const line of response.headers.getSetCookie()) {
            const [pair = '', ...attributes] = line.split(';');
            const at = pair.indexOf('=');
            const name = pair.slice(0, at).trim();
            const value = pair.slice(at + 1).trim();
            const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01[ -]jan[ -]1970)/i.test(a));
            if (expired || value === '') jar.delete(name);
            else {
                jar.set(name, value);
                this.stack.secrets.set(`cookie ${name} ${value.slice(-8)}`, value);
            }
        }
        return {
            url,
            status: response.status,
            location: response.headers.get('location') ?? undefined,
            html: await response.text(),
            headers: response.headers,
        };
    }

    get(url: string): Promise<Page> {
        return this.request('GET', url);
    }

    /** Follows redirects until a page, or until the next URL matches `stopAt` (not requested; in `location`). */
    async follow(page: Page, stopAt?: RegExp): Promise<Page> {
        let current = page;
        for (let hops = 0; current.location !== undefined && current.status >= 300 && current.status < 400; hops++) {
            if (hops > 20) throw new Error(`too many redirects from ${page.url}`);
            const next = new URL(current.location, current.url).href;
            if (stopAt?.test(next)) return { ...current, location: next };
            current = await this.get(next);
        }
        return current;
    }

    /** Submits a form of `page` (found by id, or the first with the given field), with `fields` over its own. */
    async submit(
        page: Page,
        find: { id?: string; field?: string },
        fields: Record<string, string> = {},
    ): Promise<Page> {
        const form = formsIn(page.html).find(
            (f) => (find.id !== undefined && f.id === find.id) || (find.field !== undefined && find.field in f.fields),
        );
        if (form === undefined)
            throw new Error(`no such form on ${page.url} (status ${page.status}): ${page.html.slice(0, 400)}`);
        return this.request('POST', new URL(form.action, page.url).href, { form: { ...form.fields, ...fields } });
    }

    /** On the simulator's page: signs in, and accepts the sign-in consent screen if it shows one. */
    private async throughSignIn(page: Page, credentials: Credentials): Promise<Page> {
        let current = page;
        if (formsIn(current.html).some((f) => f.id === 'signin'))
            current = await this.submit(
                current,
                { id: 'signin' },
                { login: credentials.username, passwd: credentials.password },
            );
        current = await this.follow(current, /^http:\/\/localhost:\d+\//);
        if (current.html.includes('Permissions requested')) {
            current = await this.submit(current, { field: 'ctx' }, { consent: 'accept' });
            current = await this.follow(current, /^http:\/\/localhost:\d+\//);
        }
        return current;
    }

    /** Signs in at `host` through the simulator; with `stopAtCallback`, returns with the callback URL in `location`. */
    async signIn(
        hostUrl: string,
        credentials: Credentials,
        options: { stopAtCallback?: boolean; returnTo?: string } = {},
    ) {
        const query = options.returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(options.returnTo)}`;
        const signInPage = await this.follow(await this.get(`${hostUrl}/auth/signin${query}`));
        const back = await this.throughSignIn(signInPage, credentials);
        if (back.location === undefined)
            throw new Error(`sign-in did not come back: ${back.status} ${back.html.slice(0, 300)}`);
        if (options.stopAtCallback === true) return back;
        return this.follow(await this.get(back.location));
    }

    /** /connect → Microsoft's admin consent → Accept; with `stopAtCallback`, the callback URL is in `location`. */
    async connect(hostUrl: string, credentials: Credentials, options: { stopAtCallback?: boolean } = {}) {
        let page = await this.follow(await this.get(`${hostUrl}/connect`), /^https:/);
        if (page.location !== undefined) page = await this.get(page.location);
        page = await this.throughSignIn(await this.follow(page, /^http:\/\/localhost:\d+\//), credentials);
        if (page.location === undefined)
            throw new Error(`consent did not come back: ${page.status} ${page.html.slice(0, 300)}`);
        if (options.stopAtCallback === true) return page;
        return this.follow(await this.get(page.location));
    }

    /** The CSRF token of the first form on the page that has one. */
    static csrfOf(page: Page): string {
        const token = formsIn(page.html).find((f) => 'csrf' in f.fields)?.fields.csrf;
        if (token === undefined) throw new Error(`no form with a CSRF token on ${page.url}`);
        return token;
    }
}
