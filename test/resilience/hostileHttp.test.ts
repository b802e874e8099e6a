/**
 * Scenario 7, hostile input at the HTTP edge: hundreds of generated requests (seeded) against the
 * operations API — forged tokens of every kind, non-GUID, traversal and injection tenant ids, malicious
 * query strings and bodies, forged hosts and forwarded headers, broken request lines. None may answer
 * 5xx, let a request without the right succeed, reflect input unescaped, set a cookie, or change a table.
 */
import type { Credentials } from '../support/simulator';
import { seededRandom } from '../support/syncHarness';
import { expectExact, finishedRun, mapLimited, requestSync, scenarioSeed } from './support/product';
import { HttpBrowser } from './support/browser';
import { type Forgery, forgery } from './support/forgery';
import {
    CRLF_PAYLOADS,
    EVIL_HOST,
    type HostileAnswer,
    type HostileCase,
    INJECTED_HEADER,
    problemsWith,
    SCRIPT_PAYLOADS,
    send,
    tablesSnapshot,
} from './support/hostile';
import { type ResilienceStack, startStack } from './support/stack';
import { itLeavesNoSecretInLogs } from './support/secrets';

/** Node's http server refuses request headers above 16 KB (`http.maxHeaderSize`) with 431. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;
const SEED = scenarioSeed(77);
const GENERATED = 460;
const GENERATED_PAGES = 400;

let stack: ResilienceStack;
beforeAll(async () => {
    stack = await startStack({ suite: 'hostile-http' });
}, 120_000);
afterAll(() => stack?.stop());

interface Context {
    tenantA: string;
    tenantB: string;
    adminA: Credentials;
    adminB: Credentials;
    userA: Credentials;
    runA: string;
    token: string;
    forge: Forgery;
}

interface Variant {
    name: string;
    payloads?: string[];
}

const enc = encodeURIComponent;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');

function authVariants(ctx: Context): (Variant & { header?: string; valid: boolean })[] {
    const { forge } = ctx;
    const now = Math.floor(Date.now() / 1000);
    const home = stack.simStack.publisher.tenantId;
    const bearer = (token: string) => `Bearer ${token}`;
    return [
        { name: 'no Authorization', valid: false },
        { name: 'Bearer and nothing', header: 'Bearer', valid: false },
        { name: 'not a JWT', header: 'Bearer abc.def', valid: false },
        { name: 'Basic credentials', header: 'Basic dXNlcjpwYXNzd29yZA==', valid: false },
        { name: 'alg none', header: bearer(forge.unsigned(forge.claims())), valid: false },
        {
            name: 'HS256 signed with the public key',
            header: bearer(forge.hmacWithPublicKey(forge.claims())),
            valid: false,
        },
        {
            name: 'wrong issuer',
            header: bearer(forge.signed(forge.claims({ iss: `https://sts.windows.net/${ctx.tenantA}/` }))),
            valid: false,
        },
        {
            name: 'issuer of another authority',
            header: bearer(forge.signed(forge.claims({ iss: `https://login.microsoftonline.com/${home}/v2.0` }))),
            valid: false,
        },
        {
            name: 'wrong audience (a Graph token)',
            header: bearer(forge.signed(forge.claims({ aud: 'https://graph.microsoft.com' }))),
            valid: false,
        },
        {
            name: 'expired an hour ago',
            header: bearer(forge.signed(forge.claims({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }))),
            valid: false,
        },
        {
            name: 'not valid for another hour',
            header: bearer(forge.signed(forge.claims({ iat: now + 3600, nbf: now + 3600, exp: now + 7200 }))),
            valid: false,
        },
        {
            name: "another tenant's token",
            header: bearer(
                forge.signed(forge.claims({ tid: ctx.tenantA, iss: `https://sts.windows.net/${ctx.tenantA}/` })),
            ),
            valid: false,
        },
        { name: 'no roles', header: bearer(forge.signed(forge.claims({ roles: [] }))), valid: false },
        { name: 'signed with an unpublished key', header: bearer(forge.foreignKey(forge.claims())), valid: false },
        {
            name: 'unknown key id',
            header: bearer(forge.signed(forge.claims(), { kid: 'no-such-key' })),
            valid: false,
        },
        {
            name: 'tampered payload',
            header: bearer(forge.tampered(forge.claims({ roles: ['Tenants.Read'] }))),
            valid: false,
        },
        { name: 'oversized token', header: `Bearer ${'a'.repeat(60_000)}.b.c`, valid: false },
        {
            name: 'script as a token',
            header: `Bearer ${SCRIPT_PAYLOADS[0]}`,
            payloads: [SCRIPT_PAYLOADS[0]!],
            valid: false,
        },
        { name: 'the real token twice', header: `Bearer ${ctx.token} Bearer ${ctx.token}`, valid: false },
        {
            name: 'payload not JSON',
            header: `Bearer ${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k' }))}.${b64url('{"roles": \u0007')}.c2ln`,
            valid: false,
        },
        { name: 'valid token', header: bearer(ctx.token), valid: true },
    ];
}

function idVariants(ctx: Context): (Variant & { segment: string; kind: 'real' | 'unknown' | 'invalid' })[] {
    const { tenantA: a, tenantB: b } = ctx;
    return [
        { name: 'tenant A', segment: a, kind: 'real' },
        { name: 'tenant B', segment: b, kind: 'real' },
        { name: 'tenant A in capitals', segment: a.toUpperCase(), kind: 'real' },
        { name: 'an unknown GUID', segment: '6f1c3e52-9d2a-4b8e-a1f0-3c5d7e9b2a41', kind: 'unknown' },
        { name: 'not a GUID', segment: 'not-a-guid', kind: 'invalid' },
        ...SCRIPT_PAYLOADS.map((p) => ({
            name: `script ${p}`,
            segment: enc(p),
            payloads: [p],
            kind: 'invalid' as const,
        })),
        { name: 'encoded traversal', segment: '..%2F..%2F..%2Fetc%2Fpasswd', kind: 'invalid' },
        { name: 'double-encoded traversal', segment: '%252e%252e%252f%252e%252e%252f', kind: 'invalid' },
        { name: 'traversal into another tenant', segment: `${a}%2F..%2F${b}`, kind: 'invalid' },
        { name: 'NUL after a GUID', segment: `${a}%00`, kind: 'invalid' },
        {
            name: 'OData injection',
            segment: enc(`${a}' or PartitionKey ne '`),
            payloads: ["' or PartitionKey ne '"],
            kind: 'invalid',
        },
        { name: 'OData injection 2', segment: enc(`${a} or true`), kind: 'invalid' },
        { name: 'very long', segment: 'x'.repeat(4000), kind: 'invalid' },
        { name: 'right-to-left override', segment: enc(`\u202e${a}`), kind: 'invalid' },
        { name: 'emoji', segment: enc('🙂🙃'), kind: 'invalid' },
        ...CRLF_PAYLOADS.map((p) => ({
            name: `CR LF ${JSON.stringify(p)}`,
            segment: p.startsWith('%') ? p : enc(p),
            kind: 'invalid' as const,
        })),
    ];
}

function queryVariants(ctx: Context): (Variant & { query: string })[] {
    const foreign = b64(JSON.stringify({ nextPartitionKey: ctx.tenantB, nextRowKey: '' }));
    const quote = b64(JSON.stringify({ nextPartitionKey: ctx.tenantA, nextRowKey: "'" }));
    return [
        { name: 'no query', query: '' },
        { name: 'top=-1', query: '?top=-1' },
        { name: 'top=0', query: '?top=0' },
        { name: 'top too large', query: '?top=100000000000' },
        { name: 'top not a number', query: '?top=abc' },
        { name: 'top in exponent form', query: '?top=1e3' },
        { name: 'top twice', query: '?top=10&top=20' },
        { name: 'continuation token garbage', query: '?continuationToken=garbage!!' },
        { name: 'continuation token of another tenant', query: `?continuationToken=${enc(foreign)}` },
        { name: 'continuation token with a quote', query: `?continuationToken=${enc(quote)}` },
        { name: 'continuation token not JSON', query: `?continuationToken=${enc(b64('not json'))}` },
        { name: 'continuation token huge', query: `?continuationToken=${'A'.repeat(3000)}` },
        { name: 'allowMassDelete=maybe', query: '?allowMassDelete=maybe' },
        { name: 'allowMassDelete=true', query: '?allowMassDelete=true' },
        { name: 'OData filter', query: `?$filter=${enc("PartitionKey ne ''")}` },
        { name: 'bytes that are not UTF-8', query: '?top=%ff%fe%00' },
        ...SCRIPT_PAYLOADS.map((p) => ({
            name: `script in the query ${p}`,
            query: `?top=${enc(p)}&continuationToken=${enc(p)}&${enc(p)}=${enc(p)}`,
            payloads: [p],
        })),
        ...CRLF_PAYLOADS.map((p) => ({
            name: `CR LF in the query ${JSON.stringify(p)}`,
            query: `?top=${p.startsWith('%') ? p : enc(p)}&continuationToken=${p.startsWith('%') ? p : enc(p)}`,
        })),
    ];
}

const HEADER_VARIANTS: (Variant & { headers: Record<string, string> })[] = [
    { name: 'no extra headers', headers: {} },
    {
        name: 'forwarded host and protocol',
        headers: { 'x-forwarded-host': EVIL_HOST, 'x-forwarded-proto': 'javascript' },
    },
    { name: 'foreign origin', headers: { origin: `https://${EVIL_HOST}`, referer: `https://${EVIL_HOST}/` } },
    { name: 'forged session cookie', headers: { cookie: 'session=forged; __Host-session=forged; ts_session=forged' } },
    {
        name: 'URL rewrite and method override',
        headers: { 'x-original-url': '/api/sync', 'x-http-method-override': 'DELETE' },
    },
    { name: 'asks for HTML', headers: { accept: 'text/html' } },
    {
        name: 'script in a header',
        headers: { 'user-agent': SCRIPT_PAYLOADS[1]!, 'x-request-id': SCRIPT_PAYLOADS[0]! },
        payloads: SCRIPT_PAYLOADS.slice(0, 2),
    },
];

const BODIES: (Variant & { body?: string; contentType?: string })[] = [
    { name: 'no body' },
    {
        name: 'JSON naming another tenant',
        body: JSON.stringify({ tenantId: '00000000-0000-0000-0000-000000000000', allowMassDelete: true }),
        contentType: 'application/json',
    },
    { name: 'malformed JSON', body: '{"tenantId": ', contentType: 'application/json' },
    { name: 'script as HTML', body: SCRIPT_PAYLOADS[0]!, contentType: 'text/html', payloads: [SCRIPT_PAYLOADS[0]!] },
    { name: 'a megabyte', body: 'A'.repeat(1_000_000), contentType: 'application/octet-stream' },
];

interface Route {
    method: string;
    path: (id: string, run: string) => string;
    readOnly: boolean;
    /** The route takes a tenant id (an unknown or invalid one is a 4xx). */
    takesId: boolean;
}

