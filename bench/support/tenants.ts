/**
 * Customer tenants for the product's benchmarks: created in the simulator, consented, registered in
 * `Tenants` as a connected tenant, synced through the operations API (whose queue output binding
 * wakes the host's listener at once) and watched through the run record the worker writes.
 */
import type { Services } from '../../src/app/services';
import type { SyncRun } from '../../src/sync/runsStore';
import { changeStatus, newTenantRecord, TenantStatus } from '../../src/tenants';
import type { BenchStack, Control } from './stack';

/** A new customer tenant in the simulator, with our app consented (no propagation delay). */
export async function newTenant(control: Control, displayName: string, userCount: number): Promise<string> {
    const created = await control('POST', '/control/tenants', { displayName, userCount });
    const tenantId = created.id as string;
    await control('POST', `/control/tenants/${tenantId}/consent`, { delayMs: 0, servicePrincipalDelayMs: 0 });
    return tenantId;
}

/** Registers the tenant in `Tenants` as the consent callback would: active, consented now. */
export async function connectTenant(services: Services, tenantId: string, displayName = tenantId): Promise<void> {
    const now = new Date(services.clock.now());
    await services.tenants.upsert(
        tenantId,
        () => ({ ...newTenantRecord(tenantId, displayName, TenantStatus.active, now), consentedAt: now.toISOString() }),
        (current) => ({
            ...current,
            ...changeStatus(current, { status: TenantStatus.active }, now),
            consentedAt: now.toISOString(),
        }),
    );
}

export interface RequestedSync {
    runId: string;
    /** Date.now() just before the request was sent. */
    sentAt: number;
    /** Date.now() when the 202 arrived. */
    answeredAt: number;
}

/** `POST /api/tenants/{id}/sync`: a manual sync, enqueued through the function's queue output binding. */
export async function requestSync(stack: BenchStack, tenantId: string, token: string): Promise<RequestedSync> {
    const sentAt = Date.now();
    const response = await fetch(`${stack.appUrl}/api/tenants/${tenantId}/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
    });
    const answeredAt = Date.now();
    const body = (await response.json()) as { runId?: string };
    if (response.status !== 202 || body.runId === undefined)
        throw new Error(`sync request for ${tenantId}: ${response.status} ${JSON.stringify(body)}`);
    return { runId: body.runId, sentAt, answeredAt };
}

/** Polls the run record until the run has finished (any outcome); throws on a timeout. */
export async function waitForRun(
    services: Services,
    tenantId: string,
    runId: string,
    timeoutMs: number,
    pollMs = 100,
): Promise<SyncRun> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const run = await services.runs.get(tenantId, runId);
        if (run?.finishedAt !== undefined) return run;
        if (Date.now() > deadline)
            throw new Error(`run ${runId} of ${tenantId} not finished after ${timeoutMs} ms (state ${run?.state})`);
        await sleep(pollMs);
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls the tenant row until no invocation holds its lease: a run's finishedAt is written before its
 * invocation prunes old runs and gives the lease up, and a request made in between waits for that
 * invocation's follow-up message instead of starting at once.
 */
export async function waitForLeaseReleased(services: Services, tenantId: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await services.tenants.get(tenantId))?.record.leaseOwner !== undefined) {
        if (Date.now() > deadline) throw new Error(`the lease of ${tenantId} was not released after ${timeoutMs} ms`);
        await sleep(20);
    }
}
