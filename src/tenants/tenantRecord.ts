import { InternalError } from '../errors';
import { isTenantStatus, type TenantStatus } from './tenantStatus';

export type SyncMode = 'full' | 'delta';
export type SyncTrigger = 'schedule' | 'consent' | 'manual' | 'continuation';

/** Who connected the tenant: the admin who signed in and consented. */
export interface ConnectedBy {
    oid: string;
    name: string;
    username: string;
}

/** A round of delta paging in progress, saved after every committed page so a crash resumes it. */
export interface RoundCheckpoint {
    runId: string;
    mode: SyncMode;
    trigger: SyncTrigger;
    startedAt: string;
    /** The full-round generation users written in this round are marked with (mark-and-sweep). */
    generation: number;
    /** The link that fetches the next uncommitted page. */
    nextLink: string;
    pages: number;
    added: number;
    updated: number;
    /** Users Graph reported removed (and we had); they are deleted when the round completes (mass-deletion guard). */
    removed: number;
    /** Users in the table when the round started (a full round derives its additions from it). */
    usersBefore: number;
    /** Set once the last page is committed: the round only has its deletions left to do. */
    deltaLink?: string | undefined;
    /** Transient failures in a row; each one waits longer before the round goes on. */
    failures: number;
    /** Manual requests this round also answers (they were asked for before it started). */
    mergedRunIds?: string[] | undefined;
}

/** The last run's headline, shown on the tenant page and in the API without reading SyncRuns. */
export interface RunSummary {
    runId: string;
    mode: SyncMode;
    trigger: SyncTrigger;
    outcome: 'succeeded' | 'failed' | 'blocked' | 'continued';
    finishedAt: string;
    added: number;
    updated: number;
    removed: number;
    errorCode?: string | undefined;
}

/** One row of the `Tenants` table (partition = tenant id). */
export interface TenantRecord {
    tenantId: string;
    displayName: string;
    status: TenantStatus;
    statusCode: string | undefined;
    statusDetail: string | undefined;
    statusChangedAt: string;
    connectedAt: string | undefined;
    connectedBy: ConnectedBy | undefined;
    /** The last admin consent; "app unknown" and "no roles" answers soon after it mean "not applied yet". */
    consentedAt: string | undefined;
    /** A message is on the queue for this tenant (the fan-out does not add another until it starts or goes stale). */
    queuedAt: string | undefined;
    /** The sync holding the tenant's lease and until when; a crashed worker's lease simply runs out. */
    leaseOwner: string | undefined;
    leaseExpiresAt: string | undefined;
    round: RoundCheckpoint | undefined;
    /** Where the next delta round starts (saved only when a round completes). */
    deltaLink: string | undefined;
    /** The generation of the latest full round; users carry the generation of the round that last saw them. */
    fullGeneration: number;
    /** Users in the table (after the last completed round). */
    userCount: number;
    lastSyncAt: string | undefined;
    lastRun: RunSummary | undefined;
    /** Manual syncs asked for while another ran; one more round runs for them as soon as that one ends. */
    pendingRunIds: string[];
    /** An operator confirmed the deletions a blocked round wants to make. */
    allowMassDelete: boolean;
    /** Graph asked us not to call for this tenant before this moment. */
    graphRetryAfter: string | undefined;
}

export interface Tenant {
    record: TenantRecord;
    etag: string;
}

export const TENANT_ROW_KEY = 'tenant';

/** The stored shape: flat properties, JSON for the nested parts. */
export type TenantEntity = Record<string, string | number | boolean> & { partitionKey: string; rowKey: string };

function json<T>(value: unknown, field: string): T | undefined {
    if (typeof value !== 'string' || value === '') return undefined;
    try {
        return JSON.parse(value) as T;
    } catch (error) {
        throw new InternalError(`Tenants row has unreadable ${field}`, { cause: error });
    }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export function toEntity(record: TenantRecord): TenantEntity {
    const entity: TenantEntity = {
        partitionKey: record.tenantId,
        rowKey: TENANT_ROW_KEY,
        displayName: record.displayName,
        status: record.status,
        statusChangedAt: record.statusChangedAt,
        fullGeneration: record.fullGeneration,
        userCount: record.userCount,
        allowMassDelete: record.allowMassDelete,
    };
    const optional: Record<string, string | undefined> = {
        statusCode: record.statusCode,
        statusDetail: record.statusDetail,
        connectedAt: record.connectedAt,
        connectedBy: record.connectedBy === undefined ? undefined : JSON.stringify(record.connectedBy),
        consentedAt: record.consentedAt,
        queuedAt: record.queuedAt,
        leaseOwner: record.leaseOwner,
        leaseExpiresAt: record.leaseExpiresAt,
        round: record.round === undefined ? undefined : JSON.stringify(record.round),
        deltaLink: record.deltaLink,
        lastSyncAt: record.lastSyncAt,
        lastRun: record.lastRun === undefined ? undefined : JSON.stringify(record.lastRun),
        pendingRunIds: record.pendingRunIds.length === 0 ? undefined : JSON.stringify(record.pendingRunIds),
        graphRetryAfter: record.graphRetryAfter,
    };
    for (const [key, value] of Object.entries(optional)) if (value !== undefined) entity[key] = value;
    return entity;
}

export function fromEntity(entity: Record<string, unknown>): TenantRecord {
    const tenantId = str(entity.partitionKey);
    const status = entity.status;
    if (tenantId === undefined || !isTenantStatus(status))
        throw new InternalError(`Tenants row ${String(entity.partitionKey)} has no valid status`);
    return {
        tenantId,
        displayName: str(entity.displayName) ?? tenantId,
        status,
        statusCode: str(entity.statusCode),
        statusDetail: str(entity.statusDetail),
        statusChangedAt: str(entity.statusChangedAt) ?? new Date(0).toISOString(),
        connectedAt: str(entity.connectedAt),
        connectedBy: json<ConnectedBy>(entity.connectedBy, 'connectedBy'),
        consentedAt: str(entity.consentedAt),
        queuedAt: str(entity.queuedAt),
        leaseOwner: str(entity.leaseOwner),
        leaseExpiresAt: str(entity.leaseExpiresAt),
        round: json<RoundCheckpoint>(entity.round, 'round'),
        deltaLink: str(entity.deltaLink),
        fullGeneration: num(entity.fullGeneration),
        userCount: num(entity.userCount),
        lastSyncAt: str(entity.lastSyncAt),
        lastRun: json<RunSummary>(entity.lastRun, 'lastRun'),
        pendingRunIds: json<string[]>(entity.pendingRunIds, 'pendingRunIds') ?? [],
        allowMassDelete: entity.allowMassDelete === true,
        graphRetryAfter: str(entity.graphRetryAfter),
    };
}

/** A tenant seen for the first time (at its first consent). */
export function newTenantRecord(tenantId: string, displayName: string, status: TenantStatus, now: Date): TenantRecord {
    return {
        tenantId: tenantId.toLowerCase(),
        displayName,
        status,
        statusCode: undefined,
        statusDetail: undefined,
        statusChangedAt: now.toISOString(),
        connectedAt: undefined,
        connectedBy: undefined,
        consentedAt: undefined,
        queuedAt: undefined,
        leaseOwner: undefined,
        leaseExpiresAt: undefined,
        round: undefined,
        deltaLink: undefined,
        fullGeneration: 0,
        userCount: 0,
        lastSyncAt: undefined,
        lastRun: undefined,
        pendingRunIds: [],
        allowMassDelete: false,
        graphRetryAfter: undefined,
    };
}
