import { DEFAULT_USER_PROPERTIES, GRAPH_USER_PROPERTIES, type GraphUser, type GraphUserProperty } from '../directory';
import { badRequest, GraphError, unsupportedQuery } from './responses';

/**
 * Real user properties the simulator does not model: selectable, always null. Keeps an app that
 * asks for, say, `city` working instead of failing on a property the real Graph has.
 */
const NULL_USER_PROPERTIES = [
    'ageGroup',
    'city',
    'companyName',
    'country',
    'employeeType',
    'faxNumber',
    'onPremisesImmutableId',
    'onPremisesSamAccountName',
    'onPremisesSyncEnabled',
    'postalCode',
    'state',
    'streetAddress',
    'usageLocation',
] as const;

export type SelectableProperty = GraphUserProperty | (typeof NULL_USER_PROPERTIES)[number];

const CANONICAL = new Map<string, SelectableProperty>(
    [...GRAPH_USER_PROPERTIES, ...NULL_USER_PROPERTIES].map((p) => [p.toLowerCase(), p]),
);

export function canonicalUserProperty(name: string): SelectableProperty | undefined {
    return CANONICAL.get(name.trim().toLowerCase());
}

export function isModelledProperty(property: SelectableProperty): property is GraphUserProperty {
    return (GRAPH_USER_PROPERTIES as readonly string[]).includes(property);
}

export function unknownPropertyError(name: string): GraphError {
    return badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
}

/** `$select` → canonical property names in the order given (duplicates dropped); undefined = default set. */
export function parseSelect(raw: string | null): SelectableProperty[] | undefined {
    if (raw === null || raw.trim() === '') return undefined;
    const out: SelectableProperty[] = [];
    for (const name of raw.split(',')) {
        const trimmed = name.trim();
        if (trimmed === '*') return [...GRAPH_USER_PROPERTIES];
        const property = canonicalUserProperty(trimmed);
        if (!property) throw unknownPropertyError(trimmed);
        if (!out.includes(property)) out.push(property);
    }
    return out;
}

/** `$top`: a non-negative integer (OData) within 1..999 (Graph's page limits for directory objects). */
export function parseTop(raw: string | null, defaultTop: number): number {
    if (raw === null) return defaultTop;
    if (!/^\s*\d+\s*$/.test(raw))
        throw badRequest(
            `Invalid value '${raw}' for $top query option found. The $top query option requires a non-negative integer value.`,
        );
    const top = Number(raw);
    if (top < 1 || top > 999)
        throw unsupportedQuery(`Invalid page size specified: '${raw.trim()}'. Must be between 1 and 999 inclusive.`);
    return top;
}

/** Query options Graph knows, with what this simulator does about the ones it does not serve. */
export function rejectUnsupportedOptions(url: URL, supported: readonly string[]): void {
    for (const key of url.searchParams.keys()) {
        const name = key.toLowerCase();
        if (!name.startsWith('$') || supported.includes(name)) continue;
        if (name === '$skip')
            throw new GraphError(400, 'Request_BadRequest', `'$skip' is not supported by the service.`);
        if (['$orderby', '$search', '$expand', '$format', '$apply', '$compute'].includes(name))
            throw unsupportedQuery(`The query option '${key}' is not supported by the local Graph simulator.`);
        throw badRequest(`The query parameter '${key}' is not supported.`);
    }
}

/** One query option, case-insensitive on the name (Graph accepts `$Select` and `$select`). */
export function option(url: URL, name: string): string | null {
    for (const [key, value] of url.searchParams) if (key.toLowerCase() === name) return value;
    return null;
}

/** The user as Graph returns it for `select` (undefined = default set); `id` always comes along. */
export function projectUser(
    user: GraphUser,
    select: readonly SelectableProperty[] | undefined,
): Record<string, unknown> {
    const properties = select ?? DEFAULT_USER_PROPERTIES;
    const out: Record<string, unknown> = {};
    for (const property of properties) out[property] = isModelledProperty(property) ? user[property] : null;
    if (!('id' in out)) out.id = user.id;
    return out;
}

export function contextUrl(origin: string, select: readonly SelectableProperty[] | undefined, suffix = ''): string {
    return `${origin}/v1.0/$metadata#users${select ? `(${select.join(',')})` : ''}${suffix}`;
}

/**
 * A follow-up link on the Graph origin: the request's own query options as the client wrote them
 * (Graph repeats them), minus any paging token, plus the new one. Hand-built rather than through
 * URLSearchParams, which would percent-encode `$` and `,`.
 */
export function followUpLink(
    origin: string,
    url: URL,
    token: { name: '$skiptoken' | '$deltatoken'; value: string },
    keepQuery: boolean,
): string {
    const kept = keepQuery
        ? url.search
              .slice(1)
              .split('&')
              .filter((part) => {
                  if (part === '') return false;
                  const key = decodeURIComponent(part.split('=')[0] ?? '').toLowerCase();
                  return key !== '$skiptoken' && key !== '$deltatoken';
              })
        : [];
    kept.push(`${token.name}=${encodeURIComponent(token.value)}`);
    return `${origin}${url.pathname}?${kept.join('&')}`;
}
