/**
 * Test support for the identity conformance suites: an in-process simulator on free ports, a tiny
 * browser (cookie jar + manual redirects + form posts) and control-API helpers.
 */
import type { RunningSimulator } from '../../dev/sim/simulator';
import { startTestSimulator, type Json } from './simulator';

export type { Json };

export interface Credentials {
    username: string;
    password: string;
}

export interface TenantInfo {
    id: string;
    displayName: string;
    admin: Credentials;
    user: Credentials;
}

export interface IdentityWorld {
    sim: RunningSimulator;
    login: string;
    loginHost: string;
    vault: string;
    msi: string;
    control: string;
    publisherTenantId: string;
    appClientId: string;
    /** Our app's seeded client secret, read the way the app does: managed identity → Key Vault. */
    appSecret: string;
    identityHeader: string;
    customers: TenantInfo[];
    publisherUser: Credentials;
    personalUser: Credentials;
    stop(): Promise<void>;
}

export const REDIRECT_URI = 'http://localhost:7071/auth/callback';
export const CONNECT_REDIRECT_URI = 'http://localhost:7071/connect/callback';

/** The shared in-process simulator (test/support/simulator.ts: free ports, small seeded world). */
export async function startWorld(): Promise<IdentityWorld> {
    const sim = (await startTestSimulator()).sim;
    try {
        const { stackInfo } = sim;
        const customers = stackInfo.tenants.map((t) => {
            if (!t.admin || !t.user) throw new Error(`tenant ${t.displayName} has no seeded credentials`);
            return { id: t.id, displayName: t.displayName, admin: t.admin, user: t.user };
        });
        const publisherUser = sim.world.publisher.seededCredentials(0);
        const personal = sim.world.personal;
        const personalUser = personal ? sim.directory.findSignInUser('jo.personal@outlook.com') : undefined;
        if (!publisherUser || !personalUser) throw new Error('seeded world lacks a publisher or personal user');
        const world = {
            sim,
            login: sim.origins.login,
            loginHost: new URL(sim.origins.login).host,
            vault: sim.origins.vault,
            msi: sim.origins.msi,
            control: sim.origins.control,
            publisherTenantId: stackInfo.publisher.tenantId,
            appClientId: stackInfo.publisher.appClientId,
            appSecret: '',
            identityHeader: stackInfo.appSettings.IDENTITY_HEADER,
            customers,
            publisherUser,
            personalUser: { username: personalUser.userPrincipalName, password: personalUser.password },
            stop: () => sim.stop(),
        };
        world.appSecret = await readAppSecret(world);
        return world;
    } catch (error) {
        await sim.stop();
        throw error;
    }
}

async function readAppSecret(world: Omit<IdentityWorld, 'appSecret'>): Promise<string> {
    const { IDENTITY_ENDPOINT: endpoint, AZURE_CLIENT_ID: clientId } = world.sim.stackInfo.appSettings;
    // The function app's identity is user-assigned: requests name it by client id.
    const query = new URLSearchParams({
        'api-version': '2019-08-01',
        resource: 'https://vault.azure.net',
        client_id: clientId,
    });
    const tokenResponse = await fetch(`${endpoint}?${query.toString()}`, {
        headers: { 'X-IDENTITY-HEADER': world.identityHeader },
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const secret = await fetch(`${world.vault}/secrets/graph-client-secret/?api-version=2025-07-01`, {
        headers: { authorization: `Bearer ${token}` },
    });
    if (secret.status !== 200) throw new Error(`could not read the seeded app secret: ${secret.status}`);
    return ((await secret.json()) as { value: string }).value;
}

export interface JsonResponse {
    status: number;
    headers: Headers;
    body: Json;
}

export async function controlPost(world: IdentityWorld, path: string, body: unknown = {}): Promise<JsonResponse> {
    const response = await fetch(`${world.control}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
}

export async function controlPatch(world: IdentityWorld, path: string, body: unknown): Promise<JsonResponse> {
    const response = await fetch(`${world.control}${path}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
}

export async function controlGet(world: IdentityWorld, path: string): Promise<Json> {
    const response = await fetch(`${world.control}${path}`);
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
    return response.json();
}

/** Requests the simulator answered after `since` (GET /control/requests). */
export async function requestsSince(world: IdentityWorld, since: number, service?: string): Promise<Json[]> {
    const query = service === undefined ? `since=${since}` : `since=${since}&service=${service}`;
    return ((await controlGet(world, `/control/requests?${query}`)) as { requests: Json[] }).requests;
}

export async function lastRequestSeq(world: IdentityWorld): Promise<number> {
    return ((await controlGet(world, '/control/requests?since=0')) as { lastSeq: number }).lastSeq;
}

export async function advanceClock(world: IdentityWorld, seconds: number): Promise<void> {
    const response = await controlPost(world, '/control/clock', { advanceSeconds: seconds });
    if (response.status !== 200) throw new Error(`clock: ${response.status}`);
}

export function servicePrincipal(state: Json, tenantId: string, appId: string): Json {
    return (state.servicePrincipals as Json[]).find((sp) => sp.tenantId === tenantId && sp.appId === appId);
}

export function decodeJwt(token: string): { header: Json; payload: Json } {
    const [header, payload] = token.split('.');
    return {
        header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')),
        payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')),
    };
}

/**
 * Decodes an app-only Microsoft Graph token issued to our app and checks whom it is for: the
 * audience, the tenant, our app, and exactly the app roles (`roles`) that should be granted.
 */
export function expectGraphAppToken(
    world: IdentityWorld,
    accessToken: string | undefined,
    tenantId: string,
    roles: string[],
): Json {
    expect(accessToken).toEqual(expect.any(String));
    const { payload } = decodeJwt(accessToken ?? '');
    expect(payload).toMatchObject({
        aud: 'https://graph.microsoft.com',
        iss: `https://sts.windows.net/${tenantId}/`,
        tid: tenantId,
        appid: world.appClientId,
        idtyp: 'app',
    });
    expect(payload.roles).toEqual(roles);
    return payload;
}

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
