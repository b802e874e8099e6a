import type { SyncRun } from '../sync/runsStore';
import { type TenantRecord, TenantStatus } from '../tenants';

export type Tone = 'ok' | 'wait' | 'warn' | 'off';

export interface StatusView {
    label: string;
    tone: Tone;
    /** One or two sentences for a customer's admin: what this means and whether they must act. */
    explanation: string;
    /** The admin can fix it by consenting again. */
    needsConsent: boolean;
    /** "Sync now" makes sense. */
    canSync: boolean;
}

const ERROR_TEXT: Record<string, { label: string; explanation: string }> = {
    mass_delete_blocked: {
        label: 'Sync paused',
        explanation:
            'The last sync would have deleted more of your users than Tenant Sync allows at once, so it deleted nothing. This guards against an incomplete answer from Microsoft. If that many people really left, ask the Tenant Sync operators to confirm the deletions.',
    },
    tenant_not_found: {
        label: 'Organization not found',
        explanation: 'Microsoft reports that this organization no longer exists, so there is nothing to sync.',
    },
    client_secret_invalid: {
        label: 'Problem on our side',
        explanation:
            'Tenant Sync cannot sign in to Microsoft with its own credentials. This is for our operators to fix; you do not need to do anything. Your consent is recorded.',
    },
    secret_unavailable: {
        label: 'Problem on our side',
        explanation:
            'Tenant Sync cannot read its own credentials. This is for our operators to fix; you do not need to do anything. Your consent is recorded.',
    },
};

/** How a tenant's status reads on the pages. */
export function describeStatus(tenant: TenantRecord): StatusView {
    switch (tenant.status) {
        case TenantStatus.active:
            return {
                label: 'Connected',
                tone: 'ok',
                explanation:
                    'Tenant Sync keeps a copy of your organization’s users up to date: on a schedule, and whenever an administrator presses “Sync now”.',
                needsConsent: false,
                canSync: true,
            };
        case TenantStatus.pending:
            return {
                label: 'Waiting for Microsoft',
                tone: 'wait',
                explanation:
                    'Connected. Microsoft is still applying your consent; this usually takes a few minutes. The first sync starts by itself as soon as it has.',
                needsConsent: false,
                canSync: true,
            };
        case TenantStatus.consentRequired:
            return {
                label: 'Consent needed',
                tone: 'warn',
                explanation:
                    'Tenant Sync can no longer read your directory: its consent was removed, or the app was disabled or deleted in your organization. Nothing syncs until an administrator consents again.',
                needsConsent: true,
                canSync: false,
            };
        case TenantStatus.disconnected:
            return {
                label: 'Disconnected',
                tone: 'off',
                explanation:
                    'This organization was disconnected: syncing stopped, and its synced users and sync history were deleted. Connect it again to start over.',
                needsConsent: true,
                canSync: false,
            };
        case TenantStatus.error: {
            const known = ERROR_TEXT[tenant.statusCode ?? ''];
            return {
                label: known?.label ?? 'Sync stopped',
                tone: 'warn',
                explanation:
                    known?.explanation ??
                    'Syncing stopped because of an error. Tenant Sync’s operators can see it under the code below.',
                needsConsent: false,
                canSync: true,
            };
        }
    }
}

export type SyncActivity =
    | { kind: 'running'; pages: number; users: number }
    /** `stale`: queued for long; the page stops refreshing itself (the worker may be down). */
    | { kind: 'queued'; since: string; stale: boolean }
    | { kind: 'idle' };

/** A sync queued longer ago than this is probably not coming soon: the page stops refreshing itself. */
const QUEUED_REFRESH_LIMIT_MS = 15 * 60 * 1000;

/** What the sync engine is doing for the tenant right now, from its row and its newest run. */
export function syncActivity(tenant: TenantRecord, newestRun: SyncRun | undefined, now: number): SyncActivity {
    const leased = tenant.leaseExpiresAt !== undefined && Date.parse(tenant.leaseExpiresAt) > now;
    if (leased || tenant.round !== undefined || newestRun?.state === 'running' || newestRun?.state === 'continued') {
        const round = tenant.round;
        return {
            kind: 'running',
            pages: round?.pages ?? newestRun?.pages ?? 0,
            users:
                round === undefined ? (newestRun?.added ?? 0) + (newestRun?.updated ?? 0) : round.added + round.updated,
        };
    }
    const queuedSince = newestRun?.state === 'queued' ? newestRun.requestedAt : tenant.queuedAt;
    if (queuedSince !== undefined)
        return { kind: 'queued', since: queuedSince, stale: now - Date.parse(queuedSince) > QUEUED_REFRESH_LIMIT_MS };
    return { kind: 'idle' };
}
