import { type AccessTokenClaims, GRAPH_APP_ID, GRAPH_RESOURCE, type TokenVerifier } from '../core/contracts';
import type { SimRequest } from '../core/http';
import type { Directory, TenantDirectory } from '../directory';
import { GraphError } from './responses';

/** Application permissions that allow listing and reading users (any one suffices). */
export const USER_READ_ROLES = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
/** Delegated equivalents, for completeness (the app itself only uses app-only tokens). */
const USER_READ_SCOPES = ['User.ReadBasic.All', ...USER_READ_ROLES];

export interface GraphCaller {
    tenant: TenantDirectory;
    /** `appid` (v1 tokens) or `azp` (v2 tokens): throttling and delta tokens are per app. */
    appId: string;
    claims: AccessTokenClaims;
}

const MESSAGES: Record<string, string> = {
    missing: 'Access token is empty.',
    malformed: 'CompactToken parsing failed with error code: 80049217',
    signature: 'Access token validation failure.',
    expired: 'Access token has expired or is not yet valid.',
    audience: 'Access token validation failure. Invalid audience.',
};

/** The challenge Graph sends with a 401. */
function challenge(loginOrigin: string): Record<string, string> {
    return {
        'www-authenticate': `Bearer realm="", authorization_uri="${loginOrigin}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
    };
}

/** A valid token for Graph (401 InvalidAuthenticationToken otherwise), with Graph's wording. */
export function verifiedClaims(request: SimRequest, tokens: TokenVerifier, loginOrigin: string): AccessTokenClaims {
    const check = tokens.verify(request.header('authorization'), GRAPH_RESOURCE);
    if (!check.ok)
        throw new GraphError(
            401,
            'InvalidAuthenticationToken',
            // The verifier words the reason as Graph does; the table is the fallback.
            check.message || (MESSAGES[check.reason] ?? 'Access token validation failure.'),
            challenge(loginOrigin),
        );
    return check.claims;
}

/**
 * Graph's checks, in its order: a valid token for Graph (401 otherwise), a tenant with a directory
 * (401 Authorization_IdentityNotFound otherwise), and a role that allows reading users (403).
 */
export function authenticate(
    request: SimRequest,
    tokens: TokenVerifier,
    directory: Directory,
    loginOrigin: string,
): GraphCaller {
    const claims = verifiedClaims(request, tokens, loginOrigin);
    const tenant = directory.tenant(claims.tid);
    if (!tenant || tenant.record.status !== 'active' || tenant.record.kind !== 'organization')
        throw new GraphError(
            401,
            'Authorization_IdentityNotFound',
            'The identity of the calling application could not be established.',
            challenge(loginOrigin),
        );
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
    const allowed = roles.some((r) => USER_READ_ROLES.includes(r)) || scopes.some((s) => USER_READ_SCOPES.includes(s));
    if (!allowed)
        throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    return { tenant, appId: appIdOf(claims), claims };
}

/** `appid` (v1 tokens) or `azp` (v2 tokens); the object id for a token that has neither. */
export function appIdOf(claims: AccessTokenClaims): string {
    return claims.appid ?? claims.azp ?? claims.oid;
}

/** The token's claims without verification: only for routing faults and labelling the request log. */
export function unverifiedClaims(request: SimRequest): { tid?: string; appid?: string } {
    const header = request.header('authorization');
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const payload = token?.split('.')[1];
    if (payload === undefined) return {};
    try {
        const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
        const out: { tid?: string; appid?: string } = {};
        if (typeof parsed.tid === 'string') out.tid = parsed.tid;
        const app = parsed.appid ?? parsed.azp;
        if (typeof app === 'string') out.appid = app;
        return out;
    } catch {
        return {};
    }
}