const ROUTES: Route[] = [
    { method: 'GET', path: () => '/api/tenants', readOnly: true, takesId: false },
    { method: 'GET', path: (id) => `/api/tenants/${id}`, readOnly: true, takesId: true },
    { method: 'DELETE', path: (id) => `/api/tenants/${id}`, readOnly: false, takesId: true },
    { method: 'PUT', path: (id) => `/api/tenants/${id}`, readOnly: false, takesId: true },
    { method: 'POST', path: (id) => `/api/tenants/${id}/sync`, readOnly: false, takesId: true },
    { method: 'GET', path: (id) => `/api/tenants/${id}/runs`, readOnly: true, takesId: true },
    { method: 'GET', path: (id, run) => `/api/tenants/${id}/runs/${run}`, readOnly: true, takesId: true },
    { method: 'GET', path: (id) => `/api/tenants/${id}/users`, readOnly: true, takesId: true },
    { method: 'POST', path: () => '/api/sync', readOnly: false, takesId: false },
    { method: 'GET', path: () => '/api/health', readOnly: true, takesId: false },
];

const RUN_IDS: (Variant & { segment: string })[] = [
    { name: 'a run id nobody made', segment: '8200000000000-0badc0de' },
    { name: 'script run id', segment: enc(SCRIPT_PAYLOADS[0]!), payloads: [SCRIPT_PAYLOADS[0]!] },
    { name: 'traversal run id', segment: '..%2F..%2Fusers' },
    { name: 'long run id', segment: '9'.repeat(2000) },
];

