import { InvalidRequestError } from '../errors';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A search is a name prefix; longer input is not a name. */
export const MAX_SEARCH_LENGTH = 100;
const MAX_PAGE_TOKEN_LENGTH = 2048;

/** The `{tenantId}` path segment: an organization id (a GUID), lower-cased as tokens carry it. */
export function parseTenantId(value: string | undefined): string {
    if (value === undefined || !GUID.test(value))
        throw new InvalidRequestError(
            'This address does not name an organization: the part after /tenants/ must be an organization id such as 72f988bf-86f1-41af-91ab-2d7cd011db47.',
        );
    return value.toLowerCase();
}

/** One optional query parameter: repeated values are refused rather than guessed between. */
function optionalParameter(query: URLSearchParams, name: string): string | undefined {
    const values = query.getAll(name);
    if (values.length > 1) throw new InvalidRequestError(`The address repeats “${name}”; give it once.`);
    return values[0];
}

export interface UsersQuery {
    search: string;
    page: string | undefined;
}

/**
 * `?q=` (a name prefix, at most 100 characters, no control characters) and `?page=` (the token of a
 * page this site linked to).
 */
export function parseUsersQuery(query: URLSearchParams): UsersQuery {
    const search = (optionalParameter(query, 'q') ?? '').trim();
    if (search.length > MAX_SEARCH_LENGTH)
        throw new InvalidRequestError(`A search can be at most ${MAX_SEARCH_LENGTH} characters long.`);
    // eslint-disable-next-line no-control-regex -- names never contain control characters
    if (/[\u0000-\u001f\u007f]/.test(search))
        throw new InvalidRequestError('The search contains characters that cannot be part of a name.');
    const page = optionalParameter(query, 'page');
    if (page === undefined || page === '') return { search, page: undefined };
    if (!isPageToken(page)) throw new InvalidRequestError('The page link is damaged. Start again from the first page.');
    return { search, page };
}

/**
 * A Table Storage continuation token: base64 JSON naming where the next page starts. Its keys are
 * the service's opaque encoding, so they cannot be compared with the tenant id; that is not needed:
 * the query itself is filtered to the tenant's partition, so a token can never reach other rows.
 */
function isPageToken(token: string): boolean {
    if (token.length > MAX_PAGE_TOKEN_LENGTH || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return false;
    try {
        const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
        const { nextPartitionKey, nextRowKey } = parsed as Record<string, unknown>;
        return typeof nextPartitionKey === 'string' && (nextRowKey === undefined || typeof nextRowKey === 'string');
    } catch {
        return false;
    }
}
