import type { SyncedUser } from '../sync/syncedUser';
import type { SyncRun } from '../sync/runsStore';
import type { TenantRecord } from '../tenants';
import { leaseIsLive } from '../sync/tenantLease';

/** A tenant as the operations API shows it (camelCase JSON). */
export function tenantJson(record: TenantRecord, now: number) {
    const round = record.round;
    return {
        tenantId: record.tenantId,
        displayName: record.displayName,
        status: record.status,
        statusCode: record.statusCode ?? null,
        statusDetail: record.statusDetail ?? null,
        statusChangedAt: record.statusChangedAt,
        connectedAt: record.connectedAt ?? null,
        connectedBy: record.connectedBy ?? null,
        consentedAt: record.consentedAt ?? null,
        userCount: record.userCount,
        lastSyncAt: record.lastSyncAt ?? null,
        syncing: round !== undefined && leaseIsLive(record, now),
        progress:
            round === undefined
                ? null
                : {
                      runId: round.runId,
                      mode: round.mode,
                      startedAt: round.startedAt,
                      pages: round.pages,
                      users: round.added + round.updated,
                  },
        lastRun: record.lastRun ?? null,
    };
}

export function runJson(run: SyncRun) {
    return {
        runId: run.runId,
        tenantId: run.tenantId,
        trigger: run.trigger,
        mode: run.mode ?? null,
        state: run.state,
        outcome: run.state === 'continued' ? 'continued' : (run.outcome ?? null),
        requestedAt: run.requestedAt,
        startedAt: run.startedAt ?? null,
        finishedAt: run.finishedAt ?? null,
        invocations: run.invocations,
        pages: run.pages,
        usersAdded: run.added,
        usersUpdated: run.updated,
        usersRemoved: run.removed,
        graphRequests: run.graphRequests,
        throttledRequests: run.throttled,
        waitedMs: run.waitedMs,
        errorCode: run.errorCode ?? null,
        errorMessage: run.errorMessage ?? null,
    };
}

export function userJson(user: SyncedUser) {
    return { ...user };
}
