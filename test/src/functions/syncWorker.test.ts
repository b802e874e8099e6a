/**
 * The queue trigger's adapter, called as the host calls it: a message that is not a sync message
 * fails with a log line naming what is wrong (so the host's retries end in the poison queue); a good
 * one goes to the worker with the correlation id it carries.
 */
import { InvocationContext } from '@azure/functions';

import { syncWorkerHandler } from '../../../src/functions/syncWorker';
import type { SyncMessage } from '../../../src/sync/syncMessage';
import type { Delivery, WorkerResult } from '../../../src/sync/syncWorker';

function context(lines: string[]) {
    return new InvocationContext({
        invocationId: 'inv-1',
        functionName: 'syncWorker',
        logHandler: (level, ...args) => lines.push(`${level} ${args.map(String).join(' ')}`),
        triggerMetadata: { dequeueCount: 2 },
    });
}

const good = {
    tenantId: '11111111-2222-4333-8444-555555555555',
    reason: 'schedule',
    runId: '8000000000000-0123abcd',
    requestedAt: '2026-12-02T10:00:00.000Z',
    correlationId: 'origin-invocation',
};

describe('syncWorker function', () => {
    it.each([
        ['not JSON', 'hello', /not JSON/],
        ['a number', 42, /not a sync message/],
        ['a bad tenant id', { ...good, tenantId: '../../etc' }, /tenantId must be a GUID/],
        ['an unknown reason', { ...good, reason: 'now' }, /reason must be one of/],
        ['a bad run id', { ...good, runId: 'x' }, /not a run id/],
        ['an unexpected field', { ...good, admin: true }, /unexpected field\(s\) admin/],
        ['an oversized message', { ...good, correlationId: 'x'.repeat(5000) }, /at most 4096/],
    ])('rejects %s with a line saying why', async (_label, message, reason) => {
        const lines: string[] = [];
        const calls: SyncMessage[] = [];
        const handler = syncWorkerHandler({
            syncWorker: {
                handle: (m: SyncMessage) => (calls.push(m), Promise.resolve({ action: 'skipped', reason: '' })),
            },
        } as never);
        await expect(handler(message, context(lines))).rejects.toMatchObject({
            code: 'invalid_message',
            message: expect.stringMatching(reason),
        });
        expect(calls).toEqual([]);
        const line = lines.find((l) => l.startsWith('error rejected a queue message'));
        expect(line).toContain('errorCode=invalid_message');
        expect(line).toContain('dequeueCount=2');
        expect(line).toMatch(reason);
    });

    it('hands a sync message to the worker, logging with the correlation id it carries', async () => {
        const lines: string[] = [];
        let delivery: Delivery | undefined;
        const handler = syncWorkerHandler({
            syncWorker: {
                handle: (message: SyncMessage, d: Delivery): Promise<WorkerResult> => {
                    delivery = d;
                    d.logger.info('working');
                    return Promise.resolve({ action: 'succeeded', runId: message.runId, rounds: 1 });
                },
            },
        });
        await expect(handler(JSON.stringify(good), context(lines))).resolves.toEqual({
            action: 'succeeded',
            runId: good.runId,
            rounds: 1,
        });
        expect(delivery?.invocationId).toBe('inv-1');
        expect(lines.some((l) => /^information working correlationId=origin-invocation$/.test(l))).toBe(true);
    });
});
