/**
 * Just enough of a browser for the simulator's sign-in and consent pages: a cookie jar, manual redirects,
 * form posts, and readers for the forms and error codes on a page.
 */
import type { Credentials } from './simulator';

/** A posted-to form found in one of the simulator's HTML pages. */
export interface HtmlForm {
    id: string | undefined;
    action: string;
    fields: Record<string, string>;
}

function decodeEntities(text: string): string {
    return text
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
    const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
    return match?.[1] === undefined ? undefined : decodeEntities(match[1]);
}

export function formsIn(html: string): HtmlForm[] {
    const forms: HtmlForm[] = [];
    // Attribute values may contain '>' (escaping only covers quotes and '<'), so skip over quoted values.
    for (const match of html.matchAll(/<form\b((?:[^>"]|"[^"]*")*)>([\s\S]*?)<\/form>/g)) {
        const tag = match[1] ?? '';
        const fields: Record<string, string> = {};
        for (const input of (match[2] ?? '').matchAll(/<input\b(?:[^>"]|"[^"]*")*>/g)) {
            const name = attribute(input[0], 'name');
            if (name !== undefined && attribute(input[0], 'type') !== 'submit')
                fields[name] = attribute(input[0], 'value') ?? '';
        }
        forms.push({ id: attribute(tag, 'id'), action: attribute(tag, 'action') ?? '', fields });
    }
    return forms;
}

/** The AADSTS code an error page shows, e.g. "AADSTS50011". */
export function pageErrorCode(html: string): string | undefined {
    return /data-error-code="([^"]+)"/.exec(html)?.[1];
}

export interface BrowserResponse {
    status: number;
    location: string | undefined;
    html: string;
    headers: Headers;
}

/** Just enough of a browser: cookies for the login origin, no automatic redirects. */
export class Browser {
    private readonly cookies = new Map<string, string>();

    async get(url: string): Promise<BrowserResponse> {
        return this.send(url, { method: 'GET' });
    }

    async post(url: string, fields: Record<string, string>): Promise<BrowserResponse> {
        return this.send(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(fields).toString(),
        });
    }

    /** Fills and submits the sign-in form of a sign-in page. */
    async signIn(page: BrowserResponse, credentials: Credentials): Promise<BrowserResponse> {
        const form = formsIn(page.html).find((f) => f.id === 'signin');
        if (!form) throw new Error(`no sign-in form on the page (status ${page.status}): ${page.html.slice(0, 300)}`);
        return this.post(form.action, { ...form.fields, login: credentials.username, passwd: credentials.password });
    }

    /** Presses Accept or Cancel on a consent page. */
    async consent(page: BrowserResponse, decision: 'accept' | 'cancel'): Promise<BrowserResponse> {
        const form = formsIn(page.html).find((f) => 'ctx' in f.fields && !('login' in f.fields));
        if (!form || !page.html.includes('Permissions requested')) throw new Error('not a consent page');
        return this.post(form.action, { ...form.fields, consent: decision });
    }

    hasSessionCookie(): boolean {
        return this.cookies.has('ESTSAUTH');
    }

    private async send(url: string, init: RequestInit): Promise<BrowserResponse> {
        const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        const response = await fetch(url, {
            ...init,
            redirect: 'manual',
            headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
        });
        for (const line of response.headers.getSetCookie()) {
            const [pair = '', ...attributes] = line.split(';');
            const [name = '', ...value] = pair.split('=');
            const expired = attributes.some((a) => /expires=Thu, 01-Jan-1970/i.test(a.trim()));
            if (expired || value.join('=') === '') this.cookies.delete(name.trim());
            else this.cookies.set(name.trim(), value.join('='));
        }
        return {
            status: response.status,
            location: response.headers.get('location') ?? undefined,
            html: await response.text(),
            headers: response.headers,
        };
    }
}

/** The query parameters of a redirect to the app. */
export function redirectParams(location: string | undefined): URLSearchParams {
    if (location === undefined) throw new Error('expected a redirect');
    return new URL(location).searchParams;
}
