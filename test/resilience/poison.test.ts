/**
 * Scenario 5, poison: messages that are not sync messages — not JSON, the wrong shape, unexpected
 * fields, oversized, not even base64 — are tried the configured number of times (host.json
 * maxDequeueCount), each attempt logging why, and end in `tenant-sync-poison`, while the tenants that
 * were syncing at the same time finish exact.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SYNC_QUEUE } from '../../src/storage';
import { waitFor } from '../support/poll';
import { REPO_ROOT } from '../support/processes';
import { expectExact, finishedRun, mapLimited, poisonMessages, requestSync } from './support/product';
import { type ResilienceStack, startStack } from './support/stack';
import { itLeavesNoSecretInLogs } from './support/secrets';

const MAX_DEQUEUE_COUNT = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'host.json'), 'utf8')) as {
        extensions: { queues: { maxDequeueCount: number } };
    }
).extensions.queues.maxDequeueCount;

const GOOD = {
    tenantId: '00000000-0000-4000-8000-000000000001',
    reason: 'manual',
    runId: '8200000000000-0123abcd',
    requestedAt: '2026-01-01T00:00:00.000Z',
};

/** Bad message texts, and what the log line rejecting each must say. */
const BAD: { name: string; text: string; reason: RegExp }[] = [
    { name: 'not JSON', text: 'sync everything please', reason: /message is not JSON/ },
    {
        name: 'wrong shape',
        text: JSON.stringify({ tenantId: 'not-a-guid', reason: 'because', runId: 7 }),
        reason: /tenantId must be a GUID/,
    },
    {
        name: 'unexpected field',
        text: JSON.stringify({ ...GOOD, deleteEverything: true }),
        reason: /unexpected field\(s\) deleteEverything/,
    },
    {
        name: 'oversized',
        text: JSON.stringify({ ...GOOD, correlationId: 'x'.repeat(6000) }),
        reason: /message is \d+ bytes; a sync message is at most 4096/,
    },
    { name: 'a JSON array', text: '[1,2,3]', reason: /not a sync message/ },
];

let stack: ResilienceStack;
beforeAll(async () => {
    stack = await startStack({ suite: 'poison', latency: { fixedMs: 300, perUserMs: 0.5 } });
}, 120_000);
afterAll(() => stack?.stop());

it(`bad messages end in ${SYNC_QUEUE}-poison after ${MAX_DEQUEUE_COUNT} attempts, each logging why; tenants syncing meanwhile end exact`, async () => {
    const host = stack.hosts[0]!;
    const tenants = await mapLimited([0, 1, 2], 3, (i) => stack.createTenant(`Poison Bystander ${i}`, 1500));
    for (const tenantId of tenants) await stack.connectTenant(tenantId);

    const queue = stack.services.storage.queue(SYNC_QUEUE);
    const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    const sent = new Map<string, (typeof BAD)[number]>();
    for (const bad of BAD) sent.set((await queue.sendMessage(base64(bad.text))).messageId, bad);
    // Not base64 at all: the host itself refuses it at once (no attempt can decode it).
    const notBase64 = (await queue.sendMessage('%%% not base64 %%%')).messageId;
    // A well-formed message for a tenant nobody connected: handled (skipped), not poison.
    const unknownTenant = (await queue.sendMessage(base64(JSON.stringify(GOOD)))).messageId;
    // Once the bad messages are being retried, the bystanders ask for their syncs.
    await host.process.waitForLine(/rejected a queue message/, 60_000);
    const runIds = await mapLimited(tenants, 3, (tenantId) => requestSync(stack, host, tenantId));

    const poisoned = await waitFor(
        'every bad message to reach the poison queue',
        async () => {
            const texts = await poisonMessages(stack);
            return texts.length >= BAD.length + 1 ? texts : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, whileRunning: host.process.child },
    );
    const named = new Map<string, string>([
        ...BAD.map((bad) => [base64(bad.text), bad.name] as const),
        ['%%% not base64 %%%', 'not base64'],
    ]);
    expect(poisoned.map((raw) => named.get(raw) ?? `unexpected: ${raw.slice(0, 80)}`).sort()).toEqual(
        [...named.values()].sort(),
    );

    const lines = host.process.lines;
    for (const [messageId, bad] of sent) {
        // Each attempt is an invocation of its own; each one logs why the message was rejected.
        const attempts = lines
            .map((line) =>
                new RegExp(`syncWorker\\[([^\\]]+)\\] Executing .*\\(id ${messageId}, dequeue count (\\d+)\\)`).exec(
                    line,
                ),
            )
            .filter((m): m is RegExpExecArray => m !== null);
        expect({ message: bad.name, counts: attempts.map((m) => Number(m[2])) }).toEqual({
            message: bad.name,
            counts: Array.from({ length: MAX_DEQUEUE_COUNT }, (_, i) => i + 1),
        });
        for (const [, invocationId] of attempts) {
            const rejected = lines.find(
                (line) => line.includes(`syncWorker[${invocationId}]`) && line.includes('rejected a queue message'),
            );
            expect({ message: bad.name, rejected }).toEqual({
                message: bad.name,
                rejected: expect.stringMatching(bad.reason),
            });
        }
        expect(
            lines.find((line) => line.includes(`Message ${messageId} moved to queue '${SYNC_QUEUE}-poison'`)),
        ).toMatch(bad.reason);
    }
    expect(lines.find((line) => line.includes(`Message ${notBase64} moved to queue`))).toMatch(/base64/i);
    expect(lines.some((line) => line.includes(`Message ${unknownTenant} moved`))).toBe(false);
    expect(lines.some((line) => line.includes(`(id ${unknownTenant}, dequeue count 1)`))).toBe(true);

    // The bystanders synced while the bad messages were still being retried, and finish exact.
    const lastPoisoned = Math.max(
        ...[...sent.keys()].map((messageId) => {
            const line = lines.find((l) => l.includes(`Message ${messageId} moved to queue`)) ?? '';
            return Date.parse(line.slice(0, 24));
        }),
    );
    for (const [i, tenantId] of tenants.entries()) {
        const run = await finishedRun(stack, tenantId, runIds[i]!);
        expect(run.outcome).toBe('succeeded');
        expect(Date.parse(run.startedAt ?? '')).toBeLessThan(lastPoisoned);
        await expectExact(stack, tenantId);
    }
}, 300_000);

itLeavesNoSecretInLogs(() => stack);
