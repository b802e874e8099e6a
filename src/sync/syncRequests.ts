import type { Clock } from '../app/clock';
import { RequestError } from '../errors';
import { type TenantRegistry, TenantStatus } from '../tenants';
import { queuedRun, type RunsStore } from './runsStore';
import { newRunId, type SyncMessage } from './syncMessage';

export interface SyncRequestOptions {
    /** The invocation that asked; it follows the sync into the worker's log lines. */
    correlationId: string;
    /** An operator confirms the deletions a blocked round wants to make. */
    allowMassDelete?: boolean;
}

export interface RequestedSync {
    runId: string;
    /** For the function's queue output binding (written when the invocation succeeds, and wakes the worker at once). */
    message: SyncMessage;
}

/** Asking for a sync now: from "Sync now" on the tenant page, the operations API, or a new consent. */
export interface SyncRequests {
    /**
     * Records a queued run and returns the message to enqueue. Refuses (RequestError) an unknown
     * tenant (404) and one that cannot sync until its admin acts (409 `tenant_disconnected`,
     * `tenant_consent_required`).
     */
    request(tenantId: string, trigger: 'manual' | 'consent', options: SyncRequestOptions): Promise<RequestedSync>;
}

export function createSyncRequests(
    tenants: TenantRegistry,
    runs: RunsStore,
    clock: Clock,
    randomHex: (bytes: number) => string,
): SyncRequests {
    return {
        async request(tenantId, trigger, options) {
            const tenant = await tenants.get(tenantId);
            if (tenant === undefined) throw new RequestError('not_found', `Tenant ${tenantId} is not connected`);
            const { status } = tenant.record;
            if (trigger === 'manual' && status === TenantStatus.disconnected)
                throw new RequestError('conflict', `Tenant ${tenantId} is disconnected; it must consent again first`, {
                    detailCode: 'tenant_disconnected',
                });
            if (trigger === 'manual' && status === TenantStatus.consentRequired)
                throw new RequestError('conflict', `Tenant ${tenantId} needs its admin to consent again first`, {
                    detailCode: 'tenant_consent_required',
                });
            if (options.allowMassDelete === true)
                await tenants.update(tenantId, (current) => ({ ...current, allowMassDelete: true }));
            const now = clock.now();
            const runId = newRunId(now, () => randomHex(4));
            const requestedAt = new Date(now).toISOString();
            await runs.saveQueued(queuedRun(tenantId, runId, trigger, requestedAt));
            return {
                runId,
                message: { tenantId, reason: trigger, runId, requestedAt, correlationId: options.correlationId },
            };
        },
    };
}
