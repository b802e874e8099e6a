import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';

import { isTenantSyncError } from '../errors';
import { isNotFound, storageFault } from '../storage';
import { nameKeyOf, type SyncedUser, USER_PROPERTIES } from './syncedUser';

/** Table Storage's limit for one entity-group transaction. */
export const MAX_BATCH = 100;
/** Azure Tables allows at most 15 comparisons in one filter; one is the partition key. */
const IDS_PER_QUERY = 14;

export interface UsersPage {
    users: SyncedUser[];
    continuationToken: string | undefined;
}

export interface DeletionOptions {
    /** Also delete users whose generation is below this (the sweep after a full round). */
    staleBefore?: number | undefined;
}

/** The `Users` table: partition = tenant id, row = user object id. */
export interface UsersStore {
    /** Writes the users (upserts, marked with the round's generation) in transactions of at most 100. */
    upsert(tenantId: string, users: readonly SyncedUser[], generation: number): Promise<void>;
    /** Marks users Graph reported as removed; they are deleted when the round completes (mass-deletion guard). */
    markRemoved(tenantId: string, ids: readonly string[]): Promise<void>;
    /** Which of `ids` are stored for the tenant. */
    existing(tenantId: string, ids: readonly string[]): Promise<Set<string>>;
    /**
     * Counts the users to delete at the end of a round — marked as removed, or (for a full round)
     * not seen since generation `staleBefore` — and those that stay.
     */
    countDeletions(tenantId: string, options: DeletionOptions): Promise<{ candidates: number; remaining: number }>;
    /**
     * The users marked as removed, reading only those (a delta round need not read the whole tenant):
     * their count, and their ids when there are at most `keepIds` (else deleteCandidates reads them again).
     */
    markedUsers(tenantId: string, keepIds: number): Promise<{ count: number; ids: string[] | undefined }>;
    /**
     * Deletes the users countDeletions counted, streaming (memory does not grow with the tenant).
     * Without `staleBefore` it reads only the users marked as removed.
     */
    deleteCandidates(tenantId: string, options: DeletionOptions): Promise<number>;
    /** Deletes users (one by one, in parallel); a user already gone counts as deleted. */
    delete(tenantId: string, ids: readonly string[]): Promise<void>;
    /** Deletes every user of the tenant (offboarding). */
    deleteAll(tenantId: string): Promise<number>;
    /** A page of users, optionally those whose display name starts with `namePrefix` (case-insensitive). */
    list(
        tenantId: string,
        options: { pageSize: number; continuationToken?: string; namePrefix?: string },
    ): Promise<UsersPage>;
    count(tenantId: string): Promise<number>;
}

type UserEntity = TableEntity<Record<string, string | boolean | number>>;

function toEntity(tenantId: string, user: SyncedUser, generation: number): UserEntity {
    const entity: UserEntity = {
        partitionKey: tenantId,
        rowKey: user.id,
        generation,
        pendingRemoval: false,
        nameKey: nameKeyOf(user.displayName),
    };
    // Table Storage cannot hold null: a property without a value is simply absent.
    for (const name of USER_PROPERTIES) {
        const value = user[name];
        if (name !== 'id' && value !== null) entity[name] = value;
    }
    return entity;
}

function fromEntity(entity: Record<string, unknown>): SyncedUser {
    const text = (name: string): string | null => {
        const value = entity[name];
        return typeof value === 'string' ? value : null;
    };
    return {
        id: String(entity.rowKey),
        displayName: text('displayName'),
        givenName: text('givenName'),
        surname: text('surname'),
        userPrincipalName: text('userPrincipalName'),
        mail: text('mail'),
        jobTitle: text('jobTitle'),
        department: text('department'),
        officeLocation: text('officeLocation'),
        accountEnabled: typeof entity.accountEnabled === 'boolean' ? entity.accountEnabled : null,
        userType: text('userType'),
    };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
    const result: T[][] = [];
    for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
    return result;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
            const item = items[next++] as T;
            await work(item);
        }
    });
    await Promise.all(lanes);
}

function isDeletion(entity: Record<string, unknown>, options: DeletionOptions): boolean {
    if (entity.pendingRemoval === true) return true;
    const generation = entity.generation;
    return options.staleBefore !== undefined && (typeof generation !== 'number' || generation < options.staleBefore);
}

/** Users marked as removed, filtered by the table service (appended to the partition filter). */
const MARKED_FILTER = ` and ${odata`pendingRemoval eq ${true}`}`;

/** The smallest string greater than every string that starts with `prefix`. */
function prefixEnd(prefix: string): string {
    return `${prefix}\uffff`;
}

