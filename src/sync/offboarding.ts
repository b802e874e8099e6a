import type { Logger } from '../logging';
import { type TenantRegistry, TenantStatus } from '../tenants';
import { changeStatus } from '../tenants/tenantStatus';
import type { RunsStore } from './runsStore';
import type { UsersStore } from './usersStore';

export interface OffboardResult {
    usersDeleted: number;
    runsDeleted: number;
}

/** Disconnecting a tenant: syncs stop, and its users and runs are deleted. */
export interface Offboarding {
    /** Returns undefined for an unknown tenant. Safe to repeat. */
    disconnect(tenantId: string, logger: Logger): Promise<OffboardResult | undefined>;
}

export function createOffboarding(
    tenants: TenantRegistry,
    users: UsersStore,
    runs: RunsStore,
    now: () => number,
): Offboarding {
    return {
        async disconnect(tenantId, logger) {
            // Status first: the fan-out stops at once, and a sync in flight sees it at its next
            // checkpoint, stops and clears what it wrote meanwhile. Its lease goes too: that sync
            // gives it up without writing, and a consent right after must not wait for it to run out.
            const tenant = await tenants.update(tenantId, (current) => ({
                ...current,
                ...changeStatus(current, { status: TenantStatus.disconnected }, new Date(now())),
                leaseOwner: undefined,
                leaseExpiresAt: undefined,
                round: undefined,
                deltaLink: undefined,
                queuedAt: undefined,
                pendingRunIds: [],
                allowMassDelete: false,
                userCount: 0,
            }));
            if (tenant === undefined) return undefined;
            const usersDeleted = await users.deleteAll(tenantId);
            const runsDeleted = await runs.deleteAll(tenantId);
            logger.info('tenant disconnected', { tenantId, usersDeleted, runsDeleted });
            return { usersDeleted, runsDeleted };
        },
    };
}
