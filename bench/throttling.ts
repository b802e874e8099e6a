/**
 * The sync against Graph's throttling (issue 11, benchmark 5), with the simulator's page latency on:
 *
 *   NODE_EXTRA_CA_CERTS=.local/tls/ca.pem node --import tsx bench/throttling.ts [--large] [--reps N] [--json <file>]
 *
 * time limit: 600 s, with --large 1800 s
 *
 * 1. One tenant whose budget forces throttling: the per-tenant budget of its size lowered to
 *    TENANT_BUDGET resource units per 10 s (Graph's window), then a full sync through the local host's
 *    worker, as `POST /api/tenants/{id}/sync` runs it.
 * 2. 200 tenants syncing at once against the per-app budget (simulator `appBudget`/`appWindowSeconds`
 *    lowered): 200 deliveries of the real worker (src/sync/syncWorker.ts, as the queue trigger calls it)
 *    started together, on one instance of the app's services in this process, and again spread over
 *    34 instances (one MSAL client and one throttle gate each, as separate Functions instances have;
 *    6 deliveries each, as host.json lets one instance run). Continuations the worker queues are carried
 *    on by the stack's host.
 * From the simulator's request log: 429s, requests that came before their Retry-After elapsed
 * (`earlyRetry`), and the rate achieved as a fraction of what the budget allows over the same time:
 * a sliding window of W seconds admits at most B × (⌊T/W⌋ + 1) requests in any T seconds, so a client
 * that never wastes a unit scores 1.
 */
import type { Services } from '../src/app/services';
import { newRunId } from '../src/sync/syncMessage';
import {
    type ClientCall,
    graphRequestsSince,
    type LoggedRequest,
    logMark,
    recordGraphCalls,
    spanOf,
    withClientTimes,
} from './support/graphLog';
import { type Figure, type Goal, median, publish, round3 } from './support/report';
import { type BenchStack, GRAPH_LATENCY, LARGE, quietLogger, startBenchStack, repetitions } from './support/stack';
import { connectTenant, newTenant, requestSync, sleep, waitForRun } from './support/tenants';

const REPS = repetitions(2);
/** Scenario 1: a tenant of this size ("large" for Graph: over 500 users) and its lowered budget per 10 s. */
const TENANT_USERS = LARGE ? 20_000 : 3_000;
const TENANT_BUDGET = 5;
const TENANT_WINDOW_SECONDS = 10;
/** Scenario 2: tenants, users each (one page), the lowered app budget and its window. */
const TENANTS = 200;
const USERS_EACH = 100;
const APP_BUDGET = 100;
const APP_WINDOW_SECONDS = 10;
/**
 * The 200 deliveries run on one instance of the app (one process, one throttle gate: the local host),
 * and on as many as Azure scales out to for them: 6 deliveries per instance at once (host.json
 * batchSize 4 + newBatchThreshold 2), so 34 instances.
 */
const INSTANCE_COUNTS = [1, Math.ceil(TENANTS / 6)];

interface Throttled {
    requests: number;
    served: number;
    throttled: number;
    earlyRetries: number;
    seconds: number;
    /** Served requests / the most the budget admits over the same time. */
    share: number;
    totalMs: number;
    /** Early requests sent after a 429 had reached the same instance (the product could have known). */
    earlyKnown?: number;
}

/** Served requests against B × (⌊T/W⌋ + 1), T from the first request's arrival to the last served one's. */
function budgetShare(requests: readonly LoggedRequest[], budget: number, windowSeconds: number): Throttled {
    const span = spanOf(requests);
    const served = requests.filter((r) => r.status === 200);
    const lastServed = Math.max(...served.map((r) => r.at));
    const seconds = (lastServed - span.firstAt) / 1000;
    const allowed = budget * (Math.floor(seconds / windowSeconds) + 1);
    return {
        requests: span.requests,
        served: span.served,
        throttled: span.throttled,
        earlyRetries: span.earlyRetries,
        seconds: Math.round(seconds * 10) / 10,
        share: served.length / allowed,
        totalMs: span.lastEndAt - span.firstAt,
    };
}

async function main(): Promise<void> {
    const stack = await startBenchStack({ latency: GRAPH_LATENCY });
    const calls = recordGraphCalls(new URL(stack.settings.GRAPH_BASE_URL ?? '').origin);
    try {
        const defaults = (await stack.control('GET', '/control/graph')).settings.throttling;
        const token = await stack.apiToken();
        const single: Throttled[] = [];
        for (let rep = 1; rep <= REPS; rep++) {
            await stack.control('PATCH', '/control/graph', {
                throttling: { budgets: { large: TENANT_BUDGET }, windowSeconds: TENANT_WINDOW_SECONDS },
            });
            single.push(await oneTenant(stack, token, rep));
            await stack.control('PATCH', '/control/graph', { throttling: defaults });
        }
        const many = new Map<number, Throttled[]>(INSTANCE_COUNTS.map((count) => [count, []]));
        for (let rep = 1; rep <= REPS; rep++)
            for (const count of INSTANCE_COUNTS) {
                many.get(count)?.push(await manyTenants(stack, rep, count, calls));
                await stack.control('PATCH', '/control/graph', { throttling: defaults });
            }
        report(single, many);
    } catch (error) {
        console.error(stack.recentLines(40).join('\n'));
        throw error;
    } finally {
        await stack.stop();
    }
}

