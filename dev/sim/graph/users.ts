import type { SimRequest } from '../core/http';
import type { UserEntry } from '../directory';
import type { GraphCaller } from './auth';
import type { GraphContext, GraphResult } from './context';
import { parseFilter, type UserPredicate } from './filter';
import {
    contextUrl,
    followUpLink,
    option,
    parseSelect,
    parseTop,
    projectUser,
    rejectUnsupportedOptions,
} from './odata';
import { badRequest, GraphError } from './responses';
import { listSkipToken } from './stateTokens';
import type { RequestShape } from './throttling';

const DEFAULT_PAGE_SIZE = 100;

/** Cost shape of GET /users from its raw query (before validation, as Graph charges before answering). */
export function listShape(request: SimRequest): RequestShape {
    const top = Number(option(request.url, '$top'));
    return {
        kind: 'list',
        selected: option(request.url, '$select') !== null,
        top: Number.isInteger(top) && top > 0 ? top : undefined,
    };
}

export function entityShape(request: SimRequest): RequestShape {
    return { kind: 'get', selected: option(request.url, '$select') !== null };
}

/** GET /v1.0/users */
export function listUsers(context: GraphContext, request: SimRequest, caller: GraphCaller): GraphResult {
    const { url } = request;
    rejectUnsupportedOptions(url, ['$select', '$top', '$filter', '$count', '$skiptoken']);
    const select = parseSelect(option(url, '$select'));
    const top = parseTop(option(url, '$top'), DEFAULT_PAGE_SIZE);
    const eventual = request.header('consistencylevel')?.trim().toLowerCase() === 'eventual';
    const count = parseCount(option(url, '$count'), eventual);
    const filterText = option(url, '$filter');
    const predicate: UserPredicate | undefined =
        filterText === null ? undefined : parseFilter(filterText, { advanced: eventual && count }).predicate;
    const accept = (entry: UserEntry) => entry.state === 'active' && (predicate?.(entry.user) ?? true);

    const skiptoken = option(url, '$skiptoken');
    let position = 0;
    if (skiptoken !== null) {
        const state = context.stateTokens.open(skiptoken, listSkipToken);
        if (!state || state.t !== caller.tenant.record.id || state.a !== caller.appId)
            throw badRequest('The $skiptoken is invalid, or was issued for another query, tenant or application.');
        position = state.p;
    }

    const tenant = caller.tenant;
    const page = tenant.walk(position, top, accept);
    // Look ahead for the next match so the last page carries no nextLink (and the next page starts there).
    const nextMatch = page.next === undefined ? undefined : tenant.walk(page.next, 1, accept);
    const nextPosition =
        nextMatch && nextMatch.entries.length > 0 ? (nextMatch.next ?? tenant.positionCount) - 1 : undefined;

    const body: Record<string, unknown> = { '@odata.context': contextUrl(context.origin, select) };
    if (count && skiptoken === null)
        body['@odata.count'] = predicate ? countMatching(caller, accept) : tenant.userCount;
    if (nextPosition !== undefined) {
        const token = context.stateTokens.seal({
            v: 1,
            k: 'list',
            t: tenant.record.id,
            a: caller.appId,
            at: context.clock.now(),
            p: nextPosition,
        });
        body['@odata.nextLink'] = followUpLink(context.origin, url, { name: '$skiptoken', value: token }, true);
    }
    body.value = page.entries.map((entry) => projectUser(entry.user, select));
    return { body, pageUsers: page.entries.length };
}

/** GET /v1.0/users/{id | userPrincipalName} */
export function getUser(context: GraphContext, request: SimRequest, caller: GraphCaller, idOrUpn: string): GraphResult {
    rejectUnsupportedOptions(request.url, ['$select']);
    const select = parseSelect(option(request.url, '$select'));
    const entry = caller.tenant.find(idOrUpn);
    if (!entry || entry.state !== 'active')
        throw new GraphError(
            404,
            'Request_ResourceNotFound',
            `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
        );
    return {
        body: { '@odata.context': contextUrl(context.origin, select, '/$entity'), ...projectUser(entry.user, select) },
    };
}

function parseCount(raw: string | null, eventual: boolean): boolean {
    if (raw === null) return false;
    const value = raw.trim().toLowerCase();
    if (value !== 'true' && value !== 'false')
        throw badRequest(`Invalid value '${raw}' for $count query option found. Valid values are 'true' and 'false'.`);
    if (value === 'true' && !eventual)
        throw new GraphError(400, 'Request_BadRequest', '$count is not currently supported.');
    return value === 'true';
}

function countMatching(caller: GraphCaller, accept: (entry: UserEntry) => boolean): number {
    let matched = 0;
    caller.tenant.walk(0, Infinity, (entry) => {
        if (accept(entry)) matched++;
        return false;
    });
    return matched;
}
