/**
 * Scenario 2, fault storms: Graph answers a third of its requests with 429 and Retry-After, fails with
 * 503s, cuts bodies off mid-stream, drops connections, sends malformed JSON, answers slowly or stalls a
 * body beyond the client's timeout — one storm per tenant, all at once — and a next link that repeats a
 * page stops the round with an error instead of looping or deleting. Every tenant ends exact.
 *
 * The mass-deletion guard is off here (SYNC_MAX_DELETE_PERCENT=100): only the paging-loop check may stand
 * between a repeated next link and a sweep of the users the round never saw.
 */
import { TIMER_NEVER, type ResilienceStack, startStack } from './support/stack';
import { itLeavesNoSecretInLogs } from './support/secrets';
import { randomChanges, seededRandom } from '../support/syncHarness';
import { waitFor } from '../support/poll';
import { expectExact, finishedRun, mapLimited, requestSync, scenarioSeed } from './support/product';
import type { Json } from '../support/simulator';

const SEED = scenarioSeed(7);
const USERS = 1000;

let stack: ResilienceStack;
beforeAll(async () => {
    stack = await startStack({
        suite: 'fault-storms',
        latency: { fixedMs: 100, perUserMs: 0.5 },
        settings: {
            SYNC_SCHEDULE: TIMER_NEVER,
            // A Retry-After above 2 s re-queues the round instead of waiting in place.
            SYNC_MAX_INLINE_WAIT_SECONDS: '2',
            SYNC_MAX_DELETE_PERCENT: '100',
        },
    });
}, 120_000);
afterAll(() => stack?.stop());

const DELTA = '/v1.0/users/delta';

/**
 * Fault rules per storm, each limited to its own tenant. The first rule of each hits the first request
 * it matches (so every storm certainly happens); the rest hit at random (the simulator's seeded draw).
 */
const STORMS: Record<string, Json[]> = {
    'throttled (429 with Retry-After on a third of the requests)': [
        { status: 429, retryAfter: 1, count: 1 },
        { status: 429, retryAfter: 4, rate: 0.15, count: 2 },
        { status: 429, retryAfter: 1, rate: 0.33 },
    ],
    'unavailable (503s, with and without Retry-After)': [
        { status: 503, count: 1 },
        { status: 503, retryAfter: 1, rate: 0.2 },
        { status: 503, rate: 0.25 },
    ],
    'connections reset (bodies cut off mid-stream, connections dropped)': [
        { truncateBody: true, count: 1 },
        { truncateBody: true, rate: 0.3 },
        { reset: true, rate: 0.2 },
    ],
    'malformed JSON': [
        { malformedJson: true, count: 1 },
        { malformedJson: true, rate: 0.33 },
    ],
    'slow (3 s answers, one body stalled beyond the 30 s client timeout)': [
        { stallBodyMs: 35_000, count: 1 },
        { latencyMs: 3000, rate: 0.3 },
    ],
};

async function addFaults(tenantId: string, rules: Json[]): Promise<number[]> {
    const ids: number[] = [];
    for (const rule of rules) {
        const answer = await stack.sim.control('POST', '/control/faults', {
            service: 'graph',
            path: DELTA,
            tenant: tenantId,
            ...rule,
        });
        if (answer.status !== 201)
            throw new Error(`fault rule ${JSON.stringify(rule)}: ${answer.status} ${JSON.stringify(answer.body)}`);
        ids.push(answer.body.id as number);
    }
    return ids;
}

async function graphRequests(since: number, tenantId: string): Promise<Json[]> {
    return (await stack.sim.requestsSince(since, 'graph')).filter((r) => r.tenant === tenantId);
}

