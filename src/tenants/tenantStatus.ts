import { InternalError } from '../errors';

/**
 * A customer tenant's connection status.
 * - pending: consented, but the consent has not been seen to work yet (Microsoft is still applying it);
 * - active: syncing;
 * - consent_required: the app's consent is missing or was removed; only the tenant's admin can fix it;
 * - disconnected: the tenant was offboarded; its data is deleted and nothing syncs;
 * - error: a failure someone must look at, named by `statusCode` (e.g. `mass_delete_blocked`).
 */
export const TenantStatus = {
    pending: 'pending',
    active: 'active',
    consentRequired: 'consent_required',
    disconnected: 'disconnected',
    error: 'error',
} as const;
export type TenantStatus = (typeof TenantStatus)[keyof typeof TenantStatus];

export const TENANT_STATUSES: readonly TenantStatus[] = Object.values(TenantStatus);

/** Statuses the fan-out syncs. */
export const SYNCABLE_STATUSES: readonly TenantStatus[] = [TenantStatus.active, TenantStatus.pending];

/**
 * The allowed moves. A new consent may move any status to pending or active; only a sync, the
 * consent check or an operator moves a tenant out of error; nothing but a new consent revives a
 * disconnected tenant.
 */
const ALLOWED: Readonly<Record<TenantStatus, readonly TenantStatus[]>> = {
    pending: ['active', 'consent_required', 'error', 'disconnected'],
    active: ['consent_required', 'error', 'disconnected'],
    consent_required: ['pending', 'active', 'disconnected'],
    error: ['pending', 'active', 'consent_required', 'disconnected'],
    disconnected: ['pending', 'active'],
};

export function canMove(from: TenantStatus, to: TenantStatus): boolean {
    return from === to || ALLOWED[from].includes(to);
}

export interface StatusChange {
    status: TenantStatus;
    /** Required for `error`, optional detail otherwise (e.g. `AADSTS700016` with consent_required). */
    statusCode?: string | undefined;
    statusDetail?: string | undefined;
}

export interface StatusFields {
    status: TenantStatus;
    statusCode: string | undefined;
    statusDetail: string | undefined;
    statusChangedAt: string;
}

/**
 * The one place a status changes: checks the move is allowed and returns the fields to write
 * (the caller writes them with the row's ETag). A repeated status keeps its `statusChangedAt`.
 */
export function changeStatus(current: StatusFields, change: StatusChange, now: Date): StatusFields {
    if (!canMove(current.status, change.status))
        throw new InternalError(`tenant status cannot move from ${current.status} to ${change.status}`);
    if (change.status === TenantStatus.error && change.statusCode === undefined)
        throw new InternalError('an error status needs a code');
    const same =
        current.status === change.status &&
        current.statusCode === change.statusCode &&
        current.statusDetail === change.statusDetail;
    return {
        status: change.status,
        statusCode: change.statusCode,
        statusDetail: change.statusDetail,
        statusChangedAt: same ? current.statusChangedAt : now.toISOString(),
    };
}

export function isTenantStatus(value: unknown): value is TenantStatus {
    return typeof value === 'string' && (TENANT_STATUSES as readonly string[]).includes(value);
}
