/**
 * Drives the product's sync against Azurite and the simulator: connects tenants, delivers queue
 * messages to the real worker (as the host would), and reads both sides for comparison.
 */
import { InvocationContext } from '@azure/functions';

import type { Services } from '../../src/app/services';
import { createLogger, type Logger } from '../../src/logging';
import { SYNC_QUEUE } from '../../src/storage';
import { type SyncedUser, USER_PROPERTIES } from '../../src/sync/syncedUser';
import { newRunId, parseSyncMessage, type SyncMessage, type SyncReason } from '../../src/sync/syncMessage';
import type { WorkerResult } from '../../src/sync/syncWorker';
import { changeStatus, newTenantRecord, TenantStatus } from '../../src/tenants';
import type { ProductWorld } from './productWorld';

let deliveries = 0;

/** Log lines of the product, kept per test for assertions (and never printed). */
export const logLines: string[] = [];
export const testLogger = (): Logger => createLogger((level, line) => logLines.push(`${level} ${line}`), 'test');

/** Registers the tenant as a consent would (after consenting in the simulator), status active. */
export async function connectTenant(world: ProductWorld, tenantId: string, options: { consent?: boolean } = {}) {
    if (options.consent !== false) await world.sim.consent(tenantId);
    const now = new Date(world.services.clock.now());
    return world.services.tenants.upsert(
        tenantId,
        () => newTenantRecord(tenantId, tenantId, TenantStatus.active, now),
        (current) => ({
            ...current,
            ...changeStatus(current, { status: TenantStatus.active }, now),
            consentedAt: now.toISOString(),
        }),
    );
}

export function syncMessage(services: Services, tenantId: string, reason: SyncReason = 'manual'): SyncMessage {
    const now = services.clock.now();
    return {
        tenantId,
        reason,
        runId: newRunId(now, () => services.randomHex(4)),
        requestedAt: new Date(now).toISOString(),
        correlationId: 'test',
    };
}

/** One delivery to the worker, as the host makes it. */
export function deliver(services: Services, message: SyncMessage): Promise<WorkerResult> {
    deliveries += 1;
    return services.syncWorker.handle(message, { invocationId: `delivery-${deliveries}`, logger: testLogger() });
}

/** Takes every message now visible on `tenant-sync` (the worker's continuations) off the queue. */
export async function takeQueued(services: Services): Promise<SyncMessage[]> {
    const queue = services.storage.queue(SYNC_QUEUE);
    const taken: SyncMessage[] = [];
    for (;;) {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
        if (receivedMessageItems.length === 0) return taken;
        for (const item of receivedMessageItems) {
            taken.push(parseSyncMessage(Buffer.from(item.messageText, 'base64').toString('utf8')));
            await queue.deleteMessage(item.messageId, item.popReceipt);
        }
    }
}

/** After a test that injected faults or latency: the simulator answers normally again, the queue is empty. */
export async function resetFaultsAndQueue(world: ProductWorld): Promise<void> {
    await world.sim.control('DELETE', '/control/faults');
    await world.sim.control('PATCH', '/control/graph', { latency: { fixedMs: 0, perUserMs: 0 } });
    await clearQueue(world.services);
}

/** Empties the queue, delayed messages included. */
export async function clearQueue(services: Services): Promise<void> {
    await services.storage.queue(SYNC_QUEUE).clearMessages();
}

/**
 * Delivers `first`, then every continuation the worker queues (waiting out short delays), until
 * the tenant has nothing left to do. Returns every result in order.
 */