describe(`fault storms (seed ${SEED})`, () => {
    it('every storm at once, one per tenant, plus all of them on a delta round: every tenant ends exact, no request before its Retry-After', async () => {
        const names = Object.keys(STORMS);
        const tenants = await mapLimited(names, 3, (name, i) => stack.createTenant(`Storm ${i}`, USERS));
        const mixed = await stack.createTenant('Storm Mixed Delta', USERS);
        for (const tenantId of [...tenants, mixed]) await stack.connectTenant(tenantId);
        const host = stack.hosts[0]!;

        // The mixed tenant: a clean first sync, then changes, then a delta round through every fault at once.
        const clean = await requestSync(stack, host, mixed);
        expect((await finishedRun(stack, mixed, clean)).outcome).toBe('succeeded');
        await randomChanges(stack, mixed, seededRandom(SEED), 400);

        const since = await stack.sim.lastRequestSeq();
        for (const [i, name] of names.entries()) await addFaults(tenants[i]!, STORMS[name]!);
        await addFaults(mixed, [
            { stallBodyMs: 35_000, count: 1 },
            { status: 429, retryAfter: 1, rate: 0.15 },
            { status: 503, rate: 0.1 },
            { truncateBody: true, rate: 0.1 },
            { reset: true, rate: 0.05 },
            { malformedJson: true, rate: 0.1 },
            { latencyMs: 1500, rate: 0.1 },
        ]);
        const started = Date.now();
        const runIds = await mapLimited([...tenants, mixed], 6, (tenantId) => requestSync(stack, host, tenantId));
        const runs = await mapLimited([...tenants, mixed], 6, (tenantId, i) =>
            finishedRun(stack, tenantId, runIds[i]!, 240_000),
        );
        console.log(
            `fault storms: ${runs.length} runs finished in ${Math.round((Date.now() - started) / 1000)} s\n` +
                runs
                    .map(
                        (run, i) =>
                            `  ${names[i] ?? 'everything at once (delta round)'}: ${run.outcome}, ${run.invocations} invocation(s), ` +
                            `${run.graphRequests} Graph requests, ${run.throttled} throttled, waited ${run.waitedMs} ms`,
                    )
                    .join('\n'),
        );
        expect(runs.map((r) => r.outcome)).toEqual(runs.map(() => 'succeeded'));
        for (const tenantId of [...tenants, mixed]) await expectExact(stack, tenantId);

        const faulted = new Map<string, number>();
        for (const tenantId of [...tenants, mixed]) {
            const requests = await graphRequests(since, tenantId);
            faulted.set(tenantId, requests.filter((r) => r.faulted === true).length);
            // Graph's rule: never a request for the tenant before the Retry-After it was given has elapsed.
            expect({ tenantId, early: requests.filter((r) => r.earlyRetry === true).length }).toEqual({
                tenantId,
                early: 0,
            });
        }
        // The storms did happen: every tenant got faults, the throttled one its 429s.
        for (const tenantId of [...tenants, mixed]) expect(faulted.get(tenantId)).toBeGreaterThan(0);
        expect(runs[0]?.throttled).toBeGreaterThan(0);
        await stack.sim.control('DELETE', '/control/faults');
    }, 400_000);

    it('a next link that repeats a page stops the round with an error: no loop, nothing deleted, and the next sync is exact', async () => {
        const host = stack.hosts[0]!;
        const tenantId = await stack.createTenant('Storm Repeat', USERS);
        await stack.connectTenant(tenantId);
        const first = await requestSync(stack, host, tenantId);
        expect((await finishedRun(stack, tenantId, first)).outcome).toBe('succeeded');
        const before = await expectExact(stack, tenantId);

        // Graph drops the delta state (410): a full round with mark-and-sweep starts. Once two of its pages
        // are in, every next link leads back to the page just served.
        await addFaults(tenantId, [{ status: 410, count: 1 }]);
        const since = await stack.sim.lastRequestSeq();
        const runId = await requestSync(stack, host, tenantId);
        await waitFor(
            'the full round to commit two pages',
            async () => {
                const round = (await stack.tenant(tenantId))?.round;
                return round?.mode === 'full' && round.pages >= 2 ? true : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 20 },
        );
        await addFaults(tenantId, [{ repeatNextLink: true }]);
        const run = await finishedRun(stack, tenantId, runId);
        expect(run).toMatchObject({ outcome: 'failed', errorCode: 'graph_paging_loop' });
        // It stopped at once: the 410, the pages before the loop, the repeated page at most twice.
        const requests = await graphRequests(since, tenantId);
        expect(requests.length).toBeLessThanOrEqual(8);
        // Had the round been taken as complete, the sweep would have deleted every user it never saw.
        expect(await expectExact(stack, tenantId)).toBe(before);
        expect(await stack.tenant(tenantId)).toMatchObject({ status: 'active', round: undefined });

        await stack.sim.control('DELETE', '/control/faults');
        const again = await requestSync(stack, host, tenantId);
        expect((await finishedRun(stack, tenantId, again)).outcome).toBe('succeeded');
        await expectExact(stack, tenantId);
    }, 180_000);
});

itLeavesNoSecretInLogs(() => stack);
