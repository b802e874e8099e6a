import type { Clock } from '../app/clock';
import type { SyncConfig } from '../config';
import { ensureError, ErrorCode } from '../errors';
import type { Logger } from '../logging';
import { type Tenant, type TenantRegistry, TenantStatus } from '../tenants';
import type { QueuedMarker, QueuedMarkers } from './queuedMarkers';
import { newRunId, type SyncMessage } from './syncMessage';
import type { SyncQueue } from './syncQueue';
import { leaseIsLive } from './tenantLease';

/** Error codes that clear without the customer's admin: the fan-out keeps retrying those tenants. */
const RETRYABLE_ERRORS: readonly string[] = [ErrorCode.clientSecretInvalid, ErrorCode.secretUnavailable];

export type SkipReason = 'queued' | 'running' | 'recent' | 'error';

export interface FanOutResult {
    seen: number;
    enqueued: number;
    skipped: Record<SkipReason, number>;
}

export interface FanOutDeps {
    tenants: TenantRegistry;
    markers: QueuedMarkers;
    queue: SyncQueue;
    clock: Clock;
    sync: SyncConfig;
    random: () => number;
    randomHex: (bytes: number) => string;
}

/** Messages in flight at once: enough to keep the queue service busy, few enough to stay polite. */
const SEND_CONCURRENCY = 32;

/** Joins the tenant stream with the marker stream; both come in tenant-id order. */
async function* withMarkers(
    tenants: AsyncIterable<Tenant>,
    markers: AsyncIterable<QueuedMarker>,
): AsyncIterable<[Tenant, QueuedMarker | undefined]> {
    const markerIterator = markers[Symbol.asyncIterator]();
    let marker = await markerIterator.next();
    for await (const tenant of tenants) {
        while (marker.done !== true && marker.value.tenantId < tenant.record.tenantId)
            marker = await markerIterator.next();
        const match =
            marker.done !== true && marker.value.tenantId === tenant.record.tenantId ? marker.value : undefined;
        yield [tenant, match];
    }
}

/**
 * Enqueues one sync per tenant that is due: active, pending (or in a retryable error), not already
 * queued or running, and not synced within SYNC_MIN_INTERVAL_MINUTES. Starts are spread over
 * SYNC_JITTER_SECONDS with the message's visibility delay. A round left behind by a crashed worker
 * gets a continuation. Memory stays flat: tenants are read a page at a time and sends are bounded.
 */
export async function fanOut(deps: FanOutDeps, correlationId: string, logger: Logger): Promise<FanOutResult> {
    const { clock, sync } = deps;
    const now = clock.now();
    const staleAfterMs = (sync.jitterSeconds + 30 * 60) * 1000;
    const result: FanOutResult = { seen: 0, enqueued: 0, skipped: { queued: 0, running: 0, recent: 0, error: 0 } };
    const inFlight = new Set<Promise<void>>();
    let marks: QueuedMarker[] = [];
    let failure: unknown;

    // Markers are written while the next messages are sent, one batch at a time: the send loop
    // waits for a batch only when the next one is ready before it.
    let marking: Promise<void> = Promise.resolve();
    const flushMarks = async () => {
        await marking;
        const batch = marks;
        marks = [];
        if (batch.length === 0) return;
        marking = deps.markers.mark(batch).catch((error: unknown) => {
            failure ??= error;
        });
    };

    const send = (message: SyncMessage, delaySeconds: number) => {
        const sending = deps.queue
            .send(message, { delaySeconds })
            .then(() => {
                result.enqueued += 1;
                marks.push({ tenantId: message.tenantId, runId: message.runId, queuedAt: now });
            })
            .catch((error: unknown) => {
                failure ??= error;
            })
            .finally(() => inFlight.delete(sending));
        inFlight.add(sending);
    };

    const statuses = [TenantStatus.active, TenantStatus.pending, TenantStatus.error];
    for await (const [tenant, marker] of withMarkers(deps.tenants.stream(statuses), deps.markers.stream())) {
        const record = tenant.record;
        result.seen += 1;
        let reason: SkipReason | undefined;
        if (record.status === TenantStatus.error && !RETRYABLE_ERRORS.includes(record.statusCode ?? ''))
            reason = 'error';
        else if (leaseIsLive(record, now)) reason = 'running';
        else if (marker !== undefined && now - marker.queuedAt < staleAfterMs) reason = 'queued';
        else if (
            record.round === undefined &&
            record.lastSyncAt !== undefined &&
            now - Date.parse(record.lastSyncAt) < sync.minIntervalMinutes * 60_000
        )
            reason = 'recent';
        if (reason !== undefined) {
            result.skipped[reason] += 1;
            continue;
        }
        // A round nobody is working on (its worker crashed, its message was lost): carry it on now.
        const stalled = record.round !== undefined;
        const message: SyncMessage = {
            tenantId: record.tenantId,
            reason: stalled ? 'continuation' : 'schedule',
            runId: record.round?.runId ?? newRunId(now, () => deps.randomHex(4)),
            requestedAt: new Date(now).toISOString(),
            correlationId,
        };
        send(message, stalled ? 0 : Math.floor(deps.random() * sync.jitterSeconds));
        if (inFlight.size >= SEND_CONCURRENCY) await Promise.race(inFlight);
        if (marks.length >= 100) await flushMarks();
        if (failure !== undefined) break;
    }
    await Promise.all(inFlight);
    await flushMarks();
    await marking;
    if (failure !== undefined) throw ensureError(failure);
    logger.info('fan-out', {
        seen: result.seen,
        enqueued: result.enqueued,
        skippedQueued: result.skipped.queued,
        skippedRunning: result.skipped.running,
        skippedRecent: result.skipped.recent,
        skippedError: result.skipped.error,
    });
    return result;
}
