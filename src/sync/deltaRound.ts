import { createHash } from 'node:crypto';

import type { Clock } from '../app/clock';
import { TransientError } from '../errors';
import type { GraphStats, TenantGraph } from '../graph';
import type { Logger } from '../logging';
import type { RoundCheckpoint, SyncTrigger, TenantRecord } from '../tenants';
import { type SyncedUser, toSyncedUser, USER_PROPERTIES } from './syncedUser';
import type { TenantLease } from './tenantLease';
import type { UsersStore } from './usersStore';

/** The first request of a round without a delta link: every user, with exactly the properties we keep. */
export const INITIAL_DELTA_PATH = `/v1.0/users/delta?$select=${USER_PROPERTIES.join(',')}`;

interface DeltaPage {
    value?: unknown;
    '@odata.nextLink'?: unknown;
    '@odata.deltaLink'?: unknown;
}

export interface RoundDeps {
    tenantId: string;
    lease: TenantLease;
    graph: TenantGraph;
    users: UsersStore;
    clock: Clock;
    logger: Logger;
    stats: GraphStats;
    /** No new page is fetched after this moment (ms); the round continues in another invocation. */
    deadline: number;
    maxDeletePercent: number;
    /** Removed users deleted by id from the one read that counts them; more are read again to delete. */
    markedIdsKept: number;
}

export type PagesResult = { kind: 'lastPageCommitted' } | { kind: 'outOfTime' };

export type CompletionResult =
    | { kind: 'completed'; added: number; updated: number; removed: number; remaining: number }
    | { kind: 'blocked'; wouldDelete: number; total: number };

/** A new round: delta from the saved link, or full (first sync, or after Graph dropped our delta state). */
export function newRound(record: TenantRecord, runId: string, trigger: SyncTrigger, now: number): RoundCheckpoint {
    const full = record.deltaLink === undefined;
    return {
        runId,
        mode: full ? 'full' : 'delta',
        trigger,
        startedAt: new Date(now).toISOString(),
        generation: full ? record.fullGeneration + 1 : record.fullGeneration,
        nextLink: record.deltaLink ?? INITIAL_DELTA_PATH,
        pages: 0,
        added: 0,
        updated: 0,
        removed: 0,
        usersBefore: record.userCount,
        failures: 0,
    };
}

const linkHash = (link: string) => createHash('sha256').update(link).digest('base64url');

function parsePage(body: unknown): { users: SyncedUser[]; removed: string[]; next?: string; deltaLink?: string } {
    const page = body as DeltaPage | undefined;
    if (page === undefined || typeof page !== 'object' || !Array.isArray(page.value))
        throw new TransientError('graph_response_invalid', 'a delta page without a value array');
    const next = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : undefined;
    const deltaLink = typeof page['@odata.deltaLink'] === 'string' ? page['@odata.deltaLink'] : undefined;
    if ((next === undefined) === (deltaLink === undefined))
        throw new TransientError(
            'graph_response_invalid',
            'a delta page must carry exactly one of nextLink and deltaLink',
        );
    // Changes are applied in the order Graph sent them; a later entry for the same user wins.
    const latest = new Map<string, SyncedUser | 'removed'>();
    for (const item of page.value as unknown[]) {
        if (item === null || typeof item !== 'object') continue;
        const entry = item as Record<string, unknown>;
        const user = toSyncedUser(entry);
        if (user === undefined) continue;
        latest.delete(user.id);
        latest.set(user.id, '@removed' in entry ? 'removed' : user);
    }
    const users: SyncedUser[] = [];
    const removed: string[] = [];
    for (const [id, change] of latest) {
        if (change === 'removed') removed.push(id);
        else users.push(change);
    }
    return {
        users,
        removed,
        ...(next === undefined ? {} : { next }),
        ...(deltaLink === undefined ? {} : { deltaLink }),
    };
}

/**
 * Pages through the round from its checkpoint: each page is written while the next one is fetched,
 * and the checkpoint moves on only after the page is committed, so a crash anywhere resumes from
 * the last committed page. Stops at the last page, or when the time budget is spent.
 */
