import type { SimRequest } from '../core/http';
import { DEFAULT_USER_PROPERTIES, type UserEntry } from '../directory';
import type { GraphCaller } from './auth';
import type { GraphContext, GraphResult } from './context';
import { parseFilter } from './filter';
import {
    contextUrl,
    option,
    parseSelect,
    projectUser,
    rejectUnsupportedOptions,
    type SelectableProperty,
} from './odata';
import { badRequest, GraphError } from './responses';
import { type DeltaSkipToken, deltaSkipToken, deltaToken } from './stateTokens';
import type { RequestShape } from './throttling';

const DAY_MS = 86_400_000;

/**
 * GET /v1.0/users/delta. A round is a window (from, to] of the tenant's change log:
 * - the initial round (no token, or an empty `$deltatoken` as in a 410's Location) enumerates the
 *   current users in pages and ends with a deltaLink at the sequence number the round started at,
 *   so changes made while the client was paging come in the next round;
 * - a later round reports, page by page, the objects changed in (from, to], each with its current
 *   values of the tracked properties, or `@removed` when deleted (soft: `changed`, hard: `deleted`).
 * `$select` and `$filter` from the initial request are carried inside the tokens.
 */
export function delta(context: GraphContext, request: SimRequest, caller: GraphCaller): GraphResult {
    const { url } = request;
    const tenant = caller.tenant;
    const prefer = parsePrefer(request.header('prefer'));
    const pageSize = Math.max(1, Math.min(context.settings.delta.pageSize, prefer.maxPageSize ?? Infinity));
    const applied = ['odata.track-changes'];
    if (prefer.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${pageSize}`);
    if (prefer.minimal) applied.push('return=minimal');
    const headers = { 'preference-applied': applied.join(', ') };

    const state = roundState(context, request, caller);
    if (state === 'latest') {
        const select = parseSelect(option(url, '$select'));
        return {
            body: {
                '@odata.context': contextUrl(context.origin, select),
                '@odata.deltaLink': deltaLink(context, request, caller, {
                    s: select ?? null,
                    f: option(url, '$filter'),
                    seq: tenant.changes.lastSeq,
                    h: tenant.changes.lastSeq,
                }),
                value: [],
            },
            headers,
            pageUsers: 0,
        };
    }

    const select = state.s === null ? undefined : (parseSelect(state.s.join(',')) as SelectableProperty[]);
    const filter = state.f === null ? undefined : parseFilter(state.f, { advanced: false, deltaIdsOnly: true });
    const body: Record<string, unknown> = { '@odata.context': contextUrl(context.origin, select) };
    let value: Record<string, unknown>[];
    let nextCursor: number | undefined;

    if (state.m === 'i') {
        // "The @removed object can be returned in the initial delta query response" (Graph delta overview).
        const removedToo = context.settings.delta.removedInInitialRound;
        const accept = (entry: UserEntry) =>
            (entry.state === 'active' || (removedToo && entry.state === 'softDeleted')) &&
            (filter?.predicate(entry.user) ?? true);
        const page = tenant.walk(state.cur, pageSize, accept);
        value = page.entries.map((entry) =>
            entry.state === 'softDeleted'
                ? { id: entry.user.id, '@removed': { reason: 'changed' } }
                : projectUser(entry.user, select),
        );
        const lookahead = page.next === undefined ? undefined : tenant.walk(page.next, 1, accept);
        if (lookahead && lookahead.entries.length > 0) nextCursor = (lookahead.next ?? tenant.positionCount) - 1;
    } else {
        const tracked = new Set<string>(select ?? DEFAULT_USER_PROPERTIES);
        const changed = tenant.changes
            .changedBetween(state.from, state.to, tracked)
            .filter((c) => c.lastSeq > state.cur && (filter === undefined || filter.ids.includes(c.userId)));
        const page = changed.slice(0, pageSize);
        value = page.map((change) => {
            const entry = tenant.find(change.userId);
            if (!entry || entry.state === 'hardDeleted')
                return { id: change.userId, '@removed': { reason: 'deleted' } };
            if (entry.state === 'softDeleted') return { id: change.userId, '@removed': { reason: 'changed' } };
            if (prefer.minimal && change.changedProperties)
                return projectUser(
                    entry.user,
                    (select ?? DEFAULT_USER_PROPERTIES).filter((p) => change.changedProperties?.has(p as never)),
                );
            return projectUser(entry.user, select);
        });
        if (changed.length > page.length) nextCursor = page.at(-1)?.lastSeq;
    }

    if (nextCursor === undefined)
        body['@odata.deltaLink'] = deltaLink(context, request, caller, {
            s: state.s,
            f: state.f,
            ...nextRound(context, state),
        });
    else
        body['@odata.nextLink'] = `${context.origin}${url.pathname}?$skiptoken=${context.stateTokens.seal({
            s: state.s,
            f: state.f,
            at: state.at,
            m: state.m,
            from: state.from,
            to: state.to,
            v: 1,
            k: 'deltaPage',
            t: tenant.record.id,
            a: caller.appId,
            cur: nextCursor,
            ...(state.h === undefined ? {} : { h: state.h }),
        })}`;
    body.value = value;
    return { body, headers, pageUsers: value.length };
}

/** Cost shape: a list, selected when the initial query (or the token carrying it) has `$select`. */
export function deltaShape(context: GraphContext, request: SimRequest): RequestShape {
    let selected = option(request.url, '$select') !== null;
    const skip = option(request.url, '$skiptoken');
    const dt = option(request.url, '$deltatoken');
    if (skip !== null) selected = (context.stateTokens.open(skip, deltaSkipToken)?.s ?? null) !== null;
    else if (dt) selected = (context.stateTokens.open(dt, deltaToken)?.s ?? null) !== null;
    return { kind: 'list', selected, top: undefined };
}

/** The initial query URL with an empty `$deltatoken` (what a 410 Gone points the client to). */
export function resyncLocation(context: GraphContext, request: SimRequest): string {
    const skip = option(request.url, '$skiptoken');
    const dt = option(request.url, '$deltatoken');
    const carried =
        skip !== null
            ? context.stateTokens.open(skip, deltaSkipToken)
            : dt
              ? context.stateTokens.open(dt, deltaToken)
              : undefined;
    const select = carried ? carried.s : parseSelectLenient(option(request.url, '$select'));
    const filter = carried ? carried.f : option(request.url, '$filter');
    const query: string[] = [];
    if (select) query.push(`$select=${select.join(',')}`);
    if (filter !== null) query.push(`$filter=${encodeURIComponent(filter)}`);
    query.push('$deltatoken=');
    return `${context.origin}${request.url.pathname}?${query.join('&')}`;
}

function parseSelectLenient(raw: string | null): string[] | null {
    try {
        return parseSelect(raw) ?? null;
    } catch {
        return null;
    }
}

type RoundState = Omit<DeltaSkipToken, 'k' | 'v' | 't' | 'a'>;

function roundState(context: GraphContext, request: SimRequest, caller: GraphCaller): RoundState | 'latest' {
    const { url } = request;
    const tenant = caller.tenant;
    const now = context.clock.now();
    const skip = option(url, '$skiptoken');
    const dt = option(url, '$deltatoken');
    const invalid = (name: string) =>
        badRequest(`The ${name} is invalid, or was issued for another tenant or application.`);

    if (skip !== null) {
        const token = context.stateTokens.open(skip, deltaSkipToken);
        if (!token || token.t !== tenant.record.id || token.a !== caller.appId) throw invalid('$skiptoken');
        assertFresh(context, token.at);
        return token;
    }
    if (dt !== null && dt !== '' && dt.toLowerCase() !== 'latest') {
        const token = context.stateTokens.open(dt, deltaToken);
        if (!token || token.t !== tenant.record.id || token.a !== caller.appId) throw invalid('$deltatoken');
        assertFresh(context, token.at);
        // Processing delays: changes younger than the replication delay are not in this round yet.
        const delay = context.settings.delta.replicationDelayMs;
        const visible = delay > 0 ? tenant.changes.lastSeqAtOrBefore(now - delay) : tenant.changes.lastSeq;
        const to = Math.max(visible, token.seq);
        return {
            s: token.s,
            f: token.f,
            at: now,
            m: 'c',
            from: token.seq,
            to,
            cur: token.seq,
            h: token.h ?? token.seq,
        };
    }
    // A new round: the query options are read here and carried in the tokens from now on.
    rejectUnsupportedOptions(url, ['$select', '$filter', '$deltatoken', '$top']);
    const select = parseSelect(option(url, '$select'));
    const filterText = option(url, '$filter');
    if (filterText !== null) parseFilter(filterText, { advanced: false, deltaIdsOnly: true });
    if (dt !== null && dt.toLowerCase() === 'latest') return 'latest';
    // `$top` is accepted and ignored, as on the real service for users.
    return { s: select ?? null, f: filterText, at: now, m: 'i', from: 0, to: tenant.changes.lastSeq, cur: 0 };
}

/**
 * Where the next round starts: after this round's last change, or (replays) that many changes earlier when this
 * round delivered changes no earlier round had, so that those come once more. `h` remembers what was delivered.
 */
function nextRound(context: GraphContext, state: RoundState): { seq: number; h: number } {
    const delivered = state.h ?? state.from;
    const replay = context.settings.delta.replayChanges;
    if (state.m === 'i' || replay === 0 || state.to <= delivered)
        return { seq: state.to, h: Math.max(state.to, delivered) };
    return { seq: Math.max(delivered, state.to - replay), h: state.to };
}

function assertFresh(context: GraphContext, issuedAt: number): void {
    if (context.clock.now() - issuedAt > context.settings.delta.tokenLifetimeDays * DAY_MS)
        throw new GraphError(
            400,
            'syncStateNotFound',
            'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
        );
}

function deltaLink(
    context: GraphContext,
    request: SimRequest,
    caller: GraphCaller,
    query: { s: string[] | null; f: string | null; seq: number; h: number },
): string {
    const token = context.stateTokens.seal({
        v: 1,
        k: 'delta',
        t: caller.tenant.record.id,
        a: caller.appId,
        at: context.clock.now(),
        ...query,
    });
    return `${context.origin}${request.url.pathname}?$deltatoken=${token}`;
}

function parsePrefer(header: string | undefined): { maxPageSize: number | undefined; minimal: boolean } {
    let maxPageSize: number | undefined;
    let minimal = false;
    for (const part of (header ?? '').split(',')) {
        const [name = '', value = ''] = part.split('=').map((s) => s.trim().toLowerCase());
        if (name === 'odata.maxpagesize' && /^\d+$/.test(value) && Number(value) > 0) maxPageSize = Number(value);
        if (name === 'return' && value === 'minimal') minimal = true;
    }
    return { maxPageSize, minimal };
}
