import type { Clock } from '../app/clock';
import type { SyncConfig } from '../config';
import { CustomerActionError, ensureError, ErrorCode, OperatorActionError, TransientError } from '../errors';
import { type GraphClient, GraphResyncRequiredError, newGraphStats, type GraphStats } from '../graph';
import type { Logger } from '../logging';
import {
    changeStatus,
    type RoundCheckpoint,
    type RunSummary,
    type TenantRecord,
    type TenantRegistry,
    TenantStatus,
} from '../tenants';
import {
    completeRound,
    type CompletionResult,
    MARKED_IDS_KEPT,
    newRound,
    type RoundDeps,
    runPages,
} from './deltaRound';
import type { QueuedMarkers } from './queuedMarkers';
import { queuedRun, type RunOutcome, type RunsStore, type SyncRun } from './runsStore';
import type { SyncMessage } from './syncMessage';
import type { SyncQueue } from './syncQueue';
import { acquireLease, DEFAULT_LEASE, type LeaseOptions, TenantGoneError, type TenantLease } from './tenantLease';
import type { UsersStore } from './usersStore';

/** What one delivery of a sync message did (logged, and returned to tests and benchmarks). */
export type WorkerResult =
    | { action: 'succeeded'; runId: string; rounds: number }
    | { action: 'continued'; runId: string; delaySeconds: number; reason: string }
    | { action: 'blocked'; runId: string }
    | { action: 'failed'; runId: string; errorCode: string }
    | { action: 'skipped'; reason: string }
    | { action: 'deferred'; delaySeconds: number; reason: string }
    | { action: 'remembered'; runId: string };

export interface SyncWorkerDeps {
    tenants: TenantRegistry;
    users: UsersStore;
    runs: RunsStore;
    graph: GraphClient;
    queue: SyncQueue;
    markers: QueuedMarkers;
    clock: Clock;
    sync: SyncConfig;
    lease?: LeaseOptions;
    /** Removed users a delta round deletes by id from its one read of them (default MARKED_IDS_KEPT). */
    markedIdsKept?: number;
}

export interface Delivery {
    /** Unique per delivery: owns the tenant's lease while it runs. */
    invocationId: string;
    logger: Logger;
}

/** Runs kept per tenant in SyncRuns. */
const RUNS_KEPT = 100;
/** Longest pause between attempts after repeated transient failures. */
const MAX_BACKOFF_SECONDS = 15 * 60;

const backoffSeconds = (failures: number) => Math.min(MAX_BACKOFF_SECONDS, 30 * 2 ** Math.max(0, failures - 1));

function withinConsentGrace(record: TenantRecord, now: number, graceMinutes: number): boolean {
    return record.consentedAt !== undefined && now - Date.parse(record.consentedAt) < graceMinutes * 60_000;
}

