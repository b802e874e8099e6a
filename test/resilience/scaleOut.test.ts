/**
 * Scenario 4, scale-out: three local host processes drain the same queue for 50 tenants. Each host's
 * timer fires every few seconds (no singleton lock here, so all three fan out), operators call
 * POST /api/sync on every host, and ten manual sync requests for one tenant arrive at once, three times,
 * spread over the hosts. Every tenant ends exact, the run records show that no two rounds of one tenant
 * ever overlapped, and every requested run ends.
 */
import type { SyncRun } from '../../src/sync/runsStore';
import { randomChanges, seededRandom } from '../support/syncHarness';
import { waitFor } from '../support/poll';
import { allRuns, expectExact, finishedRun, mapLimited, requestSync, scenarioSeed } from './support/product';
import { type ResilienceStack, startStack } from './support/stack';
import { itLeavesNoSecretInLogs } from './support/secrets';

const SEED = scenarioSeed(4);
const TENANTS = 50;
const WAVES = 3;
const AT_ONCE = 10;

let stack: ResilienceStack;
beforeAll(async () => {
    stack = await startStack({
        suite: 'scale-out',
        hosts: 3,
        latency: { fixedMs: 100, perUserMs: 0.2 },
        settings: { SYNC_SCHEDULE: '*/5 * * * * *', SYNC_JITTER_SECONDS: '3' },
    });
}, 180_000);
afterAll(() => stack?.stop());

/** Rounds of one tenant from its run records (runs answered by one round share its start and end), in order. */
function roundsOf(runs: SyncRun[]): { start: number; end: number; runIds: string[] }[] {
    const byRound = new Map<string, { start: number; end: number; runIds: string[] }>();
    for (const run of runs) {
        if (run.startedAt === undefined || run.finishedAt === undefined) continue;
        const key = `${run.startedAt}|${run.finishedAt}`;
        const round = byRound.get(key) ?? {
            start: Date.parse(run.startedAt),
            end: Date.parse(run.finishedAt),
            runIds: [],
        };
        round.runIds.push(run.runId);
        byRound.set(key, round);
    }
    return [...byRound.values()].sort((a, b) => a.start - b.start);
}

describe(`scale-out (seed ${SEED})`, () => {
    it(`3 hosts, ${TENANTS} tenants, the timer and POST /api/sync on every host, ${WAVES} × ${AT_ONCE} manual requests for one tenant at once`, async () => {
        const random = seededRandom(SEED);
        const hosts = stack.hosts;
        const started = Date.now();
        const sizes = Array.from({ length: TENANTS - 1 }, () => 20 + Math.floor(random() * 700));
        const tenants = await mapLimited(sizes, 6, (size, i) => stack.createTenant(`Scale ${i}`, size));
        const hot = await stack.createTenant('Scale Hot', 2000);
        tenants.push(hot);
        for (const tenantId of tenants) await stack.connectTenant(tenantId);

        // The timers find them; operators ask for a fan-out on every host as well.
        const token = await stack.operationsToken();
        for (const host of hosts) {
            const fanOut = await stack.request(host, 'POST', '/api/sync', {
                headers: { authorization: `Bearer ${token}` },
            });
            expect(fanOut.status).toBe(202);
            expect(fanOut.body).toMatchObject({ seen: expect.any(Number), enqueued: expect.any(Number) });
        }
        await waitFor(
            `all ${TENANTS} tenants to finish their first sync`,
            async () => {
                const records = await Promise.all(tenants.map((tenantId) => stack.tenant(tenantId)));
                return records.every((r) => r?.lastRun?.outcome === 'succeeded') ? true : undefined;
            },
            { timeoutMs: 240_000, intervalMs: 500 },
        );
        const firstSyncs = Math.round((Date.now() - started) / 1000);

        // Changes everywhere; each changed tenant is asked for by an operator on a random host, and the hot
        // tenant gets ten requests at once, three times over, spread over the hosts.
        const requested: { tenantId: string; runId: string }[] = [];
        const changed = tenants.filter((t) => t !== hot);
        await mapLimited(changed, 6, (tenantId, i) => randomChanges(stack, tenantId, seededRandom(SEED + i), 8));
        for (const tenantId of changed) {
            const host = hosts[Math.floor(random() * hosts.length)]!;
            requested.push({ tenantId, runId: await requestSync(stack, host, tenantId) });
        }
        for (let wave = 0; wave < WAVES; wave++) {
            await randomChanges(stack, hot, seededRandom(SEED + 100 + wave), 60);
            const runIds = await Promise.all(
                Array.from({ length: AT_ONCE }, (_, i) => requestSync(stack, hosts[i % hosts.length]!, hot)),
            );
            requested.push(...runIds.map((runId) => ({ tenantId: hot, runId })));
            // The next wave comes while this one's round is running.
            await waitFor(
                'a round of the hot tenant to start',
                async () => ((await stack.tenant(hot))?.round !== undefined ? true : undefined),
                { timeoutMs: 60_000, intervalMs: 20 },
            );
        }
        for (const host of hosts) {
            const fanOut = await stack.request(host, 'POST', '/api/sync', {
                headers: { authorization: `Bearer ${token}` },
            });
            expect(fanOut.status).toBe(202);
        }

        // No request lost: every requested run ends, and ends well.
        const runs = await mapLimited(requested, 8, ({ tenantId, runId }) =>
            finishedRun(stack, tenantId, runId, 180_000),
        );
        expect(
            runs.filter((r) => r.outcome !== 'succeeded').map((r) => `${r.tenantId} ${r.runId} ${r.outcome}`),
        ).toEqual([]);
        const allDone = Math.round((Date.now() - started) / 1000);

        // Every tenant exact.
        for (const tenantId of tenants) await expectExact(stack, tenantId);

        // Never two rounds of one tenant at the same moment.
        let roundCount = 0;
        for (const tenantId of tenants) {
            const rounds = roundsOf(await allRuns(stack, tenantId));
            roundCount += rounds.length;
            for (let i = 1; i < rounds.length; i++) {
                const [before, after] = [rounds[i - 1]!, rounds[i]!];
                expect({ tenantId, round: after.runIds, startedBeforePreviousEnded: after.start < before.end }).toEqual(
                    {
                        tenantId,
                        round: after.runIds,
                        startedBeforePreviousEnded: false,
                    },
                );
            }
        }
        const hotRounds = roundsOf(await allRuns(stack, hot));

        // The contention was real: all three hosts synced, and requests met running rounds.
        const perHost = hosts.map((h) => h.process.lines.filter((l) => l.includes(' sync succeeded ')).length);
        const remembered = stack.logs.matching(/action=remembered/).length;
        const busy = stack.logs.matching(/a sync of this tenant is running|another delivery holds the lease/).length;
        console.log(
            `scale-out: first syncs of ${TENANTS} tenants in ${firstSyncs} s, every requested run (${requested.length}) ` +
                `finished ${allDone} s after the start; ${roundCount} rounds in all, ${hotRounds.length} of the hot tenant; ` +
                `rounds per host ${perHost.join('/')}; requests remembered behind a running round: ${remembered}; ` +
                `deliveries that found the tenant busy: ${busy}`,
        );
        for (const count of perHost) expect(count).toBeGreaterThan(0);
        expect(remembered).toBeGreaterThan(0);
        // Ten requests at once are answered by far fewer rounds than requests.
        expect(hotRounds.length).toBeLessThan(1 + WAVES * AT_ONCE);
    }, 600_000);
});

itLeavesNoSecretInLogs(() => stack);
