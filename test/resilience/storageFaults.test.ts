/**
 * Scenario 3, storage faults: Azurite (persisted on disk) is stopped in the middle of two rounds — a
 * first full one and a delta one — and started again on the same ports with the same data once the
 * product has felt it. The host keeps running, the rounds resume from their checkpoints, both tenants
 * end exact and no message is lost or poisoned.
 */
import { randomChanges, seededRandom } from '../support/syncHarness';
import { waitFor } from '../support/poll';
import { expectExact, finishedRun, poisonMessages, requestSync, scenarioSeed } from './support/product';
import { type ResilienceStack, startStack } from './support/stack';
import { itLeavesNoSecretInLogs } from './support/secrets';

const SEED = scenarioSeed(3);

let stack: ResilienceStack;
beforeAll(async () => {
    stack = await startStack({
        suite: 'storage-faults',
        persistedAzurite: true,
        latency: { fixedMs: 300, perUserMs: 0.5 },
    });
}, 120_000);
afterAll(() => stack?.stop());

describe(`storage faults (seed ${SEED})`, () => {
    it('Azurite stopped and started again mid-round: both rounds resume and end exact', async () => {
        const host = stack.hosts[0]!;
        const full = await stack.createTenant('Storage Full', 2000);
        const delta = await stack.createTenant('Storage Delta', 1000);
        for (const tenantId of [full, delta]) await stack.connectTenant(tenantId);
        const first = await requestSync(stack, host, delta);
        expect((await finishedRun(stack, delta, first)).outcome).toBe('succeeded');
        await randomChanges(stack, delta, seededRandom(SEED), 500);

        const runs = { full: await requestSync(stack, host, full), delta: await requestSync(stack, host, delta) };
        await waitFor(
            'both rounds to be under way (two pages of the full one committed)',
            async () => {
                const [f, d] = await Promise.all([stack.tenant(full), stack.tenant(delta)]);
                return f?.round?.runId === runs.full && f.round.pages >= 2 && d?.round?.runId === runs.delta
                    ? true
                    : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 20 },
        );
        const linesBefore = host.process.lines.length;
        const stoppedAt = Date.now();
        await stack.stopAzurite();
        // Down until the sync itself has given up on storage (the SDK's own retries ride out a short outage).
        const felt = await waitFor(
            'a sync invocation to fail on storage',
            () =>
                host.process.lines
                    .slice(linesBefore)
                    .find((line) => /syncWorker\[.*(sync interrupted|Executed \(Failed)/.test(line)),
            { timeoutMs: 90_000, intervalMs: 200, whileRunning: host.process.child },
        );
        const downMs = Date.now() - stoppedAt;
        await stack.startAzuriteAgain();
        console.log(`storage faults: Azurite down for ${downMs} ms; first sign in the host log: ${felt.slice(0, 240)}`);

        const finished = {
            full: await finishedRun(stack, full, runs.full, 240_000),
            delta: await finishedRun(stack, delta, runs.delta, 240_000),
        };
        console.log(
            `storage faults: runs finished ${Math.round((Date.now() - stoppedAt) / 1000)} s after the stop; ` +
                `full: ${finished.full.invocations} invocation(s), delta: ${finished.delta.invocations}`,
        );
        expect(finished.full.outcome).toBe('succeeded');
        expect(finished.delta.outcome).toBe('succeeded');
        await expectExact(stack, full);
        await expectExact(stack, delta);
        expect(await poisonMessages(stack)).toEqual([]);
        // The host rode it out: still the same process, still serving.
        expect(host.process.child.exitInfo).toBeUndefined();
        expect((await stack.request(host, 'GET', '/api/health')).status).toBe(200);
    }, 400_000);
});

itLeavesNoSecretInLogs(() => stack);