/** Seeded combinations of route, credentials, tenant id, query, headers and body. */
function generated(ctx: Context, count: number, random: () => number): HostileCase[] {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const auths = authVariants(ctx);
    const ids = idVariants(ctx);
    const queries = queryVariants(ctx);
    const cases: HostileCase[] = [];
    while (cases.length < count) {
        const route = pick(ROUTES);
        const auth = pick(auths);
        const id = pick(ids);
        const query = pick(queries);
        const extra = pick(HEADER_VARIANTS);
        const body = route.method === 'GET' ? BODIES[0]! : pick(BODIES);
        const run = random() < 0.5 ? { name: 'tenant A’s run', segment: ctx.runA } : pick(RUN_IDS);
        const health = route.path('', '') === '/api/health';
        // The real token may only read, or act on a tenant that does not exist: nothing it does may change a table.
        if (auth.valid && !route.readOnly && (!route.takesId || id.kind === 'real')) continue;
        const mustFail = !health && (!auth.valid || (route.takesId && id.kind !== 'real'));
        const headers: Record<string, string> = { ...extra.headers };
        if (auth.header !== undefined) headers.authorization = auth.header;
        if (body.contentType !== undefined) headers['content-type'] = body.contentType;
        // Headers past the server's limit get a 431 and a closed connection; a client still sending a body
        // may see only the close (Node's http server and Kestrel alike), an answer of sorts, not a failure.
        const headerBytes = Object.entries(headers).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
        const mayClose = body.body !== undefined && headerBytes > NODE_MAX_HEADER_BYTES;
        cases.push({
            name: `${route.method} ${route.path('{id}', '{run}')} | ${auth.name} | ${id.name} | ${query.name} | ${extra.name} | ${body.name}`,
            method: route.method,
            path: `${route.path(id.segment, run.segment)}${query.query}`,
            headers,
            ...(body.body === undefined ? {} : { body: body.body }),
            ...(mayClose ? { mayClose } : {}),
            payloads: [
                ...(auth.payloads ?? []),
                ...(id.payloads ?? []),
                ...(query.payloads ?? []),
                ...(extra.payloads ?? []),
                ...(body.payloads ?? []),
                ...(run.payloads ?? []),
            ],
            mustFail,
        });
    }
    return cases;
}

