import type { Clock } from '../app/clock';
import { TransientError } from '../errors';
import { type Tenant, type TenantRecord, type TenantRegistry, TenantStatus } from '../tenants';

/** Why a lease could not be taken: another live sync holds it (until `until`). */
export interface LeaseBusy {
    busy: true;
    holder: string;
    until: number;
    record: TenantRecord;
}

/**
 * A sync's hold on one tenant. While held, only its owner writes the round's progress; every write
 * is conditional on the row's ETag (through the registry) and renews the lease. A holder that
 * crashes simply stops renewing, and the lease runs out.
 */
export interface TenantLease {
    readonly owner: string;
    /** The row as last written by us. */
    current(): TenantRecord;
    /**
     * Writes `change(row)` if we still hold the lease. Throws `lease_lost` if another sync took
     * over (ours ran out), and stops with `TenantGoneError` if the tenant was disconnected meanwhile.
     */
    write(change: (current: TenantRecord) => TenantRecord): Promise<TenantRecord>;
    /** Writes a last change and gives the lease up. */
    release(change?: (current: TenantRecord) => TenantRecord): Promise<TenantRecord | undefined>;
    /** Stops renewing without writing (the lease was lost, or the process is going down). */
    abandon(): void;
}

/** The tenant was disconnected while we held its lease: stop, and write nothing more. */
export class TenantGoneError extends Error {
    override readonly name = 'TenantGoneError';
}

export interface LeaseOptions {
    /** How long a lease lasts without renewal. */
    durationMs: number;
    /** A heartbeat renews the lease this often while nothing else writes. */
    renewEveryMs: number;
}

export const DEFAULT_LEASE: LeaseOptions = { durationMs: 60_000, renewEveryMs: 20_000 };

function holdsLease(record: TenantRecord, owner: string, now: number): boolean {
    return (
        record.leaseOwner === owner && record.leaseExpiresAt !== undefined && Date.parse(record.leaseExpiresAt) > now
    );
}

export function leaseIsLive(record: TenantRecord, now: number): boolean {
    return (
        record.leaseOwner !== undefined &&
        record.leaseExpiresAt !== undefined &&
        Date.parse(record.leaseExpiresAt) > now
    );
}

/**
 * Takes the tenant's lease for `owner`, unless another sync holds a live one. `prepare` may change
 * the row in the same write (e.g. start a round). Returns undefined when the tenant does not exist.
 */
export async function acquireLease(
    registry: TenantRegistry,
    clock: Clock,
    tenantId: string,
    owner: string,
    options: LeaseOptions,
    prepare: (current: TenantRecord) => TenantRecord = (current) => current,
): Promise<TenantLease | LeaseBusy | undefined> {
    let busy: LeaseBusy | undefined;
    const taken: Tenant | undefined = await registry.update(tenantId, (current) => {
        const now = clock.now();
        busy = undefined;
        if (leaseIsLive(current, now) && current.leaseOwner !== owner) {
            busy = {
                busy: true,
                holder: current.leaseOwner ?? '',
                until: Date.parse(current.leaseExpiresAt ?? ''),
                record: current,
            };
            return undefined;
        }
        return {
            ...prepare(current),
            leaseOwner: owner,
            leaseExpiresAt: new Date(now + options.durationMs).toISOString(),
        };
    });
    if (taken === undefined) return undefined;
    if (busy !== undefined) return busy;
    return holdLease(registry, clock, tenantId, owner, options, taken.record);
}

function holdLease(
    registry: TenantRegistry,
    clock: Clock,
    tenantId: string,
    owner: string,
    options: LeaseOptions,
    initial: TenantRecord,
): TenantLease {
    let record = initial;
    let released = false;
    // Writes are chained so a heartbeat never races our own checkpoint for the ETag.
    let chain: Promise<unknown> = Promise.resolve();

    const write = (change: (current: TenantRecord) => TenantRecord, releasing: boolean): Promise<TenantRecord> => {
        const next = chain.then(async () => {
            let lost = false;
            let gone = false;
            const written = await registry.update(tenantId, (current) => {
                const now = clock.now();
                lost = !holdsLease(current, owner, now);
                gone = current.status === TenantStatus.disconnected;
                if (lost || gone) return undefined;
                const changed = change(current);
                return releasing
                    ? { ...changed, leaseOwner: undefined, leaseExpiresAt: undefined }
                    : { ...changed, leaseExpiresAt: new Date(now + options.durationMs).toISOString() };
            });
            if (written === undefined || gone) {
                stop();
                throw new TenantGoneError(`tenant ${tenantId} was disconnected or removed`);
            }
            if (lost) {
                stop();
                throw new TransientError('lease_lost', `the lease on tenant ${tenantId} ran out and was taken over`);
            }
            record = written.record;
            return record;
        });
        chain = next.catch(() => undefined);
        return next;
    };

    const heartbeat = setInterval(() => {
        write((current) => current, false).catch(() => undefined);
    }, options.renewEveryMs);
    heartbeat.unref();
    const stop = () => {
        released = true;
        clearInterval(heartbeat);
    };

    return {
        owner,
        current: () => record,
        write: (change) => {
            if (released) return Promise.reject(new TransientError('lease_lost', 'the lease was already given up'));
            return write(change, false);
        },
        async release(change = (current) => current) {
            if (released) return undefined;
            clearInterval(heartbeat);
            try {
                return await write(change, true);
            } finally {
                stop();
            }
        },
        abandon: stop,
    };
}
