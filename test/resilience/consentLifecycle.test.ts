/**
 * Scenario 6, consent lifecycle: the tenant's admin revokes our consent in the middle of a round. The
 * round fails with `consent_required`, the tenant waits for its admin — no retries, no token or Graph
 * requests while the timer keeps firing and an operator asks for syncs — and once consent is granted
 * again the next sync makes the table exact, changes made meanwhile included.
 *
 * Tokens live 60 s here (the simulator's shortest): MSAL renews a token within 5 minutes of its expiry,
 * so every Graph request asks for a new one and a revocation bites on the next page, as it would with
 * a long-lived token once that token expired.
 */
import { randomChanges, seededRandom } from '../support/syncHarness';
import { waitFor } from '../support/poll';
import { expectExact, finishedRun, requestSync, scenarioSeed, updateUsers } from './support/product';
import { type ResilienceStack, startStack } from './support/stack';
import { itLeavesNoSecretInLogs } from './support/secrets';

const SEED = scenarioSeed(6);

let stack: ResilienceStack;
beforeAll(async () => {
    stack = await startStack({
        suite: 'consent-lifecycle',
        latency: { fixedMs: 300, perUserMs: 0.5 },
        // The timer fires every 2 seconds, with no jitter: it would be the first to retry.
        settings: { SYNC_SCHEDULE: '*/2 * * * * *', SYNC_JITTER_SECONDS: '0' },
    });
    const tuned = await stack.sim.control('POST', '/control/identity/settings', { tokenLifetimeSeconds: 60 });
    if (tuned.status !== 200) throw new Error(`identity settings: ${tuned.status}`);
}, 120_000);
afterAll(() => stack?.stop());

const timerRuns = (host: ResilienceStack['hosts'][number]) =>
    host.process.lines.filter((line) => /syncTimer\[[^\]]+\] Executed \(Succeeded/.test(line)).length;

describe(`consent lifecycle (seed ${SEED})`, () => {
    it('revoked mid-round: consent_required, then silence; granted again: the next sync is exact', async () => {
        const host = stack.hosts[0]!;
        const tenantId = await stack.createTenant('Consent Lifecycle', 1200);
        await stack.connectTenant(tenantId);
        // The timer finds the new tenant and syncs it.
        await waitFor(
            'the timer to sync the new tenant',
            async () => ((await stack.tenant(tenantId))?.lastRun?.outcome === 'succeeded' ? true : undefined),
            { timeoutMs: 60_000, intervalMs: 250, whileRunning: host.process.child },
        );
        await expectExact(stack, tenantId);

        // A delta round of 5 pages: creates, deletes and restores, and 900 users changed.
        await randomChanges(stack, tenantId, seededRandom(SEED), 100);
        await updateUsers(stack, tenantId, 900, seededRandom(SEED + 2));
        const runId = await requestSync(stack, host, tenantId);
        await waitFor(
            'the delta round to commit its first page',
            async () => {
                const round = (await stack.tenant(tenantId))?.round;
                return round?.runId === runId && round.pages >= 1 ? true : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 20 },
        );
        const revoked = await stack.sim.control('POST', `/control/tenants/${tenantId}/consent/revoke`, {});
        expect(revoked.body).toMatchObject({ revoked: true });

        const run = await finishedRun(stack, tenantId, runId);
        expect(run).toMatchObject({ outcome: 'failed', errorCode: 'consent_required' });
        expect(await stack.tenant(tenantId)).toMatchObject({ status: 'consent_required', statusCode: 'AADSTS700016' });

        // No retry storm: while the timer fires and an operator insists, nobody asks for a token or calls Graph.
        const since = await stack.sim.lastRequestSeq();
        const firings = timerRuns(host);
        const token = await stack.operationsToken();
        for (let i = 0; i < 3; i++) {
            const refused = await stack.request(host, 'POST', `/api/tenants/${tenantId}/sync`, {
                headers: { authorization: `Bearer ${token}` },
            });
            expect(refused.status).toBe(409);
            expect(refused.body).toMatchObject({ code: 'tenant_consent_required' });
        }
        await waitFor('the timer to fire three more times', () => (timerRuns(host) >= firings + 3 ? true : undefined), {
            timeoutMs: 60_000,
            intervalMs: 200,
            whileRunning: host.process.child,
        });
        const after = (await stack.sim.requestsSince(since)).filter(
            (r) => r.tenant === tenantId || String(r.path).includes(tenantId),
        );
        expect(after.map((r) => `${r.service} ${r.method} ${r.path}`)).toEqual([]);

        // Meanwhile the directory changes. Then the admin consents again, and an operator reconnects the
        // tenant through the API (PUT /api/tenants/{id}: the product proves the consent and queues a sync).
        await randomChanges(stack, tenantId, seededRandom(SEED + 1), 40);
        const consented = await stack.sim.control('POST', `/control/tenants/${tenantId}/consent`, {});
        expect(consented.status).toBe(200);
        const reconnected = await stack.request(host, 'PUT', `/api/tenants/${tenantId}`, {
            headers: { authorization: `Bearer ${token}` },
        });
        expect(reconnected.status).toBe(200);
        const again = reconnected.body.firstRun.runId as string;
        expect((await finishedRun(stack, tenantId, again)).outcome).toBe('succeeded');
        expect(await stack.tenant(tenantId)).toMatchObject({ status: 'active', round: undefined });
        await expectExact(stack, tenantId);
    }, 300_000);
});

itLeavesNoSecretInLogs(() => stack);