/** What fetch will not send: forged Host headers, unnormalized paths, broken request lines and framing. */
function rawCases(ctx: Context): HostileCase[] {
    const { tenantA: a, tenantB: b, token } = ctx;
    const forged = `Bearer ${ctx.forge.unsigned(ctx.forge.claims())}`;
    const valid = `Bearer ${token}`;
    const raw = (
        name: string,
        method: string,
        path: string,
        headers: Record<string, string>,
        extra: Partial<HostileCase> = {},
    ): HostileCase => ({
        name: `raw: ${name}`,
        method,
        path,
        headers,
        raw: true,
        payloads: [],
        mustFail: true,
        ...extra,
    });
    return [
        raw(
            'forged Host, tenants page with a next link',
            'GET',
            '/api/tenants?top=1',
            { host: EVIL_HOST, authorization: valid },
            { mustFail: false },
        ),
        raw(
            'forged Host, users page with a next link',
            'GET',
            `/api/tenants/${a}/users?top=1`,
            { host: EVIL_HOST, authorization: valid },
            { mustFail: false },
        ),
        raw(
            'forged Host and forwarded host, a run',
            'GET',
            `/api/tenants/${a}/runs/${ctx.runA}`,
            { host: EVIL_HOST, 'x-forwarded-host': EVIL_HOST, authorization: valid },
            { mustFail: false },
        ),
        raw('forged Host, sync with a forged token', 'POST', `/api/tenants/${a}/sync`, {
            host: EVIL_HOST,
            authorization: forged,
        }),
        raw('traversal out of the API', 'GET', '/api/tenants/../../../../etc/passwd', { authorization: valid }),
        raw('encoded traversal out of the API', 'GET', '/api/tenants/%2e%2e/%2e%2e/%2e%2e/etc/passwd', {
            authorization: valid,
        }),
        raw('traversal to the fan-out', 'POST', `/api/tenants/${a}/users/../../../sync`, { authorization: forged }),
        raw('traversal from one tenant to another', 'GET', `/api/tenants/${a}/../${b}/users`, {
            authorization: forged,
        }),
        raw('encoded slash traversal', 'POST', `/api/tenants/..%2f..%2fapi%2fsync`, { authorization: valid }),
        raw('double slashes', 'DELETE', `//api//tenants//${a}`, { authorization: forged }),
        raw('upper-case path', 'DELETE', `/API/TENANTS/${a.toUpperCase()}`, { authorization: forged }),
        raw(
            'absolute-form request target',
            'GET',
            `http://${EVIL_HOST}/api/tenants`,
            { authorization: forged },
            { mayClose: true },
        ),
        raw('asterisk target', 'OPTIONS', '*', {}, { mayClose: true, mustFail: false }),
        raw('unknown method', 'FOO', '/api/tenants', { authorization: forged }, { mayClose: true }),
        raw(
            'TRACE',
            'TRACE',
            '/api/tenants',
            { authorization: valid, 'x-echo': SCRIPT_PAYLOADS[0]! },
            { payloads: [SCRIPT_PAYLOADS[0]!, token] },
        ),
        raw('CONNECT', 'CONNECT', `${EVIL_HOST}:443`, {}, { mayClose: true }),
        raw(
            'PUT on a tenant',
            'PUT',
            `/api/tenants/${a}`,
            { authorization: forged, 'content-type': 'application/json' },
            { body: '{"status":"disconnected"}' },
        ),
        raw('PATCH on a tenant', 'PATCH', `/api/tenants/${a}`, { authorization: valid }, { body: '{}' }),
        raw('HEAD on the fan-out', 'HEAD', '/api/sync', { authorization: valid }, { mayClose: true }),
        raw(
            'a 20 KB header',
            'GET',
            '/api/tenants',
            { authorization: forged, 'x-padding': 'p'.repeat(20_000) },
            { mayClose: true },
        ),
        raw(
            'a 200 KB URL',
            'GET',
            `/api/tenants/${'a'.repeat(200_000)}`,
            { authorization: forged },
            { mayClose: true },
        ),
        raw(
            'two Authorization headers',
            'DELETE',
            `/api/tenants/${a}`,
            { authorization: forged, Authorization: valid },
            { mayClose: true },
        ),
        raw(
            'header folded over two lines',
            'DELETE',
            `/api/tenants/${a}`,
            { authorization: `${forged}\r\n ${valid}` },
            { mayClose: true },
        ),
        raw('CR LF injected through a raw header', 'DELETE', `/api/tenants/${a}`, {
            authorization: `${forged}\r\n${INJECTED_HEADER}: 1`,
        }),
        raw(
            'Content-Length and chunked together (smuggling)',
            'POST',
            `/api/tenants/${a}/sync`,
            { authorization: forged, 'transfer-encoding': 'chunked' },
            {
                body: `0\r\n\r\nDELETE /api/tenants/${a} HTTP/1.1\r\nhost: x\r\nauthorization: ${valid}\r\n\r\n`,
                mayClose: true,
            },
        ),
        raw(
            'bad chunk size',
            'POST',
            '/api/sync',
            { authorization: forged, 'transfer-encoding': 'chunked' },
            { body: 'zz\r\nabc\r\n0\r\n\r\n', mayClose: true },
        ),
        raw(
            'negative Content-Length',
            'POST',
            '/api/sync',
            { authorization: forged, 'content-length': '-1' },
            { mayClose: true },
        ),
        raw('NUL in the path', 'GET', `/api/tenants/${a}\u0000/users`, { authorization: valid }, { mayClose: true }),
        raw(
            // Read as a plain GET of tenant A (with two more request headers): a valid read, nothing injected back.
            'request line split by CR LF',
            'GET',
            `/api/tenants/${a} HTTP/1.1\r\n${INJECTED_HEADER}: 1\r\nx: /users`,
            { authorization: valid },
            { mayClose: true, mustFail: false },
        ),
        raw('HTTP/1.0 without Host', 'GET', '/api/tenants', { authorization: forged }, { mayClose: true }),
        raw(
            'script in the path, unencoded',
            'GET',
            `/api/tenants/<script>alert(1)</script>`,
            { authorization: valid },
            { payloads: ['<script>alert(1)</script>'], mayClose: true },
        ),
        raw(
            'quote in the path, unencoded',
            'GET',
            `/api/tenants/${a}'or'1'='1/users`,
            { authorization: valid },
            { mayClose: true },
        ),
        raw(
            'UTF-8 right-to-left override in the path',
            'GET',
            `/api/tenants/\u202e${a}`,
            { authorization: valid },
            { mayClose: true },
        ),
        ...SCRIPT_PAYLOADS.map((p) =>
            raw(
                `script in a forged Host ${p}`,
                'GET',
                `/api/tenants/${a}/users?top=1`,
                { host: p, authorization: valid },
                { payloads: [p], mayClose: true, mustFail: false },
            ),
        ),
        ...CRLF_PAYLOADS.filter((p) => p.startsWith('%')).map((p) =>
            raw(`encoded CR LF in the path ${p}`, 'GET', `/api/tenants/${a}${p}/users`, { authorization: valid }),
        ),
    ];
}