export async function runPages(deps: RoundDeps): Promise<PagesResult> {
    const { lease, graph, users, clock, logger, stats, tenantId } = deps;
    const start = lease.current().round;
    if (start === undefined) throw new Error('runPages needs a round');
    if (start.deltaLink !== undefined) return { kind: 'lastPageCommitted' };

    const fetchPage = (link: string) => {
        const pending = graph.getJson<unknown>(link, { stats, logger });
        // Awaited below; until then, a failure must not count as unhandled.
        pending.catch(() => undefined);
        return pending;
    };
    const seen = new Set([linkHash(start.nextLink)]);
    let fetching: Promise<unknown> | undefined = fetchPage(start.nextLink);
    while (fetching !== undefined) {
        const page = parsePage(await fetching);
        fetching = undefined;
        if (page.next !== undefined) {
            const hash = linkHash(page.next);
            if (seen.has(hash))
                throw new TransientError(
                    'graph_paging_loop',
                    'Graph sent a next link it had already sent in this round',
                );
            seen.add(hash);
            if (clock.now() < deps.deadline) fetching = fetchPage(page.next);
        }
        const mode = lease.current().round?.mode;
        const known =
            mode === 'delta' && page.users.length > 0
                ? await users.existing(
                      tenantId,
                      page.users.map((u) => u.id),
                  )
                : undefined;
        const wereKnown = page.removed.length > 0 ? await users.existing(tenantId, page.removed) : new Set<string>();
        const generation = lease.current().round?.generation ?? 0;
        await users.upsert(tenantId, page.users, generation);
        await users.markRemoved(tenantId, [...wereKnown]);
        const added = known === undefined ? 0 : page.users.filter((u) => !known.has(u.id)).length;
        await lease.write((current) => {
            const round = current.round;
            if (round === undefined) return current;
            return {
                ...current,
                round: {
                    ...round,
                    nextLink: page.next ?? '',
                    deltaLink: page.deltaLink,
                    pages: round.pages + 1,
                    added: round.added + (mode === 'delta' ? added : page.users.length),
                    updated: round.updated + (mode === 'delta' ? page.users.length - added : 0),
                    removed: round.removed + wereKnown.size,
                    failures: 0,
                },
            };
        });
        if (page.deltaLink !== undefined) return { kind: 'lastPageCommitted' };
    }
    return { kind: 'outOfTime' };
}

/** Removed users a delta round deletes by id from its one read of them (about 200 KB of ids at most). */
export const MARKED_IDS_KEPT = 5000;

/**
 * The end of a round: counts what it would delete (users Graph removed; after a full round also
 * every user it did not see), and deletes them unless that is more than `maxDeletePercent` of
 * the tenant's users and no operator allowed it.
 */
export async function completeRound(deps: RoundDeps, allowMassDelete: boolean): Promise<CompletionResult> {
    const { users, tenantId, lease } = deps;
    const round = lease.current().round;
    if (round?.deltaLink === undefined) throw new Error('completeRound needs a round whose last page is committed');
    const staleBefore = round.mode === 'full' ? round.generation : undefined;
    const blocks = (candidates: number, total: number) =>
        candidates > 0 && candidates * 100 > deps.maxDeletePercent * total && !allowMassDelete;
    if (round.mode === 'delta') {
        // A delta round deletes only the users it marked: it reads those, not the whole tenant, so its
        // cost follows the changes rather than the tenant's size; a few it deletes by id without reading again.
        const marked =
            round.removed === 0 ? { count: 0, ids: [] } : await users.markedUsers(tenantId, deps.markedIdsKept);
        const candidates = marked.count;
        const total = Math.max(round.usersBefore + round.added, candidates);
        if (blocks(candidates, total)) return { kind: 'blocked', wouldDelete: candidates, total };
        let removed = 0;
        if (candidates > 0 && marked.ids !== undefined) {
            await users.delete(tenantId, marked.ids);
            removed = marked.ids.length;
        } else if (candidates > 0) removed = await users.deleteCandidates(tenantId, {});
        return { kind: 'completed', added: round.added, updated: round.updated, removed, remaining: total - removed };
    }
    const { candidates, remaining } = await users.countDeletions(tenantId, { staleBefore });
    const total = candidates + remaining;
    if (blocks(candidates, total)) return { kind: 'blocked', wouldDelete: candidates, total };
    const removed = candidates === 0 ? 0 : await users.deleteCandidates(tenantId, { staleBefore });
    // A full round rewrote every user it saw: those that were not there before are the additions.
    const added = Math.max(0, Math.min(remaining, remaining - round.usersBefore + removed));
    return { kind: 'completed', added, updated: remaining - added, removed, remaining };
}