/** The queue worker: one delivery of a `tenant-sync` message. */
export function createSyncWorker(deps: SyncWorkerDeps) {
    const { tenants, users, runs, clock, sync } = deps;
    const leaseOptions = deps.lease ?? DEFAULT_LEASE;
    const nowIso = () => new Date(clock.now()).toISOString();

    const continueLater = async (message: SyncMessage, delaySeconds: number) => {
        await deps.queue.send(
            { ...message, reason: 'continuation', requestedAt: nowIso() },
            { delaySeconds: Math.ceil(delaySeconds) },
        );
        await deps.markers.mark([{ tenantId: message.tenantId, runId: message.runId, queuedAt: clock.now() }]);
    };

    /** The run row of the round, created if the request did not record it. */
    const runFor = async (tenantId: string, round: RoundCheckpoint): Promise<SyncRun> =>
        (await runs.get(tenantId, round.runId)) ?? queuedRun(tenantId, round.runId, round.trigger, round.startedAt);

    /** Marks the round's run as running in this invocation. */
    const startRun = async (tenantId: string, round: RoundCheckpoint): Promise<SyncRun> => {
        const run = await runFor(tenantId, round);
        const running: SyncRun = {
            ...run,
            state: 'running',
            mode: round.mode,
            startedAt: run.startedAt ?? round.startedAt,
            invocations: run.invocations + 1,
        };
        await runs.save(running);
        return running;
    };

    const saveRun = async (
        run: SyncRun,
        round: RoundCheckpoint,
        stats: GraphStats,
        state: SyncRun['state'],
        extra: Partial<SyncRun> = {},
    ) => {
        const finished = state === 'succeeded' || state === 'failed' || state === 'blocked';
        const saved: SyncRun = {
            ...run,
            mode: round.mode,
            state,
            pages: round.pages,
            added: round.added,
            updated: round.updated,
            removed: round.removed,
            graphRequests: run.graphRequests + stats.requests,
            throttled: run.throttled + stats.throttled,
            waitedMs: run.waitedMs + stats.waitedMs,
            ...(finished ? { finishedAt: nowIso(), outcome: state } : {}),
            ...extra,
        };
        await runs.save(saved);
        // Requests this round also answered share its result.
        if (finished)
            for (const runId of round.mergedRunIds ?? [])
                await runs.save({
                    ...saved,
                    runId,
                    trigger: 'manual',
                    requestedAt: (await runs.get(run.tenantId, runId))?.requestedAt ?? saved.requestedAt,
                });
        return saved;
    };

    const summaryOf = (run: SyncRun, outcome: RunOutcome, errorCode?: string): RunSummary => ({
        runId: run.runId,
        mode: run.mode ?? 'delta',
        trigger: run.trigger,
        outcome,
        finishedAt: nowIso(),
        added: run.added,
        updated: run.updated,
        removed: run.removed,
        errorCode,
    });

    async function handle(message: SyncMessage, delivery: Delivery): Promise<WorkerResult> {
        const logger = delivery.logger.with({
            tenantId: message.tenantId,
            runId: message.runId,
            reason: message.reason,
        });
        await deps.markers.clear(message.tenantId);
        const tenant = await tenants.get(message.tenantId);
        if (tenant === undefined) return { action: 'skipped', reason: 'unknown tenant' };
        const record = tenant.record;
        const now = clock.now();

        if (record.status === TenantStatus.disconnected) return { action: 'skipped', reason: 'tenant disconnected' };
        if (record.status === TenantStatus.consentRequired)
            return { action: 'skipped', reason: 'waiting for the tenant admin to consent again' };
        if (record.status === TenantStatus.error && message.reason === 'schedule')
            return { action: 'skipped', reason: `tenant in error (${record.statusCode ?? 'unknown'})` };
        if (message.reason === 'continuation' && record.round?.runId !== message.runId)
            return { action: 'skipped', reason: 'that run has already finished' };
        if (
            message.reason === 'schedule' &&
            record.round === undefined &&
            record.lastSyncAt !== undefined &&
            now - Date.parse(record.lastSyncAt) < sync.minIntervalMinutes * 60_000
        )
            return { action: 'skipped', reason: 'synced recently' };
        const retryAfter = record.graphRetryAfter === undefined ? 0 : Date.parse(record.graphRetryAfter) - now;
        if (retryAfter > 0) {
            await deps.queue.send(message, { delaySeconds: Math.ceil(retryAfter / 1000) });
            return { action: 'deferred', delaySeconds: Math.ceil(retryAfter / 1000), reason: 'Graph asked us to wait' };
        }

        const asks = message.reason === 'manual' || message.reason === 'consent';
        const lease = await acquireLease(
            tenants,
            clock,
            message.tenantId,
            delivery.invocationId,
            leaseOptions,
            (current) => {
                if (current.round === undefined) {
                    // A continuation whose round ended meanwhile was turned away above; should one slip
                    // through, its round counts as scheduled.
                    const trigger = message.reason === 'continuation' ? 'schedule' : message.reason;
                    return { ...current, round: newRound(current, message.runId, trigger, clock.now()) };
                }
                // A round is under way: a request made now is answered by one more round after it.
                if (asks && current.round.runId !== message.runId && !current.pendingRunIds.includes(message.runId))
                    return { ...current, pendingRunIds: [...current.pendingRunIds, message.runId] };
                return current;
            },
        );
        if (lease === undefined) return { action: 'skipped', reason: 'unknown tenant' };
        if ('busy' in lease) {
            if (message.reason === 'continuation' || lease.record.round?.runId === message.runId) {
                // This message drives the round under way: a duplicate, or the queue's redelivery after the
                // worker running it died. If the holder died, this copy carries the round on after its lease.
                const delay = Math.max(1, Math.ceil((lease.until - clock.now()) / 1000) + 1);
                await deps.queue.send({ ...message, reason: 'continuation' }, { delaySeconds: delay });
                return { action: 'deferred', delaySeconds: delay, reason: 'another delivery holds the lease' };
            }
            if (asks) {
                await tenants.update(message.tenantId, (current) =>
                    current.pendingRunIds.includes(message.runId)
                        ? undefined
                        : { ...current, pendingRunIds: [...current.pendingRunIds, message.runId] },
                );
                logger.info('a sync is running; this request runs right after it');
                return { action: 'remembered', runId: message.runId };
            }
            return { action: 'skipped', reason: 'a sync of this tenant is running' };
        }
        return runWithLease(message, lease, logger);
    }

    async function runWithLease(message: SyncMessage, lease: TenantLease, logger: Logger): Promise<WorkerResult> {
        const tenantId = message.tenantId;
        const deadline = clock.now() + sync.timeBudgetSeconds * 1000;
        const graph = deps.graph.forTenant(tenantId);
        let rounds = 0;
        let stats = newGraphStats();
        let round = lease.current().round;
        if (round === undefined) throw new Error('a leased tenant without a round');
        let run = await startRun(tenantId, round);

        const roundDeps = (): RoundDeps => ({
            tenantId,
            lease,
            graph,
            users,
            clock,
            logger,
            stats,
            deadline,
            maxDeletePercent: sync.maxDeletePercent,
            markedIdsKept: deps.markedIdsKept ?? MARKED_IDS_KEPT,
        });

        try {
            for (;;) {
                let pages;
                try {
                    pages = await runPages(roundDeps());
                } catch (error) {
                    if (!(error instanceof GraphResyncRequiredError)) throw error;
                    // Graph dropped our delta state: start over with a full round (mark-and-sweep), same run.
                    logger.warn('Graph requires a full resync', { error: error.message });
                    const resumed: RoundCheckpoint = round;
                    round =
                        (
                            await lease.write((record): TenantRecord => ({
                                ...record,
                                deltaLink: undefined,
                                round: {
                                    ...newRound(
                                        { ...record, deltaLink: undefined },
                                        resumed.runId,
                                        resumed.trigger,
                                        clock.now(),
                                    ),
                                    mergedRunIds: resumed.mergedRunIds,
                                },
                            }))
                        ).round ?? round;
                    continue;
                }
                round = lease.current().round ?? round;
                if (pages.kind === 'outOfTime') {
                    await saveRun(run, round, stats, 'continued');
                    await lease.release();
                    await continueLater({ ...message, runId: round.runId }, 0);
                    logger.info('time budget spent; the round continues in a new invocation', { pages: round.pages });
                    return { action: 'continued', runId: round.runId, delaySeconds: 0, reason: 'time budget' };
                }
                const completion: CompletionResult = await completeRound(roundDeps(), lease.current().allowMassDelete);
                if (completion.kind === 'blocked') {
                    const detail = `would delete ${completion.wouldDelete} of ${completion.total} users (more than ${sync.maxDeletePercent}%)`;
                    const saved = await saveRun(run, round, stats, 'blocked', {
                        errorCode: ErrorCode.massDeleteBlocked,
                        errorMessage: `Nothing was deleted: this sync ${detail}. An operator can confirm it.`,
                    });
                    await lease.release((current) => ({
                        ...current,
                        ...changeStatus(
                            current,
                            {
                                status: TenantStatus.error,
                                statusCode: ErrorCode.massDeleteBlocked,
                                statusDetail: detail,
                            },
                            new Date(clock.now()),
                        ),
                        round: undefined,
                        lastRun: summaryOf(saved, 'blocked', ErrorCode.massDeleteBlocked),
                    }));
                    logger.warn('mass deletion blocked', {
                        wouldDelete: completion.wouldDelete,
                        total: completion.total,
                    });
                    return { action: 'blocked', runId: round.runId };
                }
                const finishedRound = {
                    ...round,
                    added: completion.added,
                    updated: completion.updated,
                    removed: completion.removed,
                };
                const saved = await saveRun(run, finishedRound, stats, 'succeeded');
                rounds += 1;
                logger.info('sync succeeded', {
                    mode: round.mode,
                    pages: round.pages,
                    added: completion.added,
                    updated: completion.updated,
                    removed: completion.removed,
                    users: completion.remaining,
                    graphRequests: saved.graphRequests,
                    throttled: saved.throttled,
                    waitedMs: saved.waitedMs,
                });
                const completed = round;
                const after = await lease.write((current) => {
                    const pending = current.pendingRunIds.filter(
                        (id) => id !== completed.runId && !(completed.mergedRunIds ?? []).includes(id),
                    );
                    const base: TenantRecord = {
                        ...current,
                        ...changeStatus(current, { status: TenantStatus.active }, new Date(clock.now())),
                        round: undefined,
                        deltaLink: completed.deltaLink,
                        fullGeneration: completed.mode === 'full' ? completed.generation : current.fullGeneration,
                        userCount: completion.remaining,
                        lastSyncAt: new Date(clock.now()).toISOString(),
                        lastRun: summaryOf(saved, 'succeeded'),
                        allowMassDelete: false,
                        graphRetryAfter: undefined,
                        pendingRunIds: [],
                    };
                    const [next, ...merged] = pending;
                    if (next === undefined) return base;
                    // Requests that came in while this round ran get one more round, now.
                    return { ...base, round: { ...newRound(base, next, 'manual', clock.now()), mergedRunIds: merged } };
                });
                await runs.prune(tenantId, RUNS_KEPT);
                if (after.round === undefined || clock.now() >= deadline) {
                    if (after.round !== undefined) {
                        await lease.release();
                        await continueLater({ ...message, runId: after.round.runId }, 0);
                        return {
                            action: 'continued',
                            runId: after.round.runId,
                            delaySeconds: 0,
                            reason: 'requested again',
                        };
                    }
                    // A request remembered after the write above (the lease was still ours) gets its round too.
                    const released = await lease.release((current) => {
                        const [late, ...merged] = current.pendingRunIds;
                        if (current.round !== undefined || late === undefined) return current;
                        const next = newRound(current, late, 'manual', clock.now());
                        return { ...current, pendingRunIds: [], round: { ...next, mergedRunIds: merged } };
                    });
                    if (released?.round !== undefined) {
                        await continueLater({ ...message, runId: released.round.runId }, 0);
                        return {
                            action: 'continued',
                            runId: released.round.runId,
                            delaySeconds: 0,
                            reason: 'requested again',
                        };
                    }
                    return { action: 'succeeded', runId: completed.runId, rounds };
                }
                round = after.round;
                stats = newGraphStats();
                run = await startRun(tenantId, round);
            }
        } catch (error) {
            return handleFailure(error, message, lease, run, round, stats, logger);
        }
    }

    async function handleFailure(
        error: unknown,
        message: SyncMessage,
        lease: TenantLease,
        run: SyncRun,
        round: RoundCheckpoint,
        stats: GraphStats,
        logger: Logger,
    ): Promise<WorkerResult> {
        const tenantId = message.tenantId;
        const current = lease.current();
        const at = new Date(clock.now());

        if (error instanceof TenantGoneError) {
            lease.abandon();
            // Offboarding deleted the tenant's data while this round wrote: delete what it wrote since.
            await users.deleteAll(tenantId);
            await runs.deleteAll(tenantId);
            logger.info('tenant was disconnected during the sync; stopped and cleared its data');
            return { action: 'skipped', reason: 'tenant disconnected during the sync' };
        }
        if (error instanceof TransientError && error.code === ErrorCode.leaseLost) {
            lease.abandon();
            logger.warn('lost the tenant lease to another delivery; stopping');
            return { action: 'skipped', reason: 'lease lost' };
        }
        const consentProblem =
            error instanceof CustomerActionError && error.code === ErrorCode.consentRequired ? error : undefined;
        if (consentProblem !== undefined && withinConsentGrace(current, clock.now(), sync.consentGraceMinutes)) {
            // Right after a consent, "app unknown" and "no permission" mean Microsoft has not applied it yet.
            const failures = round.failures + 1;
            const delay = Math.min(5 * 60, 10 * 2 ** (failures - 1));
            await saveRun(run, round, stats, 'continued', {
                errorCode: ErrorCode.consentPending,
                errorMessage: 'Waiting for Microsoft to apply the consent',
            });
            await lease.release((record) => ({
                ...record,
                round: record.round === undefined ? undefined : { ...record.round, failures },
            }));
            await continueLater({ ...message, runId: round.runId }, delay);
            logger.info('consent not applied yet; trying again later', {
                delaySeconds: delay,
                remoteCode: consentProblem.remoteCode,
            });
            return { action: 'continued', runId: round.runId, delaySeconds: delay, reason: 'consent pending' };
        }
        if (error instanceof CustomerActionError || error instanceof OperatorActionError) {
            const status = error.code === ErrorCode.consentRequired ? TenantStatus.consentRequired : TenantStatus.error;
            const remote = error instanceof CustomerActionError ? error.remoteCode : undefined;
            const saved = await saveRun(run, round, stats, 'failed', {
                errorCode: error.code,
                errorMessage: error.message,
            });
            await lease.release((record) => ({
                ...record,
                ...changeStatus(
                    record,
                    status === TenantStatus.error
                        ? { status, statusCode: error.code, statusDetail: remote ?? error.message }
                        : { status, statusCode: remote, statusDetail: error.message },
                    at,
                ),
                lastRun: summaryOf(saved, 'failed', error.code),
            }));
            logger.warn('sync failed; the tenant needs attention', { errorCode: error.code, remoteCode: remote });
            return { action: 'failed', runId: round.runId, errorCode: error.code };
        }
        if (error instanceof TransientError && error.code === ErrorCode.graphPagingLoop) {
            const saved = await saveRun(run, round, stats, 'failed', {
                errorCode: error.code,
                errorMessage: error.message,
            });
            // Start the round over next time (from the last delta link, or a new full round).
            await lease.release((record) => ({
                ...record,
                round: undefined,
                lastRun: summaryOf(saved, 'failed', error.code),
            }));
            logger.error('Graph repeated a page link; round abandoned', { error });
            return { action: 'failed', runId: round.runId, errorCode: error.code };
        }
        if (
            error instanceof TransientError &&
            error.code === ErrorCode.graphThrottled &&
            error.retryAfterMs !== undefined
        ) {
            const delay = Math.ceil(error.retryAfterMs / 1000);
            await saveRun(run, round, stats, 'continued', { errorCode: error.code, errorMessage: error.message });
            await lease.release((record) => ({
                ...record,
                graphRetryAfter: new Date(clock.now() + error.retryAfterMs!).toISOString(),
            }));
            await continueLater({ ...message, runId: round.runId }, delay);
            logger.info('Graph asked for a long wait; continuing later', { delaySeconds: delay });
            return { action: 'continued', runId: round.runId, delaySeconds: delay, reason: 'throttled' };
        }
        // Transient (Graph or storage down), or an unexpected error: keep the checkpoint, back off, go on.
        const normalized = ensureError(error);
        const code = error instanceof TransientError ? error.code : ErrorCode.internal;
        const failures = round.failures + 1;
        const delay = backoffSeconds(failures);
        logger.error('sync interrupted; it resumes from its checkpoint', {
            error: normalized,
            failures,
            delaySeconds: delay,
        });
        try {
            await saveRun(run, round, stats, 'continued', { errorCode: code, errorMessage: normalized.message });
            await lease.release((record) => ({
                ...record,
                round: record.round === undefined ? undefined : { ...record.round, failures },
            }));
            await continueLater({ ...message, runId: round.runId }, delay);
        } catch (cleanupError) {
            // Storage itself is failing: let the host retry the message; the lease runs out by itself.
            lease.abandon();
            throw cleanupError;
        }
        return { action: 'continued', runId: round.runId, delaySeconds: delay, reason: code };
    }

    return { handle };
}

export type SyncWorker = ReturnType<typeof createSyncWorker>;
