/**
 * What the scenarios ask of the product through its own front doors (the operations API on a host) and
 * what they read back (SyncRuns, Tenants, Users, the queues), with deadlines generous enough for a
 * shared 2-core machine.
 */
import { odata } from '@azure/data-tables';

import { SYNC_QUEUE, TableName } from '../../../src/storage';
import type { SyncRun } from '../../../src/sync/runsStore';
import { waitFor } from '../../support/poll';
import { expectTableEqualsDirectory } from '../../support/syncHarness';
import type { AppHost, ResilienceStack } from './stack';

export const POISON_QUEUE = `${SYNC_QUEUE}-poison`;

/** POST /api/tenants/{id}/sync with an operations token; the run id of the 202. */
export async function requestSync(stack: ResilienceStack, host: AppHost, tenantId: string): Promise<string> {
    const token = await stack.operationsToken();
    const answer = await stack.request(host, 'POST', `/api/tenants/${tenantId}/sync`, {
        headers: { authorization: `Bearer ${token}` },
    });
    if (answer.status !== 202) throw new Error(`sync request for ${tenantId}: ${answer.status} ${answer.text}`);
    return answer.body.runId as string;
}

/** Waits until the run has finished (succeeded, failed or blocked) and returns it. */
export async function finishedRun(
    stack: ResilienceStack,
    tenantId: string,
    runId: string,
    timeoutMs = 120_000,
): Promise<SyncRun> {
    return waitFor(
        () => `run ${runId} of tenant ${tenantId} to finish`,
        async () => {
            const run = await stack.services.runs.get(tenantId, runId);
            return run?.finishedAt === undefined ? undefined : run;
        },
        { timeoutMs, intervalMs: 250 },
    );
}

/** Every run of the tenant, oldest first. */
export async function allRuns(stack: ResilienceStack, tenantId: string): Promise<SyncRun[]> {
    return (await stack.services.runs.recent(tenantId, 1000)).reverse();
}

/** The table equals the simulator's directory for the tenant, user by user and property by property. */
export function expectExact(stack: ResilienceStack, tenantId: string): Promise<number> {
    return expectTableEqualsDirectory(stack, tenantId, stack.services);
}

/** The Tenants row's and the tenant's Users rows' last-write times (the table service's own Timestamp). */
export async function writeTimes(
    stack: ResilienceStack,
    tenantId: string,
): Promise<{ tenantRow: number; users: number[] }> {
    const tenants = stack.services.storage.table(TableName.tenants);
    const row = await tenants.getEntity(tenantId, 'tenant');
    const users: number[] = [];
    for await (const entity of stack.services.storage.table(TableName.users).listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${tenantId}`, select: ['RowKey', 'Timestamp'] },
    }))
        users.push(Date.parse(entity.timestamp ?? ''));
    return { tenantRow: Date.parse(row.timestamp ?? ''), users };
}

/** Messages on the poison queue as stored (base64, or whatever text could not be decoded); peeked, they stay. */
export async function poisonMessages(stack: ResilienceStack): Promise<string[]> {
    const queue = stack.services.storage.queue(POISON_QUEUE);
    if (!(await queue.exists())) return [];
    const texts: string[] = [];
    // Peek returns at most 32; the scenarios put fewer there.
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    for (const message of peeked.peekedMessageItems) texts.push(message.messageText);
    return texts;
}

/**
 * Changes `count` distinct users of the tenant (job title and department) through the control API: a delta
 * round of at least count / 200 pages.
 */
export async function updateUsers(stack: ResilienceStack, tenantId: string, count: number, random: () => number) {
    const users = (await stack.sim.controlGet(`/control/tenants/${tenantId}/users?state=active&top=${count}`)) as {
        users: { id: string }[];
    };
    await mapLimited(users.users, 8, async (user) => {
        const answer = await stack.sim.control('PATCH', `/control/tenants/${tenantId}/users/${user.id}`, {
            jobTitle: `Title ${Math.floor(random() * 1000)}`,
            department: random() < 0.2 ? null : `Department ${Math.floor(random() * 40)}`,
        });
        if (answer.status !== 200)
            throw new Error(`update ${user.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
    });
    return users.users.length;
}

/** Runs `work` over `items`, `limit` at a time, keeping the order of results. */
export async function mapLimited<T, R>(
    items: readonly T[],
    limit: number,
    work: (item: T, index: number) => Promise<R>,
) {
    const results: R[] = new Array<R>(items.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(limit, items.length) }, async () => {
            while (next < items.length) {
                const index = next++;
                results[index] = await work(items[index] as T, index);
            }
        }),
    );
    return results;
}

/** The seed of a scenario's randomness: RESILIENCE_SEED, else the scenario's fixed default. */
export function scenarioSeed(fallback: number): number {
    const given = process.env.RESILIENCE_SEED;
    if (given === undefined || given === '') return fallback;
    if (!/^\d+$/.test(given)) throw new Error(`RESILIENCE_SEED must be a whole number, got "${given}"`);
    return Number(given);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