export function createUsersStore(table: TableClient): UsersStore {
    const scan = async function* (tenantId: string, select: string[], extraFilter = '') {
        const filter = odata`PartitionKey eq ${tenantId}` + extraFilter;
        for await (const page of table
            .listEntities({ queryOptions: { filter, select } })
            .byPage({ maxPageSize: 1000 })) {
            yield* page;
        }
    };

    /** Streams the tenant's users and deletes those `matches` picks, 500 at a time (memory stays flat). */
    const deleteMatching = async (
        tenantId: string,
        select: string[],
        matches: (entity: Record<string, unknown>) => boolean,
        extraFilter = '',
    ): Promise<number> => {
        let deleted = 0;
        let batch: string[] = [];
        const flush = async () => {
            await store.delete(tenantId, batch);
            deleted += batch.length;
            batch = [];
        };
        try {
            for await (const entity of scan(tenantId, select, extraFilter)) {
                if (matches(entity)) batch.push(String(entity.rowKey));
                if (batch.length >= 500) await flush();
            }
        } catch (error) {
            throw isTenantSyncError(error) ? error : storageFault('scanning users to delete', error);
        }
        await flush();
        return deleted;
    };

    const store: UsersStore = {
        async upsert(tenantId, users, generation) {
            // One transaction may not name a row twice; Graph may send a user twice on a page (the last wins).
            const byId = new Map(users.map((user) => [user.id, user]));
            const actions = [...byId.values()].map((user): TransactionAction => [
                'upsert',
                toEntity(tenantId, user, generation),
                'Replace',
            ]);
            try {
                await Promise.all(chunks(actions, MAX_BATCH).map((batch) => table.submitTransaction(batch)));
            } catch (error) {
                throw storageFault('writing users', error);
            }
        },

        async markRemoved(tenantId, ids) {
            await eachLimited([...new Set(ids)], 16, async (id) => {
                try {
                    await table.updateEntity({ partitionKey: tenantId, rowKey: id, pendingRemoval: true }, 'Merge', {
                        etag: '*',
                    });
                } catch (error) {
                    // Removing a user we never stored is nothing to do.
                    if (!isNotFound(error)) throw storageFault('marking a removed user', error);
                }
            });
        },

        async existing(tenantId, ids) {
            const found = new Set<string>();
            try {
                await Promise.all(
                    chunks([...new Set(ids)], IDS_PER_QUERY).map(async (group) => {
                        const rows = group.map((id) => odata`RowKey eq ${id}`).join(' or ');
                        const filter = `${odata`PartitionKey eq ${tenantId}`} and (${rows})`;
                        for await (const entity of table.listEntities({
                            queryOptions: { filter, select: ['RowKey'] },
                        }))
                            found.add(String(entity.rowKey));
                    }),
                );
            } catch (error) {
                throw storageFault('looking up users', error);
            }
            return found;
        },

        async countDeletions(tenantId, options) {
            let candidates = 0;
            let remaining = 0;
            try {
                for await (const entity of scan(tenantId, ['RowKey', 'generation', 'pendingRemoval'])) {
                    if (isDeletion(entity, options)) candidates += 1;
                    else remaining += 1;
                }
            } catch (error) {
                throw storageFault('scanning users', error);
            }
            return { candidates, remaining };
        },

        async markedUsers(tenantId, keepIds) {
            let count = 0;
            let ids: string[] | undefined = [];
            try {
                for await (const entity of scan(tenantId, ['RowKey'], MARKED_FILTER)) {
                    if (entity.rowKey === undefined) continue;
                    count += 1;
                    // Past the limit the ids are dropped, so memory stays flat on a mass deletion.
                    if (ids !== undefined && ids.length < keepIds) ids.push(entity.rowKey);
                    else ids = undefined;
                }
            } catch (error) {
                throw storageFault('counting removed users', error);
            }
            return { count, ids };
        },

        deleteCandidates: (tenantId, options) =>
            deleteMatching(
                tenantId,
                ['RowKey', 'generation', 'pendingRemoval'],
                (entity) => isDeletion(entity, options),
                // Only a full round's sweep has to look at every user; otherwise the service filters.
                options.staleBefore === undefined ? MARKED_FILTER : '',
            ),

        async delete(tenantId, ids) {
            await eachLimited([...new Set(ids)], 16, async (id) => {
                try {
                    await table.deleteEntity(tenantId, id);
                } catch (error) {
                    if (!isNotFound(error)) throw storageFault('deleting a user', error);
                }
            });
        },

        deleteAll: (tenantId) => deleteMatching(tenantId, ['RowKey'], () => true),

        async list(tenantId, options) {
            const prefix = options.namePrefix === undefined ? '' : nameKeyOf(options.namePrefix);
            const filter =
                odata`PartitionKey eq ${tenantId}` +
                (prefix === '' ? '' : ` and ${odata`nameKey ge ${prefix} and nameKey lt ${prefixEnd(prefix)}`}`);
            const pages = table.listEntities({ queryOptions: { filter } }).byPage({
                maxPageSize: options.pageSize,
                ...(options.continuationToken === undefined ? {} : { continuationToken: options.continuationToken }),
            });
            try {
                // A filtered scan may return an empty page with a continuation: read on until
                // something is found or the table ends.
                const users: SyncedUser[] = [];
                let token: string | undefined;
                for await (const page of pages) {
                    users.push(...page.map(fromEntity));
                    token = page.continuationToken;
                    if (users.length > 0 || token === undefined) break;
                }
                return { users, continuationToken: token };
            } catch (error) {
                throw storageFault('listing users', error);
            }
        },

        async count(tenantId) {
            let count = 0;
            try {
                for await (const entity of scan(tenantId, ['RowKey'])) if (entity.rowKey !== undefined) count += 1;
            } catch (error) {
                throw storageFault('counting users', error);
            }
            return count;
        },
    };
    return store;
}
