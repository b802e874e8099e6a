import { odata, type TableClient } from '@azure/data-tables';

import { InternalError } from '../errors';
import { isConflict, isNotFound, storageFault } from '../storage';
import type { SyncMode, SyncTrigger } from '../tenants';

/**
 * A run's outcome. `continued`: the run is not over — it handed on to a continuation message (its
 * time budget ran out, or Graph asked it to wait); `finishedAt` is set only on the other three.
 */
export type RunOutcome = 'succeeded' | 'failed' | 'blocked' | 'continued';
export type RunState = 'queued' | 'running' | RunOutcome;

/** One sync run of one tenant: a round of delta paging, possibly over several invocations. */
export interface SyncRun {
    tenantId: string;
    runId: string;
    trigger: SyncTrigger;
    mode: SyncMode | undefined;
    state: RunState;
    requestedAt: string;
    startedAt: string | undefined;
    finishedAt: string | undefined;
    outcome: Exclude<RunOutcome, 'continued'> | undefined;
    invocations: number;
    pages: number;
    added: number;
    updated: number;
    removed: number;
    graphRequests: number;
    throttled: number;
    waitedMs: number;
    errorCode: string | undefined;
    errorMessage: string | undefined;
}

/** The `SyncRuns` table: partition = tenant id, row = run id (run ids sort newest first). */
export interface RunsStore {
    get(tenantId: string, runId: string): Promise<SyncRun | undefined>;
    /** The newest runs first. */
    recent(tenantId: string, limit: number): Promise<SyncRun[]>;
    /** Creates or replaces a run row (runs are written by the one sync holding the tenant's lease). */
    save(run: SyncRun): Promise<void>;
    /** Records a requested run, unless the run is already known. */
    saveQueued(run: SyncRun): Promise<void>;
    /** Keeps the newest `keep` runs of the tenant. */
    prune(tenantId: string, keep: number): Promise<void>;
    deleteAll(tenantId: string): Promise<number>;
}

const NUMBERS = [
    'invocations',
    'pages',
    'added',
    'updated',
    'removed',
    'graphRequests',
    'throttled',
    'waitedMs',
] as const;

function toEntity(run: SyncRun): Record<string, string | number> & { partitionKey: string; rowKey: string } {
    const entity: Record<string, string | number> & { partitionKey: string; rowKey: string } = {
        partitionKey: run.tenantId,
        rowKey: run.runId,
        trigger: run.trigger,
        state: run.state,
        requestedAt: run.requestedAt,
    };
    for (const name of NUMBERS) entity[name] = run[name];
    const optional = {
        mode: run.mode,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        outcome: run.outcome,
        errorCode: run.errorCode,
        errorMessage: run.errorMessage,
    };
    for (const [key, value] of Object.entries(optional)) if (value !== undefined) entity[key] = value;
    return entity;
}

function fromEntity(entity: Record<string, unknown>): SyncRun {
    const text = (name: string) => (typeof entity[name] === 'string' ? entity[name] : undefined);
    const count = (name: string) => (typeof entity[name] === 'number' ? entity[name] : 0);
    const trigger = text('trigger');
    const state = text('state');
    if (trigger === undefined || state === undefined)
        throw new InternalError(`SyncRuns row ${String(entity.rowKey)} is incomplete`);
    return {
        tenantId: String(entity.partitionKey),
        runId: String(entity.rowKey),
        trigger: trigger as SyncTrigger,
        mode: text('mode') as SyncMode | undefined,
        state: state as RunState,
        requestedAt: text('requestedAt') ?? '',
        startedAt: text('startedAt'),
        finishedAt: text('finishedAt'),
        outcome: text('outcome') as SyncRun['outcome'],
        invocations: count('invocations'),
        pages: count('pages'),
        added: count('added'),
        updated: count('updated'),
        removed: count('removed'),
        graphRequests: count('graphRequests'),
        throttled: count('throttled'),
        waitedMs: count('waitedMs'),
        errorCode: text('errorCode'),
        errorMessage: text('errorMessage'),
    };
}

/** A run that was asked for but has not started. */
export function queuedRun(tenantId: string, runId: string, trigger: SyncTrigger, requestedAt: string): SyncRun {
    return {
        tenantId,
        runId,
        trigger,
        mode: undefined,
        state: 'queued',
        requestedAt,
        startedAt: undefined,
        finishedAt: undefined,
        outcome: undefined,
        invocations: 0,
        pages: 0,
        added: 0,
        updated: 0,
        removed: 0,
        graphRequests: 0,
        throttled: 0,
        waitedMs: 0,
        errorCode: undefined,
        errorMessage: undefined,
    };
}

export function createRunsStore(table: TableClient): RunsStore {
    const keysOf = async (tenantId: string): Promise<string[]> => {
        const keys: string[] = [];
        for await (const entity of table.listEntities({
            queryOptions: { filter: odata`PartitionKey eq ${tenantId}`, select: ['RowKey'] },
        }))
            keys.push(String(entity.rowKey));
        return keys;
    };
    const remove = async (tenantId: string, runIds: string[]) => {
        for (const runId of runIds) {
            try {
                await table.deleteEntity(tenantId, runId);
            } catch (error) {
                if (!isNotFound(error)) throw error;
            }
        }
    };

    return {
        async get(tenantId, runId) {
            try {
                return fromEntity(await table.getEntity(tenantId, runId));
            } catch (error) {
                if (isNotFound(error)) return undefined;
                throw storageFault('reading a run', error);
            }
        },
        async recent(tenantId, limit) {
            try {
                const pages = table
                    .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${tenantId}` } })
                    .byPage({ maxPageSize: limit });
                const first = await pages.next();
                return first.done === true ? [] : first.value.slice(0, limit).map(fromEntity);
            } catch (error) {
                throw storageFault('listing runs', error);
            }
        },
        async save(run) {
            try {
                await table.upsertEntity(toEntity(run), 'Replace');
            } catch (error) {
                throw storageFault('writing a run', error);
            }
        },
        async saveQueued(run) {
            try {
                await table.createEntity(toEntity(run));
            } catch (error) {
                // Already recorded (a repeated request or a retried write): keep what is there.
                if (!isConflict(error)) throw storageFault('recording a run', error);
            }
        },
        async prune(tenantId, keep) {
            try {
                await remove(tenantId, (await keysOf(tenantId)).slice(keep));
            } catch (error) {
                throw storageFault('pruning runs', error);
            }
        },
        async deleteAll(tenantId) {
            try {
                const keys = await keysOf(tenantId);
                await remove(tenantId, keys);
                return keys.length;
            } catch (error) {
                throw storageFault('deleting runs', error);
            }
        },
    };
}