async function oneTenant(stack: BenchStack, token: string, rep: number): Promise<Throttled> {
    const tenantId = await newTenant(stack.control, `Bench throttled #${rep}`, TENANT_USERS);
    await connectTenant(stack.services, tenantId);
    await stack.control('DELETE', '/control/graph/throttling');
    const mark = await logMark(stack.control);
    const requested = await requestSync(stack, tenantId, token);
    const run = await waitForRun(stack.services, tenantId, requested.runId, 600_000, 100);
    if (run.outcome !== 'succeeded' || run.added !== TENANT_USERS)
        throw new Error(`throttled sync: ${run.outcome} ${run.errorCode ?? ''}, added ${run.added}`);
    const requests = await graphRequestsSince(stack.control, mark, tenantId);
    const result = budgetShare(requests, TENANT_BUDGET, TENANT_WINDOW_SECONDS);
    // Pages of one sync go one after another, so a request arrives right after it is sent.
    result.earlyKnown = requests.filter((r) => r.earlyRetry).length;
    console.log(
        `one tenant, repetition ${rep}: ${result.served} pages in ${result.seconds} s, ${result.throttled} × 429, ${result.earlyRetries} early, ${round3(result.share)} of the budget; the run waited ${run.waitedMs} ms`,
    );
    return result;
}

async function manyTenants(
    stack: BenchStack,
    rep: number,
    instanceCount: number,
    calls: Map<string, ClientCall[]>,
): Promise<Throttled> {
    const tenants: string[] = [];
    for (let i = 0; i < TENANTS; i++) {
        const tenantId = await newTenant(stack.control, `Bench app budget ${instanceCount}-${rep}-${i}`, USERS_EACH);
        await connectTenant(stack.services, tenantId);
        tenants.push(tenantId);
    }
    // Fresh instances (MSAL clients, throttle gates), each with its Key Vault secret read before the clock starts.
    const instances: Services[] = Array.from({ length: instanceCount }, () => stack.newServices());
    await Promise.all(instances.map((s) => s.appClient.withClient(() => Promise.resolve(undefined))));
    const instanceOf = new Map(tenants.map((tenantId, i) => [tenantId, i % instanceCount]));
    await stack.control('PATCH', '/control/graph', {
        throttling: { appBudget: APP_BUDGET, appWindowSeconds: APP_WINDOW_SECONDS },
    });
    await stack.control('DELETE', '/control/graph/throttling');
    const mark = await logMark(stack.control);
    const started = performance.now();
    // Every delivery starts at once: each instance runs its share of the tenants concurrently.
    await Promise.all(
        tenants.map((tenantId) => {
            const services = instances[instanceOf.get(tenantId) ?? 0] as Services;
            const now = Date.now();
            return services.syncWorker.handle(
                {
                    tenantId,
                    reason: 'schedule',
                    runId: newRunId(now, () => services.randomHex(4)),
                    requestedAt: new Date(now).toISOString(),
                },
                { invocationId: `bench-${rep}-${tenantId}`, logger: quietLogger() },
            );
        }),
    );
    const returnedMs = performance.now() - started;
    // Deliveries that Graph held longer than SYNC_MAX_INLINE_WAIT_SECONDS went back to the queue: the host carries them on.
    const deadline = Date.now() + 300_000;
    for (;;) {
        let pending = 0;
        for (const tenantId of tenants)
            if ((await stack.services.tenants.get(tenantId))?.record.lastRun?.outcome !== 'succeeded') pending += 1;
        if (pending === 0) break;
        if (Date.now() > deadline) throw new Error(`${pending} tenants did not finish within 300 s`);
        await sleep(500);
    }
    const ours = new Set(tenants);
    const requests = (await graphRequestsSince(stack.control, mark)).filter((r) => ours.has(r.tenant ?? ''));
    const result = budgetShare(requests, APP_BUDGET, APP_WINDOW_SECONDS);
    result.earlyKnown = knownEarly(requests, calls, (r) => instanceOf.get(r.tenant ?? '') ?? -1);
    console.log(
        `${TENANTS} tenants at once on ${instanceCount} instance(s), repetition ${rep}: ${result.served} pages in ${result.seconds} s (deliveries returned after ${Math.round(returnedMs)} ms), ${result.throttled} × 429, ${result.earlyRetries} early (${result.earlyKnown} after their instance had a 429), ${round3(result.share)} of the budget`,
    );
    return result;
}

/**
 * Of the requests the simulator flagged as early, those this process sent after a 429 had already
 * reached the same instance (the others were in flight when the refusal came, or came from an
 * instance that had not been refused yet). Send and answer times are the client's (recordGraphCalls).
 */
