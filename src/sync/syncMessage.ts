import { z } from 'zod';

import { InvalidMessageError } from '../errors';

/** Why a sync was asked for. `continuation` carries on a round an earlier invocation could not finish. */
export const SYNC_REASONS = ['schedule', 'consent', 'manual', 'continuation'] as const;
export type SyncReason = (typeof SYNC_REASONS)[number];

/** A run id sorts newest first: 13 digits counting down from the year 2286, then 8 random hex digits. */
export const RUN_ID_PATTERN = /^\d{13}-[0-9a-f]{8}$/;

/** Messages are small; anything bigger was not written by us. */
export const MAX_MESSAGE_BYTES = 4096;

const syncMessageSchema = z
    .object({
        // Lower-case, as tenant rows and queue markers key it, however the sender spelt it.
        tenantId: z.guid({ error: 'tenantId must be a GUID' }).transform((id) => id.toLowerCase()),
        reason: z.enum(SYNC_REASONS, { error: `reason must be one of ${SYNC_REASONS.join(', ')}` }),
        runId: z.string().regex(RUN_ID_PATTERN, { error: 'runId is not a run id' }),
        requestedAt: z.iso.datetime({ error: 'requestedAt must be an ISO 8601 time' }),
        correlationId: z.string().min(1).max(128).optional(),
    })
    .strict();

/** One message on the `tenant-sync` queue: sync this tenant. */
export type SyncMessage = z.infer<typeof syncMessageSchema>;

/**
 * Validates a message as the queue trigger delivers it (the host parses JSON into an object; a
 * plain string is parsed here). A message that can never be processed throws InvalidMessageError,
 * so it ends in `tenant-sync-poison` with a log line naming what was wrong.
 */
export function parseSyncMessage(raw: unknown): SyncMessage {
    let value = raw;
    const size = Buffer.byteLength(typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? ''));
    if (size > MAX_MESSAGE_BYTES)
        throw new InvalidMessageError(`message is ${size} bytes; a sync message is at most ${MAX_MESSAGE_BYTES}`);
    if (typeof raw === 'string') {
        try {
            value = JSON.parse(raw);
        } catch {
            throw new InvalidMessageError('message is not JSON');
        }
    }
    const result = syncMessageSchema.safeParse(value);
    if (!result.success) {
        const problems = result.error.issues.map((issue) =>
            issue.code === 'unrecognized_keys' ? `unexpected field(s) ${issue.keys.join(', ')}` : issue.message,
        );
        throw new InvalidMessageError(`not a sync message: ${problems.join('; ')}`);
    }
    return result.data;
}

const RUN_ID_EPOCH_END = 9_999_999_999_999;

/** A new run id for a sync requested at `now` (ms). */
export function newRunId(now: number, random: () => string): string {
    return `${String(RUN_ID_EPOCH_END - now).padStart(13, '0')}-${random()}`;
}

/** When a run id was made, from its digits. */
export function runIdTime(runId: string): number {
    return RUN_ID_EPOCH_END - Number(runId.slice(0, 13));
}