export async function syncUntilIdle(
    world: ProductWorld,
    first: SyncMessage,
    options: { services?: Services; maxDeliveries?: number; maxWaitMs?: number } = {},
): Promise<WorkerResult[]> {
    const services = options.services ?? world.services;
    const results: WorkerResult[] = [await deliver(services, first)];
    const deadline = Date.now() + (options.maxWaitMs ?? 60_000);
    while (results.length < (options.maxDeliveries ?? 200)) {
        const queued = await takeQueued(services);
        for (const message of queued) results.push(await deliver(services, message));
        if (queued.length > 0) continue;
        const tenant = await services.tenants.get(first.tenantId);
        const busy = tenant?.record.round !== undefined && tenant.record.status !== TenantStatus.consentRequired;
        if (!busy || Date.now() > deadline) return results;
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return results;
}

function fromDirectory(user: Record<string, unknown>): SyncedUser {
    const synced: Record<string, unknown> = {};
    for (const name of USER_PROPERTIES) synced[name] = user[name] ?? null;
    return synced as unknown as SyncedUser;
}

/** The simulator's truth: the tenant's active users with the synced properties, by id. */
export async function directoryUsers(world: ProductWorld, tenantId: string): Promise<Map<string, SyncedUser>> {
    const answer = await world.sim.control('GET', `/control/tenants/${tenantId}/users?state=active`);
    if (answer.status !== 200) throw new Error(`control users: ${answer.status}`);
    return new Map(
        (answer.body.users as Record<string, unknown>[]).map((u) => [String(u.id), fromDirectory(u)] as const),
    );
}

/** Every user in the `Users` table for the tenant, by id. */
export async function tableUsers(services: Services, tenantId: string): Promise<Map<string, SyncedUser>> {
    const users = new Map<string, SyncedUser>();
    let continuationToken: string | undefined;
    do {
        const page = await services.users.list(tenantId, {
            pageSize: 1000,
            ...(continuationToken === undefined ? {} : { continuationToken }),
        });
        for (const user of page.users) {
            if (users.has(user.id)) throw new Error(`user ${user.id} listed twice`);
            users.set(user.id, user);
        }
        continuationToken = page.continuationToken;
    } while (continuationToken !== undefined);
    return users;
}

/** Asserts the table equals the directory, user by user and property by property. */
export async function expectTableEqualsDirectory(world: ProductWorld, tenantId: string, services = world.services) {
    const [directory, table] = await Promise.all([directoryUsers(world, tenantId), tableUsers(services, tenantId)]);
    const missing = [...directory.keys()].filter((id) => !table.has(id));
    const extra = [...table.keys()].filter((id) => !directory.has(id));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    const different = [...directory].filter(([id, user]) => JSON.stringify(table.get(id)) !== JSON.stringify(user));
    expect(different.map(([id, user]) => ({ expected: user, actual: table.get(id) })).slice(0, 3)).toEqual([]);
    return directory.size;
}

export function invocationContext(functionName: string, invocationId = `inv-${Date.now()}`): InvocationContext {
    return new InvocationContext({ invocationId, functionName, logHandler: () => undefined });
}

/** A new customer tenant in the simulator (large ones page: the delta page size is 200). */
export async function createTenant(world: ProductWorld, displayName: string, userCount: number): Promise<string> {
    const answer = await world.sim.control('POST', '/control/tenants', { displayName, userCount });
    if (answer.status !== 201) throw new Error(`create tenant: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.id as string;
}

/** A small seeded generator (mulberry32) for repeatable random changes. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export type ChangeKind = 'create' | 'update' | 'softDelete' | 'hardDelete' | 'restore';

/** Makes `count` random changes to the tenant's directory through the control API. */
export async function randomChanges(
    world: ProductWorld,
    tenantId: string,
    random: () => number,
    count: number,
): Promise<Record<ChangeKind, number>> {
    const done: Record<ChangeKind, number> = { create: 0, update: 0, softDelete: 0, hardDelete: 0, restore: 0 };
    const all = await world.sim.control('GET', `/control/tenants/${tenantId}/users`);
    const active = (all.body.users as { id: string; state: string }[])
        .filter((u) => u.state === 'active')
        .map((u) => u.id);
    const softDeleted = (all.body.users as { id: string; state: string }[])
        .filter((u) => u.state === 'softDeleted')
        .map((u) => u.id);
    const pick = (ids: string[]) => ids.splice(Math.floor(random() * ids.length), 1)[0];
    for (let i = 0; i < count; i++) {
        const roll = random();
        const kind: ChangeKind =
            roll < 0.25
                ? 'create'
                : roll < 0.6
                  ? 'update'
                  : roll < 0.75
                    ? 'softDelete'
                    : roll < 0.85
                      ? 'hardDelete'
                      : 'restore';
        let answer;
        if (kind === 'create' || (active.length === 0 && kind !== 'restore')) {
            answer = await world.sim.control('POST', `/control/tenants/${tenantId}/users`, {
                displayName: `Created ${i} ${Math.floor(random() * 1e6)}`,
                jobTitle: random() < 0.5 ? null : 'Engineer',
            });
            if (answer.status === 201) active.push(answer.body.id as string);
            done.create += 1;
        } else if (kind === 'update') {
            const id = pick(active);
            answer = await world.sim.control('PATCH', `/control/tenants/${tenantId}/users/${id}`, {
                jobTitle: random() < 0.3 ? null : `Title ${Math.floor(random() * 1000)}`,
                department: `Dept ${Math.floor(random() * 50)}`,
                accountEnabled: random() < 0.8,
            });
            if (id !== undefined) active.push(id);
            done.update += 1;
        } else if (kind === 'softDelete') {
            const id = pick(active);
            answer = await world.sim.control('DELETE', `/control/tenants/${tenantId}/users/${id}`);
            if (id !== undefined) softDeleted.push(id);
            done.softDelete += 1;
        } else if (kind === 'hardDelete') {
            const id = pick(active);
            answer = await world.sim.control('DELETE', `/control/tenants/${tenantId}/users/${id}?permanent=true`);
            done.hardDelete += 1;
        } else {
            const id = pick(softDeleted);
            if (id === undefined) continue;
            answer = await world.sim.control('POST', `/control/tenants/${tenantId}/users/${id}/restore`);
            active.push(id);
            done.restore += 1;
        }
        if (answer.status >= 300) throw new Error(`${kind}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return done;
}
