/**
 * Graph paging through the local simulator: how fast a client can read a whole tenant, which bounds
 * how long a full sync of a big customer takes in development and in the conformance suites.
 *
 *   NODE_EXTRA_CA_CERTS=.local/tls/ca.pem node --import tsx bench/graph-paging.ts [--json <file>]
 *
 * In-process simulator on free ports with a 5,000-user and a 100,000-user tenant; a Graph token from
 * MSAL client credentials; then plain fetch for: full paging of /users ($top=999, $select) of both
 * tenants, the initial delta round of the 5k tenant, and a delta change round after 500 user changes.
 * Throttling budgets are raised for those runs (said in the output). Then, with the default budgets:
 * the same 100k listing again (it stays far below the budget), and a 10 s pass of a naive client (one
 * GET per user, 429s retried at once) counting the 429s it gets.
 */
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';

import { DEFAULT_TLS_DIR, ensureTlsMaterial } from '../dev/tls/certificates';
import { type RunningSimulator, startSimulator } from '../dev/sim/simulator';
import { type Figure, publish, since } from './support/report';
import { type SimulatorControl, simulatorControl } from '../test/support/simulatorControl';

const SELECT = '$select=id,displayName,userPrincipalName,mail';
const RAISED_BUDGET = 1_000_000_000;
const CHANGES = 500;
/** The naive pass runs this long (its retries would otherwise go on as long as the throttling does). */
const NAIVE_MS = 10_000;
const NAIVE_CONCURRENCY = 16;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface PagingRun {
    users: number;
    pages: number;
    ms: number;
    /** The last page's deltaLink, for delta rounds. */
    deltaLink?: string;
    ids: string[];
}

async function main(): Promise<void> {
    if (!process.env.NODE_EXTRA_CA_CERTS)
        throw new Error('set NODE_EXTRA_CA_CERTS=.local/tls/ca.pem (bench/run.ts does)');
    await ensureTlsMaterial(DEFAULT_TLS_DIR);
    const sim = await startSimulator({
        seed: 'bench',
        ports: 0,
        world: {
            publisher: { displayName: 'Tenant Sync Publisher', userCount: 4, customDomain: 'tenantsync.example' },
            customers: [
                { displayName: 'Bench 5k', userCount: 5_000, customDomain: 'bench5k.example' },
                { displayName: 'Bench 100k', userCount: 100_000, customDomain: 'bench100k.example' },
            ],
            personalAccounts: false,
        },
    });
    try {
        await run(sim);
    } finally {
        await sim.stop();
    }
}

async function run(sim: RunningSimulator): Promise<void> {
    const control = simulatorControl(sim.origins.control).controlOk;
    const [tenant5k, tenant100k] = sim.world.customers.map((t) => t.record.id) as [string, string];
    const { budgets: defaults, windowSeconds } = (await control('GET', '/control/graph')).settings.throttling;
    const token = await tokens(sim, control);
    const token5k = await token(tenant5k);
    const token100k = await token(tenant100k);

    await control('PATCH', '/control/graph', {
        throttling: { budgets: { small: RAISED_BUDGET, medium: RAISED_BUDGET, large: RAISED_BUDGET } },
    });
    const list = `${sim.origins.graph}/v1.0/users?$top=999&${SELECT}`;
    await pageAll(list, token5k); // warm-up: TLS session, JIT
    const list5k = await pageAll(list, token5k);
    const list100k = await pageAll(list, token100k);
    const initial = await pageAll(`${sim.origins.graph}/v1.0/users/delta?${SELECT}`, token5k);

    const patchStart = performance.now();
    for (let i = 0; i < CHANGES; i++) {
        const id = initial.ids[(i * 7) % initial.ids.length];
        await control('PATCH', `/control/tenants/${tenant5k}/users/${id}`, { displayName: `Changed ${i}` });
    }
    const patchMs = since(patchStart);
    const changes = await pageAll(initial.deltaLink!, token5k);
    if (changes.users !== CHANGES) throw new Error(`change round returned ${changes.users} users, expected ${CHANGES}`);

    await control('PATCH', '/control/graph', { throttling: { budgets: defaults } });
    await control('DELETE', '/control/graph/throttling');
    const underDefaults = await pageAll(list, token100k); // throws on a 429
    await control('DELETE', '/control/graph/throttling');
    console.log(`naive client with default budgets (${NAIVE_MS / 1000} s) ...`);
    const naive = await naivePass(sim.origins.graph, token100k);
    const buckets = (await control('GET', '/control/graph')).throttleBuckets as Array<{ earlyRetries: number }>;
    const earlyRetries = buckets.reduce((sum, b) => sum + b.earlyRetries, 0);

    const rate = (r: { users: number; ms: number }) => Math.round(r.users / (r.ms / 1000));
    const paging = (label: string, r: PagingRun): Figure[] => [
        { name: `${label}: throughput`, value: rate(r), unit: 'users/s' },
        { name: `${label}: wall time`, value: r.ms, unit: 'ms' },
        { name: `${label}: pages`, value: r.pages, unit: 'pages' },
    ];
    const figures: Figure[] = [
        ...paging('list 5k users', list5k),
        ...paging('list 100k users', list100k),
        ...paging('delta initial round 5k', initial),
        { name: `delta change round after ${CHANGES} changes`, value: changes.ms, unit: 'ms' },
        { name: `${CHANGES} user PATCHes (control API)`, value: patchMs, unit: 'ms' },
        { name: 'list 100k users, default budgets: wall time', value: underDefaults.ms, unit: 'ms' },
        { name: 'naive client, default budgets: requests', value: naive.requests, unit: 'requests' },
        {
            name: 'naive client, default budgets: request rate',
            value: rate({ users: naive.requests, ms: naive.ms }),
            unit: 'requests/s',
        },
        { name: 'naive client, default budgets: 429s', value: naive.throttled, unit: '429s' },
        // Absent when the client never got a 429 (a machine too slow to spend the budget within one window).
        ...(naive.throttled === 0
            ? []
            : [{ name: 'naive client, default budgets: first 429 after', value: naive.first429Ms, unit: 'ms' }]),
        { name: 'naive client, default budgets: early retries', value: earlyRetries, unit: 'requests' },
        { name: 'naive client, default budgets: users fetched one by one', value: naive.users, unit: 'users' },
    ];
    publish({
        bench: 'graph-paging',
        figures,
        notes: [
            `throttling budgets raised to ${RAISED_BUDGET.toLocaleString('en-US')} RU per 10 s (PATCH /control/graph) for the list and delta runs; defaults ${JSON.stringify(defaults)} for the last two`,
            `with default budgets the $top=999&$select listing of 100k users (1 RU a page, ${underDefaults.pages} RU) got no 429`,
            `naive client: /users without $select/$top, then one GET per user, ${NAIVE_CONCURRENCY} at a time, 429s retried at once; ` +
                `runs at most ${NAIVE_MS / 1000} s; ${naive.completed ? 'read every user' : 'stopped at the time bound'} after ${naive.ms} ms`,
            `a 100k tenant may spend ${defaults.large} RU in any ${windowSeconds} s: only a client faster than ${defaults.large / windowSeconds} RU/s on average is throttled, so the 429 count depends on the machine's speed`,
            'early retries = requests sent before an earlier Retry-After elapsed (counted by the simulator)',
        ],
    });
}

