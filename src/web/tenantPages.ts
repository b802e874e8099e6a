import type { Clock } from '../app/clock';
import type { Session } from '../auth';
import { RequestError } from '../errors';
import type { Logger } from '../logging';
import type { Offboarding } from '../sync/offboarding';
import type { RunsStore, SyncRun } from '../sync/runsStore';
import type { SyncedUser } from '../sync/syncedUser';
import type { SyncMessage } from '../sync/syncMessage';
import type { SyncRequests } from '../sync/syncRequests';
import type { UsersStore } from '../sync/usersStore';
import type { TenantRecord, TenantRegistry } from '../tenants';
import { type SyncActivity, syncActivity } from './tenantStatusView';

export const USERS_PAGE_SIZE = 100;
const RECENT_RUNS = 10;

/** The tenant's own pages. Every method checks that the signed-in user may see (or act for) the tenant. */
export interface TenantPages {
    overview(
        session: Session,
        tenantId: string,
    ): Promise<{ tenant: TenantRecord; runs: SyncRun[]; activity: SyncActivity }>;
    users(
        session: Session,
        tenantId: string,
        query: { search: string; page: string | undefined },
    ): Promise<{ tenant: TenantRecord; users: SyncedUser[]; nextPage: string | undefined }>;
    /** The tenant, for an administrator about to act on it (the disconnect confirmation). */
    forAdmin(session: Session, tenantId: string): Promise<TenantRecord>;
    /** "Sync now": records a queued manual run and returns the message for the queue. */
    requestSync(session: Session, tenantId: string, correlationId: string): Promise<SyncMessage>;
    disconnect(session: Session, tenantId: string, logger: Logger): Promise<void>;
}

/** A user may see only their own organization: the tenant id in the session is the one the id token proved. */
export function assertMayView(session: Session, tenantId: string): void {
    if (session.tid !== tenantId)
        throw new RequestError('forbidden', `A user of ${session.tid} asked for tenant ${tenantId}`, {
            detailCode: 'other_tenant',
        });
}

export function assertMayAct(session: Session, tenantId: string): void {
    assertMayView(session, tenantId);
    if (!session.isAdmin)
        throw new RequestError('forbidden', `${session.oid} holds no administrator role in ${tenantId}`, {
            detailCode: 'not_admin',
        });
}

export function createTenantPages(deps: {
    tenants: TenantRegistry;
    users: UsersStore;
    runs: RunsStore;
    syncRequests: SyncRequests;
    offboarding: Offboarding;
    clock: Clock;
}): TenantPages {
    const { tenants, users, runs, syncRequests, offboarding, clock } = deps;

    const known = async (tenantId: string): Promise<TenantRecord> => {
        const tenant = await tenants.get(tenantId);
        if (tenant === undefined)
            throw new RequestError('not_found', `Tenant ${tenantId} is not connected`, { detailCode: 'not_connected' });
        return tenant.record;
    };

    return {
        async overview(session, tenantId) {
            assertMayView(session, tenantId);
            // The tenant first: before any organization is connected the other tables may not exist yet.
            const tenant = await known(tenantId);
            const recent = await runs.recent(tenantId, RECENT_RUNS);
            return { tenant, runs: recent, activity: syncActivity(tenant, recent[0], clock.now()) };
        },
        async users(session, tenantId, query) {
            assertMayView(session, tenantId);
            const tenant = await known(tenantId);
            const page = await users.list(tenantId, {
                pageSize: USERS_PAGE_SIZE,
                ...(query.page === undefined ? {} : { continuationToken: query.page }),
                ...(query.search === '' ? {} : { namePrefix: query.search }),
            });
            return { tenant, users: page.users, nextPage: page.continuationToken };
        },
        async forAdmin(session, tenantId) {
            assertMayAct(session, tenantId);
            return known(tenantId);
        },
        async requestSync(session, tenantId, correlationId) {
            assertMayAct(session, tenantId);
            return (await syncRequests.request(tenantId, 'manual', { correlationId })).message;
        },
        async disconnect(session, tenantId, logger) {
            assertMayAct(session, tenantId);
            const result = await offboarding.disconnect(tenantId, logger.with({ by: session.oid }));
            if (result === undefined)
                throw new RequestError('not_found', `Tenant ${tenantId} is not connected`, {
                    detailCode: 'not_connected',
                });
        },
    };
}
