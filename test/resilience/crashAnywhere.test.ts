/**
 * Scenario 1, crash anywhere: the worker process is killed with SIGKILL at a random moment of a
 * multi-page round — during a fetch, mid-batch, between a batch and its checkpoint — and the host
 * redelivers the message. The timer never fires here: only redelivery can carry a round on.
 */
import { seededRandom, randomChanges } from '../support/syncHarness';
import { waitFor } from '../support/poll';
import {
    expectExact,
    finishedRun,
    mapLimited,
    poisonMessages,
    requestSync,
    scenarioSeed,
    sleep,
    writeTimes,
} from './support/product';
import { type ResilienceStack, startStack } from './support/stack';
import { itLeavesNoSecretInLogs } from './support/secrets';

const SEED = scenarioSeed(20251);
const TRIALS = 20;
const LATENCY = { fixedMs: 250, perUserMs: 1 };
/** The simulator's delta page size. */
const PAGE = 200;
const PAGE_MS = LATENCY.fixedMs + LATENCY.perUserMs * PAGE;
/** Long enough for Azurite to finish a transaction it received before the kill. */
const KILL_SETTLE_MS = 300;

interface Trial {
    index: number;
    tenantId: string;
    kind: 'full' | 'delta';
    runId: string;
    /** Committed pages to wait for, and how the kill moment is chosen after that. */
    plan: string;
    killedAt?: number;
    committedPages?: number;
    /** Users written after the last checkpoint (the batch in hand when the worker died). */
    uncheckpointed?: number;
    fetchInFlight?: boolean;
    missed?: boolean;
}

let stack: ResilienceStack;
beforeAll(async () => {
    stack = await startStack({ suite: 'crash-anywhere', latency: LATENCY });
}, 120_000);
afterAll(() => stack?.stop());