const SESSION = 'tenant_sync_session';
const SIGN_IN_FLOW = 'tenant_sync_signin';

/** What the pages part knows: real sessions and callbacks, to forge, mix up and replay. */
interface PageContext {
    base: string;
    sessionA: string;
    sessionB: string;
    csrfA: string;
    csrfB: string;
    /** A consent callback that was used once already, and one never used (its state belongs to session A). */
    usedConsent: string;
    unusedConsent: string;
    /** A sign-in callback used once, and the sign-in flow cookie that went with it. */
    usedSignIn: string;
    signInFlow: string;
}

function sessionVariants(ctx: Context, pages: PageContext): (Variant & { cookie?: string; valid?: 'A' | 'B' })[] {
    const [header = '', payload = '', signature = ''] = pages.sessionA.split('.');
    const flipped = `${header}.${payload.slice(0, 10)}${payload[10] === 'A' ? 'B' : 'A'}${payload.slice(11)}.${signature}`;
    const claims = { tid: ctx.tenantA, oid: '00000000-0000-0000-0000-000000000001', admin: true, name: 'Mallory' };
    return [
        { name: 'no session' },
        { name: 'session of A’s admin', cookie: `${SESSION}=${pages.sessionA}`, valid: 'A' },
        { name: 'session of B’s admin', cookie: `${SESSION}=${pages.sessionB}`, valid: 'B' },
        { name: 'tampered session', cookie: `${SESSION}=${flipped}` },
        { name: 'unsigned session', cookie: `${SESSION}=${ctx.forge.unsigned(claims)}` },
        {
            name: 'session whose payload is not JSON',
            cookie: `${SESSION}=${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url('{"sid": \u0007')}.c2ln`,
        },
        { name: 'session signed with the API key', cookie: `${SESSION}=${ctx.forge.signed(claims)}` },
        {
            name: 'script as a session',
            cookie: `${SESSION}=${enc(SCRIPT_PAYLOADS[0]!)}`,
            payloads: [SCRIPT_PAYLOADS[0]!],
        },
        { name: 'garbage first, the real session second', cookie: `${SESSION}=garbage; ${SESSION}=${pages.sessionA}` },
        { name: 'oversized session', cookie: `${SESSION}=${'x'.repeat(8000)}` },
        { name: 'only a sign-in flow cookie', cookie: `${SIGN_IN_FLOW}=${pages.signInFlow}` },
    ];
}

const RETURN_TO = [
    '//evil.example/',
    'https://evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    '/%2F%2Fevil.example',
    '/tenants/../../evil',
    `/${'a'.repeat(3000)}`,
    ...SCRIPT_PAYLOADS,
    ...CRLF_PAYLOADS,
];

function pageQueries(ctx: Context, pages: PageContext, path: string): (Variant & { query: string })[] {
    const generic = [
        { name: 'no query', query: '' },
        ...SCRIPT_PAYLOADS.slice(0, 3).map((p) => ({
            name: `script ${p}`,
            query: `?${enc(p)}=${enc(p)}`,
            payloads: [p],
        })),
        { name: 'CR LF', query: `?x=${CRLF_PAYLOADS[1]}` },
    ];
    if (path === '/auth/signin')
        return [
            ...generic,
            ...RETURN_TO.map((r) => ({
                name: `returnTo ${JSON.stringify(r)}`,
                query: `?returnTo=${enc(r)}`,
                payloads: [r],
            })),
        ];
    if (path === '/auth/callback') {
        const used = new URL(pages.usedSignIn).search;
        return [
            ...generic,
            { name: 'forged code and state', query: '?code=forged-code&state=forged-state' },
            { name: 'the used sign-in callback again', query: used },
            {
                name: 'the used code with a forged state',
                query: `?code=${enc(new URL(pages.usedSignIn).searchParams.get('code') ?? '')}&state=forged`,
            },
            ...SCRIPT_PAYLOADS.map((p) => ({
                name: `error with script ${p}`,
                query: `?error=${enc(p)}&error_description=${enc(`AADSTS50011: ${p}`)}&state=${enc(p)}`,
                payloads: [p],
            })),
            { name: 'huge code', query: `?code=${'c'.repeat(8000)}&state=s` },
            { name: 'CR LF in the description', query: `?error=access_denied&error_description=${CRLF_PAYLOADS[1]}` },
        ];
    }
    if (path === '/connect/callback') {
        const used = new URL(pages.usedConsent).searchParams;
        const unused = new URL(pages.unusedConsent).searchParams;
        const consent = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;
        return [
            ...generic,
            { name: 'no state', query: consent({ admin_consent: 'True', tenant: ctx.tenantA }) },
            { name: 'forged state', query: consent({ admin_consent: 'True', tenant: ctx.tenantA, state: 'forged' }) },
            { name: 'the used consent callback again', query: `?${used.toString()}` },
            {
                name: 'the used state for tenant B',
                query: consent({ ...Object.fromEntries(used), tenant: ctx.tenantB }),
            },
            { name: 'A’s unused state', query: `?${unused.toString()}` },
            {
                name: 'A’s unused state for tenant B',
                query: consent({ ...Object.fromEntries(unused), tenant: ctx.tenantB }),
            },
            ...SCRIPT_PAYLOADS.map((p) => ({
                name: `script in the consent answer ${p}`,
                query: consent({ admin_consent: p, tenant: p, state: p, scope: p }),
                payloads: [p],
            })),
            ...SCRIPT_PAYLOADS.slice(0, 3).map((p) => ({
                name: `error with script ${p}`,
                query: consent({
                    error: 'access_denied',
                    error_subcode: p,
                    error_description: `AADSTS65004: ${p}`,
                    state: 'forged',
                }),
                payloads: [p],
            })),
            {
                name: 'tenant traversal',
                query: consent({ admin_consent: 'True', tenant: '../../api/sync', state: 'forged' }),
            },
        ];
    }
    if (path.endsWith('/users'))
        return [
            ...generic,
            ...SCRIPT_PAYLOADS.map((p) => ({ name: `search ${p}`, query: `?q=${enc(p)}`, payloads: [p] })),
            { name: 'a 200-character search', query: `?q=${'<b>'.repeat(67)}`, payloads: ['<b>'] },
            { name: 'search with control characters', query: `?q=${enc('a\u0000b\u001b')}` },
            { name: 'garbage page token', query: '?page=garbage!!' },
            {
                name: 'page token of tenant B',
                query: `?page=${enc(b64(JSON.stringify({ nextPartitionKey: ctx.tenantB, nextRowKey: '' })))}`,
            },
            { name: 'search twice', query: '?q=a&q=b' },
        ];
    return generic;
}

