import { odata, type TableClient } from '@azure/data-tables';

import type { Clock } from '../app/clock';
import { InternalError, TransientError } from '../errors';
import { isConflict, isNotFound, isPreconditionFailed, storageFault } from '../storage';
import { fromEntity, newTenantRecord, type Tenant, TENANT_ROW_KEY, type TenantRecord, toEntity } from './tenantRecord';
import { changeStatus, type StatusChange, type TenantStatus } from './tenantStatus';

/** What a read-modify-write returns: the new record, or `undefined` to leave the row as it is. */
export type TenantMutation = (current: TenantRecord) => TenantRecord | undefined;

export interface TenantPage {
    tenants: Tenant[];
    continuationToken: string | undefined;
}

/** The `Tenants` table. Every write is conditional on the ETag of the row it was computed from. */
export interface TenantRegistry {
    get(tenantId: string): Promise<Tenant | undefined>;
    /** One page of tenants, optionally only those in `statuses`. */
    list(options?: {
        statuses?: readonly TenantStatus[];
        pageSize?: number;
        continuationToken?: string;
    }): Promise<TenantPage>;
    /** Every tenant in `statuses`, a page at a time (memory does not grow with the number of tenants). */
    stream(statuses: readonly TenantStatus[], pageSize?: number): AsyncIterable<Tenant>;
    /**
     * Reads the row, applies `mutate` and writes the result with the row's ETag; when someone else
     * wrote in between, reads again and re-applies (so `mutate` must be a pure function of the row).
     * Returns the stored tenant, or undefined when the row does not exist.
     */
    update(tenantId: string, mutate: TenantMutation): Promise<Tenant | undefined>;
    /** Like update, but creates the row from `create` when it does not exist yet. */
    upsert(tenantId: string, create: () => TenantRecord, mutate: TenantMutation): Promise<Tenant>;
    /** Moves a tenant to another status (allowed moves only, see tenantStatus.ts). */
    setStatus(tenantId: string, change: StatusChange): Promise<Tenant | undefined>;
}

const MAX_ATTEMPTS = 8;

export function createTenantRegistry(table: TableClient, clock: Clock): TenantRegistry {
    const read = async (tenantId: string): Promise<Tenant | undefined> => {
        tenantId = tenantId.toLowerCase();
        try {
            const entity = await table.getEntity(tenantId, TENANT_ROW_KEY);
            return { record: fromEntity(entity), etag: entity.etag };
        } catch (error) {
            if (isNotFound(error)) return undefined;
            throw storageFault('reading a tenant', error);
        }
    };

    const write = async (record: TenantRecord, etag: string | undefined): Promise<Tenant | 'conflict'> => {
        try {
            const response =
                etag === undefined
                    ? await table.createEntity(toEntity(record))
                    : await table.updateEntity(toEntity(record), 'Replace', { etag });
            if (response.etag === undefined) throw new InternalError('storage returned no ETag');
            return { record, etag: response.etag };
        } catch (error) {
            // Someone else wrote (412) or created (409) the row since we read it: the caller retries.
            if (isPreconditionFailed(error) || (etag === undefined && isConflict(error))) return 'conflict';
            if (etag !== undefined && isNotFound(error)) return 'conflict';
            throw storageFault('writing a tenant', error);
        }
    };

    const readModifyWrite = async (
        tenantId: string,
        create: (() => TenantRecord) | undefined,
        mutate: TenantMutation,
    ): Promise<Tenant | undefined> => {
        // Row keys are lower-case GUIDs, however the id was spelt where it came from.
        tenantId = tenantId.toLowerCase();
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            const current = await read(tenantId);
            if (current === undefined && create === undefined) return undefined;
            const base = current?.record ?? create?.();
            if (base === undefined) return undefined;
            const next = mutate(base);
            if (next === undefined) {
                if (current !== undefined) return current;
                continue;
            }
            if (next.tenantId !== tenantId) throw new InternalError('a tenant update changed the tenant id');
            const written = await write(next, current?.etag);
            if (written !== 'conflict') return written;
        }
        throw new TransientError(
            'storage_unavailable',
            `tenant ${tenantId} kept changing under us (${MAX_ATTEMPTS} conflicting writes)`,
        );
    };

    // The table also holds other kinds of rows (the fan-out's queue markers): select tenant rows only.
    const filterFor = (statuses: readonly TenantStatus[] | undefined): string =>
        statuses === undefined || statuses.length === 0
            ? odata`RowKey eq ${TENANT_ROW_KEY}`
            : `${odata`RowKey eq ${TENANT_ROW_KEY}`} and (${statuses.map((status) => odata`status eq ${status}`).join(' or ')})`;

    const page = async (
        statuses: readonly TenantStatus[] | undefined,
        pageSize: number,
        continuationToken: string | undefined,
    ): Promise<TenantPage> => {
        const filter = filterFor(statuses);
        const pages = table
            .listEntities({ queryOptions: { filter } })
            .byPage({ maxPageSize: pageSize, ...(continuationToken === undefined ? {} : { continuationToken }) });
        try {
            const result = await pages.next();
            if (result.done === true) return { tenants: [], continuationToken: undefined };
            const value = result.value;
            return {
                tenants: value.map((entity) => ({ record: fromEntity(entity), etag: entity.etag })),
                continuationToken: value.continuationToken,
            };
        } catch (error) {
            throw storageFault('listing tenants', error);
        }
    };

    return {
        get: read,
        list: (options = {}) => page(options.statuses, options.pageSize ?? 100, options.continuationToken),
        async *stream(statuses, pageSize = 1000) {
            let token: string | undefined;
            do {
                const result = await page(statuses, pageSize, token);
                yield* result.tenants;
                token = result.continuationToken;
            } while (token !== undefined);
        },
        update: (tenantId, mutate) => readModifyWrite(tenantId, undefined, mutate),
        async upsert(tenantId, create, mutate) {
            const result = await readModifyWrite(tenantId, create, mutate);
            if (result === undefined) throw new InternalError('upsert wrote nothing');
            return result;
        },
        setStatus: (tenantId, change) =>
            readModifyWrite(tenantId, undefined, (current) => ({
                ...current,
                ...changeStatus(current, change, new Date(clock.now())),
            })),
    };
}

export { newTenantRecord };