describe(`crash anywhere (seed ${SEED}; RESILIENCE_SEED=<n> repeats another)`, () => {
    const trials: Trial[] = [];

    it(`${TRIALS} SIGKILLs of the worker at random moments of multi-page rounds; every round resumes and ends exact`, async () => {
        const random = seededRandom(SEED);
        const host = stack.hosts[0]!;
        const started = Date.now();

        // Half the trials crash a first (full, mark-and-sweep) round, half a delta round with creates, updates,
        // soft and hard deletes and restores. Delta tenants are synced once first, then changed.
        const fullTenants = await mapLimited(Array.from({ length: TRIALS }), 4, (_, i) =>
            stack.createTenant(`Crash Full ${i}`, 1000),
        );
        const deltaTenants = await mapLimited(Array.from({ length: TRIALS / 2 }), 4, (_, i) =>
            stack.createTenant(`Crash Delta ${i}`, 1000),
        );
        for (const tenantId of [...fullTenants, ...deltaTenants]) await stack.connectTenant(tenantId);
        const firstRuns = await mapLimited(deltaTenants, 5, (tenantId) => requestSync(stack, host, tenantId));
        await mapLimited(deltaTenants, 5, async (tenantId, i) => {
            expect((await finishedRun(stack, tenantId, firstRuns[i]!)).outcome).toBe('succeeded');
            // About 150 deletions (15 %, under the mass-deletion guard) and at least 3 delta pages.
            await randomChanges(stack, tenantId, seededRandom(SEED + i), 600);
        });

        const queue: { tenantId: string; kind: Trial['kind'] }[] = [];
        for (let i = 0; i < TRIALS / 2; i++)
            queue.push({ tenantId: deltaTenants[i]!, kind: 'delta' }, { tenantId: fullTenants[i]!, kind: 'full' });
        const spares = fullTenants.slice(TRIALS / 2);

        while (trials.filter((t) => !t.missed).length < TRIALS) {
            const next = queue.shift() ?? { tenantId: spares.shift() ?? '', kind: 'full' as const };
            if (next.tenantId === '') throw new Error(`too many kills missed their round: ${summarize(trials)}`);
            trials.push(await crashOnce(trials.length + 1, next.tenantId, next.kind, random));
        }
        console.log(
            `crash anywhere: ${TRIALS} kills in ${Math.round((Date.now() - started) / 1000)} s\n${summarize(trials)}`,
        );

        // Redelivery alone carries every round on (after the dead worker's tenant lease runs out).
        const effective = trials.filter((t) => !t.missed);
        const runs = await mapLimited(effective, 4, (t) => finishedRun(stack, t.tenantId, t.runId, 240_000));
        console.log(
            `crash anywhere: every run finished ${Math.round((Date.now() - started) / 1000)} s after the start`,
        );
        expect(runs.map((r) => ({ runId: r.runId, outcome: r.outcome }))).toEqual(
            effective.map((t) => ({ runId: t.runId, outcome: 'succeeded' })),
        );
        // Each was interrupted and resumed by another invocation.
        for (const run of runs) expect(run.invocations).toBeGreaterThanOrEqual(2);
        for (const trial of effective) await expectExact(stack, trial.tenantId);
        expect(await poisonMessages(stack)).toEqual([]);
    }, 600_000);

    it('the kills landed during fetches, with written but uncheckpointed batches, and between pages', () => {
        const effective = trials.filter((t) => !t.missed);
        expect(effective.length).toBeGreaterThanOrEqual(TRIALS);
        expect(effective.filter((t) => t.fetchInFlight).length).toBeGreaterThan(0);
        expect(effective.filter((t) => (t.uncheckpointed ?? 0) > 0).length).toBeGreaterThan(0);
        expect(effective.filter((t) => (t.committedPages ?? 0) > 0).length).toBeGreaterThan(0);
        expect(effective.filter((t) => t.kind === 'delta').length).toBeGreaterThan(0);
    });

    async function crashOnce(
        index: number,
        tenantId: string,
        kind: Trial['kind'],
        random: () => number,
    ): Promise<Trial> {
        const host = stack.hosts[0]!;
        // A full round of 1,000 users has 5 pages; a delta round after 600 changes at least 3 (some
        // changes touch the same user), so a kill waits for at most 2 of them.
        const waitPages = Math.floor(random() * (kind === 'full' ? 5 : 2));
        const afterArrival = random() < 0.5;
        const delayMs = Math.floor(random() * (afterArrival ? 120 : PAGE_MS));
        const plan = afterArrival
            ? `${delayMs} ms after page ${waitPages + 1} arrived`
            : `${delayMs} ms after ${waitPages} page(s) committed`;
        const since = await stack.sim.lastRequestSeq();
        const runId = await requestSync(stack, host, tenantId);
        const trial: Trial = { index, tenantId, kind, runId, plan };

        const reached = await waitFor(
            () => `trial ${index}: ${plan}`,
            async () => {
                if ((await stack.services.runs.get(tenantId, runId))?.finishedAt !== undefined) return 'finished';
                if (afterArrival) {
                    const answered = (await stack.sim.requestsSince(since, 'graph')).filter(
                        (r) => r.tenant === tenantId && String(r.path).includes('/users/delta') && r.status === 200,
                    );
                    return answered.length > waitPages ? 'reached' : undefined;
                }
                const round = (await stack.tenant(tenantId))?.round;
                return round?.runId === runId && round.pages >= waitPages ? 'reached' : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 10, whileRunning: host.process.child },
        );
        if (reached === 'finished') return { ...trial, missed: true };
        await sleep(delayMs);
        const killed = await host.killWorker();
        trial.killedAt = killed.at;
        // A transaction the worker had sent before it died still commits in Azurite: wait for it to land,
        // so the batch in hand at the kill is counted (nothing else writes this tenant until the lease ends).
        await sleep(KILL_SETTLE_MS);

        const [record, run, times] = await Promise.all([
            stack.tenant(tenantId),
            stack.services.runs.get(tenantId, runId),
            writeTimes(stack, tenantId),
        ]);
        if (run?.finishedAt !== undefined || record?.round?.runId !== runId) {
            trial.missed = true;
            return trial;
        }
        trial.committedPages = record.round.pages;
        trial.uncheckpointed = times.users.filter((t) => t > times.tenantRow).length;
        // The simulator logs a request when it answers: by now the one the worker was waiting for is in.
        const graph = await waitFor(
            'the simulator to log the request in flight at the kill',
            async () => {
                const requests = (await stack.sim.requestsSince(since, 'graph')).filter((r) => r.tenant === tenantId);
                const inFlightAtKill = requests.some(
                    (r) => Date.parse(r.time) <= killed.at && Date.parse(r.time) + Number(r.durationMs) >= killed.at,
                );
                return inFlightAtKill || Date.now() - killed.at > PAGE_MS * 2 ? requests : undefined;
            },
            { timeoutMs: 30_000 },
        );
        trial.fetchInFlight = graph.some(
            (r) => Date.parse(r.time) <= killed.at && Date.parse(r.time) + Number(r.durationMs) >= killed.at,
        );
        return trial;
    }
});

function summarize(trials: Trial[]): string {
    return trials
        .map((t) =>
            t.missed
                ? `  #${t.index} ${t.kind} (${t.plan}): the round had finished before the kill; not counted`
                : `  #${t.index} ${t.kind} (${t.plan}): ${t.committedPages} page(s) checkpointed, ` +
                  `${t.uncheckpointed} user(s) written after the checkpoint, fetch in flight: ${t.fetchInFlight ? 'yes' : 'no'}`,
        )
        .join('\n');
}

itLeavesNoSecretInLogs(() => stack);