interface PageRoute {
    method: 'GET' | 'POST';
    path: (id: string) => string;
    /** A valid session may use it with any input: it changes nothing. */
    readOnly: boolean;
}

const PAGE_ROUTES: PageRoute[] = [
    { method: 'GET', path: () => '/', readOnly: true },
    { method: 'GET', path: () => '/auth/signin', readOnly: true },
    { method: 'GET', path: () => '/auth/callback', readOnly: true },
    { method: 'POST', path: () => '/auth/signout', readOnly: false },
    { method: 'GET', path: () => '/connect', readOnly: false },
    { method: 'GET', path: () => '/connect/callback', readOnly: false },
    { method: 'GET', path: (id) => `/tenants/${id}`, readOnly: true },
    { method: 'GET', path: (id) => `/tenants/${id}/users`, readOnly: true },
    { method: 'GET', path: (id) => `/tenants/${id}/disconnect`, readOnly: true },
    { method: 'POST', path: (id) => `/tenants/${id}/sync`, readOnly: false },
    { method: 'POST', path: (id) => `/tenants/${id}/disconnect`, readOnly: false },
];

function generatedPages(ctx: Context, pages: PageContext, count: number, random: () => number): HostileCase[] {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const sessions = sessionVariants(ctx, pages);
    const ids = idVariants(ctx);
    const csrfs: (Variant & { value?: string; valid?: 'A' | 'B' })[] = [
        { name: 'no CSRF token' },
        { name: 'forged CSRF token', value: 'forged' },
        { name: 'A’s CSRF token', value: pages.csrfA, valid: 'A' },
        { name: 'B’s CSRF token', value: pages.csrfB, valid: 'B' },
        { name: 'script as CSRF token', value: SCRIPT_PAYLOADS[1]!, payloads: [SCRIPT_PAYLOADS[1]!] },
        { name: 'oversized CSRF token', value: 'c'.repeat(5000) },
    ];
    const origins: (Variant & { origin?: string })[] = [
        { name: 'no Origin' },
        { name: 'our Origin', origin: new URL(pages.base).origin },
        { name: 'foreign Origin', origin: `https://${EVIL_HOST}` },
        { name: 'Origin null', origin: 'null' },
    ];
    const cases: HostileCase[] = [];
    while (cases.length < count) {
        const route = pick(PAGE_ROUTES);
        const session = pick(sessions);
        const id = pick(ids);
        const path = route.path(id.segment);
        const query = pick(pageQueries(ctx, pages, route.path('{id}').replace('{id}', 'x')));
        const csrf = route.method === 'POST' ? pick(csrfs) : { name: 'GET' };
        const origin = route.method === 'POST' ? pick(origins) : pick([origins[0]!, origins[2]!]);
        const extra = pick(HEADER_VARIANTS.filter((h) => !('cookie' in h.headers)));
        // A real session may read anything; it may act only when something about the request is wrong.
        if (session.valid !== undefined && !route.readOnly) {
            if (route.path('x') === '/connect') continue;
            if (
                route.path('x') === '/connect/callback' &&
                session.valid === 'A' &&
                query.name.startsWith('A’s unused state')
            )
                continue;
            if (route.method === 'POST') {
                const tokenFits = 'valid' in csrf && csrf.valid === session.valid;
                const ownTenant =
                    route.path('x') === '/auth/signout' ||
                    id.segment.toLowerCase() === (session.valid === 'A' ? ctx.tenantA : ctx.tenantB);
                const originFits =
                    origin.origin === undefined ||
                    origin.origin === new URL(pages.base).origin ||
                    origin.origin === 'null';
                if (tokenFits && ownTenant && originFits) continue;
            }
        }
        const headers: Record<string, string> = { ...extra.headers };
        if ('cookie' in session && session.cookie !== undefined) headers.cookie = session.cookie;
        if (origin.origin !== undefined) headers.origin = origin.origin;
        const form =
            'value' in csrf && csrf.value !== undefined
                ? new URLSearchParams({ csrf: csrf.value }).toString()
                : undefined;
        if (route.method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
        cases.push({
            name: `${route.method} ${route.path('{id}')} | ${session.name} | ${id.name} | ${query.name} | ${csrf.name} | ${origin.name} | ${extra.name}`,
            method: route.method,
            path: `${path}${query.query}`,
            headers,
            ...(form === undefined ? {} : { body: form }),
            payloads: [
                ...(session.payloads ?? []),
                ...(id.payloads ?? []),
                ...(query.payloads ?? []),
                ...(csrf.payloads ?? []),
                ...(extra.payloads ?? []),
            ],
            mustFail: false,
        });
    }
    return cases;
}

/** The cases that must be refused for a known reason, always sent (the generated ones fall where they fall). */
function fixedPages(ctx: Context, pages: PageContext): (HostileCase & { expect: number[] })[] {
    const own = new URL(pages.base).origin;
    const sessionA = `${SESSION}=${pages.sessionA}`;
    const sessionB = `${SESSION}=${pages.sessionB}`;
    const path = (url: string) => `${new URL(url).pathname}${new URL(url).search}`;
    const form = (csrf: string) => new URLSearchParams({ csrf }).toString();
    const post = { 'content-type': 'application/x-www-form-urlencoded' };
    const fixed = (
        name: string,
        method: string,
        target: string,
        headers: Record<string, string>,
        expect: number[],
        body?: string,
    ) => ({
        name: `fixed: ${name}`,
        method,
        path: target,
        headers,
        ...(body === undefined ? {} : { body }),
        payloads: [],
        mustFail: false,
        expect,
    });
    return [
        fixed(
            'the used consent callback again, same session',
            'GET',
            path(pages.usedConsent),
            { cookie: sessionA },
            [400],
        ),
        fixed('the used consent callback again, no session', 'GET', path(pages.usedConsent), {}, [302, 400]),
        fixed('A’s unused consent state in B’s session', 'GET', path(pages.unusedConsent), { cookie: sessionB }, [400]),
        fixed('A’s unused consent state with no session', 'GET', path(pages.unusedConsent), {}, [302, 400]),
        fixed(
            'the used sign-in callback again, with its flow cookie',
            'GET',
            path(pages.usedSignIn),
            { cookie: `${SIGN_IN_FLOW}=${pages.signInFlow}` },
            [400, 401],
        ),
        fixed('the used sign-in callback again, no cookie', 'GET', path(pages.usedSignIn), {}, [400]),
        fixed('B’s admin on A’s page', 'GET', `/tenants/${ctx.tenantA}`, { cookie: sessionB }, [403]),
        fixed('B’s admin on A’s users', 'GET', `/tenants/${ctx.tenantA}/users`, { cookie: sessionB }, [403]),
        fixed(
            'B’s admin syncs A with B’s token',
            'POST',
            `/tenants/${ctx.tenantA}/sync`,
            { cookie: sessionB, ...post },
            [403],
            form(pages.csrfB),
        ),
        fixed(
            'B’s admin disconnects A with B’s token',
            'POST',
            `/tenants/${ctx.tenantA}/disconnect`,
            { cookie: sessionB, ...post },
            [403],
            form(pages.csrfB),
        ),
        fixed(
            'A syncs with A’s token from a foreign origin',
            'POST',
            `/tenants/${ctx.tenantA}/sync`,
            { cookie: sessionA, origin: `https://${EVIL_HOST}`, ...post },
            [403],
            form(pages.csrfA),
        ),
        fixed(
            'A disconnects with B’s token',
            'POST',
            `/tenants/${ctx.tenantA}/disconnect`,
            { cookie: sessionA, origin: own, ...post },
            [403],
            form(pages.csrfB),
        ),
        fixed(
            'A disconnects with no token',
            'POST',
            `/tenants/${ctx.tenantA}/disconnect`,
            { cookie: sessionA, ...post },
            [403],
        ),
        fixed('A signs out with no token', 'POST', '/auth/signout', { cookie: sessionA, ...post }, [403]),
    ];
}

describe(`hostile input at the HTTP edge (seed ${SEED})`, () => {
    let ctx: Context;
    const answers: { request: HostileCase; answer: HostileAnswer }[] = [];

    beforeAll(async () => {
        const host = stack.hosts[0]!;
        const [peopleA, peopleB] = await mapLimited(['Hostile A', 'Hostile B'], 2, (name) =>
            stack.createTenantWithPeople(name, 250),
        );
        const [tenantA, tenantB] = [peopleA!.id, peopleB!.id];
        for (const tenantId of [tenantA, tenantB]) await stack.connectTenant(tenantId);
        const runA = await requestSync(stack, host, tenantA);
        const runB = await requestSync(stack, host, tenantB);
        expect((await finishedRun(stack, tenantA, runA)).outcome).toBe('succeeded');
        expect((await finishedRun(stack, tenantB, runB)).outcome).toBe('succeeded');
        ctx = {
            tenantA,
            tenantB,
            adminA: peopleA!.admin,
            adminB: peopleB!.admin,
            userA: peopleA!.user,
            runA,
            token: await stack.operationsToken(),
            forge: await forgery(stack),
        };
    }, 120_000);

    it(`the operations API: ${GENERATED} generated requests and the raw ones; no 5xx, nothing reflected, no cookie, no table changed`, async () => {
        const host = stack.hosts[0]!;
        const cases = [...generated(ctx, GENERATED, seededRandom(SEED)), ...rawCases(ctx)];
        const before = await tablesSnapshot(stack);
        const started = Date.now();
        const results = await mapLimited(cases, 8, async (request) => {
            try {
                return { request, answer: await send(host.url, request) };
            } catch (error) {
                return { request, answer: { status: -1, headers: [], body: String(error) } };
            }
        });
        answers.push(...results);
        const failures = results
            .map(({ request, answer }) => ({
                request: request.name,
                status: answer.status,
                problems: problemsWith(request, answer),
            }))
            .filter((r) => r.problems.length > 0);
        const byStatus = new Map<number, number>();
        for (const { answer } of results) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
        console.log(
            `hostile HTTP (API): ${results.length} requests in ${Math.round((Date.now() - started) / 1000)} s; by status: ` +
                [...byStatus]
                    .sort((x, y) => x[0] - y[0])
                    .map(([s, n]) => `${s}: ${n}`)
                    .join(', '),
        );
        expect(failures).toEqual([]);
        expect(results.length).toBeGreaterThanOrEqual(500);
        expect(await tablesSnapshot(stack)).toEqual(before);
        // The data is still there and still right.
        await expectExact(stack, ctx.tenantA);
        await expectExact(stack, ctx.tenantB);
    }, 300_000);

    it(`the pages and callbacks: ${GENERATED_PAGES} generated requests with real, forged, foreign and replayed sessions, states and codes; no 5xx, nothing reflected, no session, no open redirect, no table changed`, async () => {
        const host = stack.hosts[0]!;
        const base = host.url;
        const origin = new URL(base).origin;
        // Real material to forge from, mix up and replay.
        const a = new HttpBrowser(stack);
        await a.signIn(base, ctx.adminA);
        const b = new HttpBrowser(stack);
        await b.signIn(base, ctx.adminB);
        const usedConsent = (await a.connect(base, ctx.adminA, { stopAtCallback: true })).location ?? '';
        expect((await a.follow(await a.get(usedConsent))).url).toBe(`${base}/tenants/${ctx.tenantA}`);
        const unusedConsent = (await a.connect(base, ctx.adminA, { stopAtCallback: true })).location ?? '';
        const c = new HttpBrowser(stack);
        const usedSignIn = (await c.signIn(base, ctx.userA, { stopAtCallback: true })).location ?? '';
        const signInFlow = c.cookies(origin).get(SIGN_IN_FLOW) ?? '';
        await c.follow(await c.get(usedSignIn));
        expect(c.cookies(origin).has(SESSION)).toBe(true);
        const pageContext: PageContext = {
            base,
            sessionA: a.cookies(origin).get(SESSION) ?? '',
            sessionB: b.cookies(origin).get(SESSION) ?? '',
            csrfA: HttpBrowser.csrfOf(await a.get(`${base}/tenants/${ctx.tenantA}`)),
            csrfB: HttpBrowser.csrfOf(await b.get(`${base}/tenants/${ctx.tenantB}`)),
            usedConsent,
            unusedConsent,
            usedSignIn,
            signInFlow,
        };
        for (const value of [usedConsent, unusedConsent, usedSignIn, signInFlow]) expect(value).not.toBe('');

        const fixed = fixedPages(ctx, pageContext);
        const cases: HostileCase[] = [
            ...generatedPages(ctx, pageContext, GENERATED_PAGES, seededRandom(SEED + 1)),
            ...fixed,
        ];
        const before = await tablesSnapshot(stack);
        const started = Date.now();
        const results = await mapLimited(cases, 8, async (request) => {
            try {
                return { request, answer: await send(base, request) };
            } catch (error) {
                return { request, answer: { status: -1, headers: [], body: String(error) } };
            }
        });
        const redirectOrigins = [origin, new URL(stack.simStack.simulator.authorityHost).origin];
        const failures = results
            .map(({ request, answer }) => ({
                request: request.name,
                status: answer.status,
                problems: problemsWith(request, answer, { sessionCookie: new RegExp(`^${SESSION}=`), redirectOrigins }),
            }))
            .filter((r) => r.problems.length > 0);
        const byStatus = new Map<number, number>();
        for (const { answer } of results) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
        console.log(
            `hostile HTTP (pages): ${results.length} requests in ${Math.round((Date.now() - started) / 1000)} s; by status: ` +
                [...byStatus]
                    .sort((x, y) => x[0] - y[0])
                    .map(([s, n]) => `${s}: ${n}`)
                    .join(', '),
        );
        expect(failures.slice(0, 15)).toEqual([]);
        expect(await tablesSnapshot(stack)).toEqual(before);

        // What must be refused was refused for the right reason.
        const refusals = fixed.map((f) => ({
            request: f.name,
            status: results.find((r) => r.request.name === f.name)?.answer.status,
        }));
        expect(refusals.filter((r, i) => !fixed[i]!.expect.includes(r.status ?? 0))).toEqual([]);
        await expectExact(stack, ctx.tenantA);
    }, 300_000);

    it('the forged tokens were refused for what they are, not by accident', () => {
        // Each kind of forgery met at least one route that would have served the real token.
        const refused = (name: string) =>
            answers.filter(
                ({ request, answer }) =>
                    request.name.includes(`| ${name} |`) &&
                    // 431: a header too large for the server to read at all.
                    [401, 403, 431].includes(answer.status),
            );
        for (const variant of authVariants(ctx).filter((v) => !v.valid))
            expect({ variant: variant.name, refused: refused(variant.name).length > 0 }).toEqual({
                variant: variant.name,
                refused: true,
            });
        expect(
            answers.filter(
                ({ request, answer }) => request.name.includes('| valid token | tenant A |') && answer.status === 200,
            ).length,
        ).toBeGreaterThan(0);
    });
});

itLeavesNoSecretInLogs(() => stack);