/** Follows nextLinks to the end of a collection or a delta round. */
async function pageAll(url: string, token: string): Promise<PagingRun> {
    const started = performance.now();
    const run: PagingRun = { users: 0, pages: 0, ms: 0, ids: [] };
    for (let next: string | undefined = url; next !== undefined;) {
        const body = await getJson(next, token);
        run.pages++;
        run.users += body.value.length;
        for (const user of body.value) run.ids.push(user.id);
        next = body['@odata.nextLink'];
        if (body['@odata.deltaLink']) run.deltaLink = body['@odata.deltaLink'];
    }
    run.ms = since(started);
    return run;
}

/**
 * A careless client: pages without $select or $top (100 users a page, 2 RU each), then GETs every
 * user one by one, NAIVE_CONCURRENCY at a time (1 RU each), and retries a 429 at once instead of
 * waiting for Retry-After. Bounded: stops after NAIVE_MS whether or not it has read every user.
 */
async function naivePass(origin: string, token: string) {
    const started = performance.now();
    const out = { requests: 0, throttled: 0, first429Ms: NaN, users: 0, completed: false, ms: 0 };
    const bounded = () => performance.now() - started < NAIVE_MS;
    /** GET with immediate retries on 429; undefined once the bounds are reached. */
    const get = async (url: string): Promise<Json> => {
        while (bounded()) {
            const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
            out.requests++;
            const body = await response.json();
            if (response.status === 429) {
                out.throttled++;
                if (out.throttled === 1) out.first429Ms = since(started);
            } else if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(body)}`);
            else return body;
        }
        return undefined;
    };
    const ids: string[] = [];
    for (let next: string | undefined = `${origin}/v1.0/users`; next !== undefined;) {
        const body = await get(next);
        if (body === undefined) break;
        for (const user of body.value) ids.push(user.id);
        next = body['@odata.nextLink'];
    }
    let cursor = 0;
    const worker = async () => {
        while (cursor < ids.length && bounded())
            if ((await get(`${origin}/v1.0/users/${ids[cursor++]}`)) !== undefined) out.users++;
    };
    await Promise.all(Array.from({ length: NAIVE_CONCURRENCY }, worker));
    out.completed = out.users === ids.length && ids.length > 0;
    out.ms = since(started);
    return out;
}

async function getJson(url: string, token: string): Promise<Json> {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.json();
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(body)}`);
    return body;
}

/** Consent in the tenant, then an app-only Graph token through MSAL, as test/support/simulator.ts does. */
async function tokens(sim: RunningSimulator, control: SimulatorControl['controlOk']) {
    const clientId = sim.identity.publisher.appClientId;
    const rotated = await control('POST', `/control/identity/apps/${clientId}/secrets/rotate`, { keepPrevious: true });
    const msal = new ConfidentialClientApplication({
        auth: {
            clientId,
            clientSecret: rotated.secret.value,
            authority: `${sim.origins.login}/organizations`,
            knownAuthorities: [new URL(sim.origins.login).host],
        },
        system: { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => undefined } },
    });
    return async (tenantId: string): Promise<string> => {
        await control('POST', `/control/tenants/${tenantId}/consent`, {});
        const result = await msal.acquireTokenByClientCredential({
            scopes: ['https://graph.microsoft.com/.default'],
            authority: `${sim.origins.login}/${tenantId}`,
        });
        if (!result) throw new Error('MSAL returned no token');
        return result.accessToken;
    };
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
