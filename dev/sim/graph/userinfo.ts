import type { AccessTokenClaims } from '../core/contracts';
import type { Directory, TenantDirectory } from '../directory';
import { GraphError } from './responses';

/**
 * The OpenID Connect UserInfo endpoint, which Entra's discovery document places on Graph
 * (`userinfo_endpoint` = `https://graph.microsoft.com/oidc/userinfo`). Delegated tokens only, and
 * `openid` is required; `profile` adds the name claims and `email` the e-mail address [DOC
 * learn.microsoft.com/entra/identity-platform/userinfo]. Observed shape: `{sub, name, family_name,
 * given_name, picture, email}` [OBS MicrosoftDocs/azure-docs #62965].
 *
 * `sub` is the pairwise subject of the id token the client got with the access token. The
 * simulator's access tokens carry that same value in their `sub` (user and client id), so Graph
 * reads it from the token rather than depending on the identity half.
 *
 * Beliefs: claims without a value (no surname, no mail) are omitted, as OIDC Core §5.3.2 asks;
 * `picture` is omitted because the simulator serves no photos; an app-only token, or one without
 * `openid`, is 403 Authorization_RequestDenied; a user deleted since sign-in is 404, as for /me;
 * the body is plain JSON (no OData annotations) and the call is not charged resource units.
 */
export interface UserInfoResult {
    tenant: TenantDirectory;
    body: Record<string, string>;
}

export function userInfo(claims: AccessTokenClaims, directory: Directory): UserInfoResult {
    const scopes = new Set(
        (typeof claims.scp === 'string' ? claims.scp.split(' ') : []).map((scope) => scope.toLowerCase()),
    );
    if (claims.idtyp === 'app' || !scopes.has('openid'))
        throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const tenant = directory.tenant(claims.tid);
    if (!tenant || tenant.record.status !== 'active')
        throw new GraphError(
            401,
            'InvalidAuthenticationToken',
            'Access token validation failure. The tenant of the token does not exist.',
        );
    if (typeof claims.sub !== 'string' || claims.sub === '')
        throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    const entry = tenant.find(claims.oid);
    if (!entry || entry.state !== 'active')
        throw new GraphError(
            404,
            'Request_ResourceNotFound',
            `Resource '${claims.oid}' does not exist or one of its queried reference-property objects are not present.`,
        );
    const { user } = entry;
    const body: Record<string, string> = { sub: claims.sub };
    if (scopes.has('profile')) {
        body.name = user.displayName;
        if (user.surname !== null) body.family_name = user.surname;
        if (user.givenName !== null) body.given_name = user.givenName;
    }
    if (scopes.has('email') && user.mail !== null) body.email = user.mail;
    return { tenant, body };
}