function knownEarly(
    requests: readonly LoggedRequest[],
    calls: Map<string, ClientCall[]>,
    instance: (r: LoggedRequest) => number,
): number {
    const timed = withClientTimes(requests, calls);
    const matched = timed.filter((r) => r.call !== undefined).length;
    // Requests the host carried on (continuations) are not this process's; nearly all others must match.
    if (matched < timed.length * 0.8)
        throw new Error(`only ${matched} of ${timed.length} requests matched a client record`);
    const refusals = timed.filter((r) => r.status === 429 && r.call?.answeredAt !== undefined);
    return timed.filter((r) => {
        const sentAt = r.call?.sentAt;
        if (!r.earlyRetry || sentAt === undefined) return false;
        return refusals.some((q) => instance(q) === instance(r) && (q.call?.answeredAt ?? Infinity) < sentAt);
    }).length;
}

function report(single: Throttled[], many: Map<number, Throttled[]>): void {
    const mid = (runs: Throttled[], pick: (t: Throttled) => number) => median(runs.map(pick));
    const scenarios: Array<[string, string, Throttled[]]> = [
        ['one tenant', `one tenant, ${TENANT_BUDGET} RU per ${TENANT_WINDOW_SECONDS} s`, single],
        ...[...many].map(([count, runs]): [string, string, Throttled[]] => [
            `${TENANTS} tenants, ${count} instance${count === 1 ? '' : 's'}`,
            `${TENANTS} tenants at once on ${count} app instance${count === 1 ? '' : 's'}, app budget ${APP_BUDGET} RU per ${APP_WINDOW_SECONDS} s`,
            runs,
        ]),
    ];
    const figures: Figure[] = [];
    const goals: Goal[] = [];
    for (const [label, long, runs] of scenarios) {
        figures.push(
            { name: `${label}: Graph requests`, value: mid(runs, (t) => t.requests), unit: 'requests' },
            { name: `${label}: 429s`, value: mid(runs, (t) => t.throttled), unit: '429s' },
            { name: `${label}: early retries (simulator)`, value: mid(runs, (t) => t.earlyRetries), unit: 'requests' },
            {
                name: `${label}: of those, sent after the instance had a 429`,
                value: mid(runs, (t) => t.earlyKnown ?? 0),
                unit: 'requests',
            },
            { name: `${label}: first request → last page served`, value: mid(runs, (t) => t.seconds), unit: 's' },
            { name: `${label}: achieved / budget`, value: round3(mid(runs, (t) => t.share)), unit: '' },
        );
        const early = Math.max(...runs.map((t) => t.earlyRetries));
        const known = Math.max(...runs.map((t) => t.earlyKnown ?? 0));
        const share = mid(runs, (t) => t.share);
        goals.push(
            {
                name: `Throttling, ${long}: requests before Retry-After elapsed`,
                measured: early,
                unit: 'requests',
                goal: '= 0',
                met: early === 0,
                ...(early === 0
                    ? {}
                    : {
                          limitedBy: `${early - known} of the ${early} were sent before any 429 had reached the instance that sent them (in flight at once, or on another instance: throttle gates are per process), ${known} after`,
                      }),
            },
            {
                name: `Throttling, ${long}: achieved rate / budget`,
                measured: round3(share),
                unit: '',
                goal: '≥ 0.7',
                met: share >= 0.7,
                ...(share >= 0.7
                    ? {}
                    : {
                          limitedBy: `${mid(runs, (t) => t.throttled)} refused requests were charged to the budget too (every request accrues), and holds grew with each early one`,
                      }),
            },
        );
    }
    publish({
        bench: 'throttling',
        figures,
        goals,
        notes: [
            `Graph page latency ${GRAPH_LATENCY.fixedMs} ms + ${GRAPH_LATENCY.perUserMs} ms per user; every request of the sync costs 1 resource unit ($select), refused ones too`,
            `one tenant: ${TENANT_USERS} users (${TENANT_USERS / 200} pages), budget ${TENANT_BUDGET} RU per ${TENANT_WINDOW_SECONDS} s, synced through the local host; median of ${REPS}`,
            `${TENANTS} tenants of ${USERS_EACH} users (one page each), app budget ${APP_BUDGET} RU per ${APP_WINDOW_SECONDS} s, all deliveries started at once on ${INSTANCE_COUNTS.join(' and on ')} instance(s); median of ${REPS}`,
            'achieved / budget = pages served ÷ the most a sliding window admits between the first request and the last page served, B × (⌊T/W⌋ + 1)',
            'early retries: the worst repetition; requests the simulator flagged earlyRetry (they arrived while a Retry-After for that app and tenant, or for the whole app, still held)',
        ],
        settings: {
            latency: GRAPH_LATENCY,
            oneTenant: { users: TENANT_USERS, budget: TENANT_BUDGET, windowSeconds: TENANT_WINDOW_SECONDS },
            appBudget: {
                tenants: TENANTS,
                usersEach: USERS_EACH,
                budget: APP_BUDGET,
                windowSeconds: APP_WINDOW_SECONDS,
                instances: INSTANCE_COUNTS,
            },
            repetitions: REPS,
        },
    });
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
