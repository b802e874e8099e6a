import { randomBytes } from 'node:crypto';

import { odata, type TableClient } from '@azure/data-tables';

import type { Clock } from '../app/clock';
import type { Session, SignedTokens } from '../auth';
import { isNotFound, isPreconditionFailed, storageFault } from '../storage';

/** An admin has this long on Microsoft's consent page before the `state` expires. */
export const CONSENT_STATE_LIFETIME_SECONDS = 15 * 60;

const PARTITION = 'consent';
/** Expired records swept per new consent: bounded work, and the table stays as small as the live states. */
const SWEEP_BATCH = 20;

export type StateProblem =
    /** The callback carries no `state`. */
    | 'missing'
    /** Not ours: forged, altered, or signed for something else. */
    | 'invalid'
    | 'expired'
    /** Used before (the callback URL was replayed, or two replays raced and this one lost). */
    | 'replayed'
    /** Issued to another browser session. */
    | 'other_session'
    /** No one is signed in in this browser. */
    | 'no_session';

export type StateCheck = { ok: true } | { ok: false; problem: StateProblem };

/**
 * The admin-consent `state`: signed (session key), expiring, bound to the browser's session and
 * single-use. Single use needs the server: each state has a row in `AuthStates`, deleted with its
 * ETag when the callback consumes it, so a replayed callback URL — even with the cookie — finds
 * nothing, and of two replays racing only one can delete the row.
 */
export interface ConsentStates {
    issue(session: Session): Promise<string>;
    consume(state: string | undefined, session: Session | undefined): Promise<StateCheck>;
}

/** Row keys start with the expiry (ms, zero-padded), so expired rows are one range query away. */
function rowKeyFor(expiresAtMs: number): string {
    return `${String(expiresAtMs).padStart(15, '0')}-${randomBytes(12).toString('base64url')}`;
}

export function createConsentStates(table: TableClient, tokens: SignedTokens, clock: Clock): ConsentStates {
    const sweep = async () => {
        const expired = odata`PartitionKey eq ${PARTITION} and RowKey lt ${String(clock.now()).padStart(15, '0')}`;
        const page = await table
            .listEntities({ queryOptions: { filter: expired, select: ['RowKey'] } })
            .byPage({ maxPageSize: SWEEP_BATCH })
            .next();
        if (page.done === true) return;
        await Promise.all(
            page.value.map((entity) =>
                table.deleteEntity(PARTITION, String(entity.rowKey), { etag: entity.etag }).catch((error: unknown) => {
                    if (!isNotFound(error) && !isPreconditionFailed(error)) throw error;
                }),
            ),
        );
    };

    return {
        async issue(session) {
            const expiresAt = clock.now() + CONSENT_STATE_LIFETIME_SECONDS * 1000;
            const id = rowKeyFor(expiresAt);
            try {
                await table.createEntity({ partitionKey: PARTITION, rowKey: id, sid: session.sid, tid: session.tid });
            } catch (error) {
                throw storageFault('recording a consent state', error);
            }
            // Housekeeping only: the next consent sweeps again, so a failure here must not stop this one.
            await sweep().catch(() => undefined);
            return tokens.sign(
                'consent-state',
                { jti: id, sid: session.sid, tid: session.tid },
                CONSENT_STATE_LIFETIME_SECONDS,
            );
        },

        async consume(state, session) {
            if (state === undefined) return { ok: false, problem: 'missing' };
            const verified = await tokens.verify('consent-state', state);
            if (!verified.valid) return { ok: false, problem: verified.expired ? 'expired' : 'invalid' };
            const { jti, sid, tid } = verified.claims;
            if (typeof jti !== 'string' || typeof sid !== 'string' || typeof tid !== 'string')
                return { ok: false, problem: 'invalid' };
            // A state meant for another browser is left alone: whoever replays it cannot use it up.
            if (session === undefined) return { ok: false, problem: 'no_session' };
            if (sid !== session.sid || tid !== session.tid) return { ok: false, problem: 'other_session' };
            try {
                const record = await table.getEntity<{ sid?: string; tid?: string }>(PARTITION, jti);
                if (record.sid !== sid || record.tid !== tid) return { ok: false, problem: 'invalid' };
                await table.deleteEntity(PARTITION, jti, { etag: record.etag });
                return { ok: true };
            } catch (error) {
                if (isNotFound(error) || isPreconditionFailed(error)) return { ok: false, problem: 'replayed' };
                throw storageFault('consuming a consent state', error);
            }
        },
    };
}
