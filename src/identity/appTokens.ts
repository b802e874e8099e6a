import { isTenantSyncError, TransientError } from '../errors';
import { type AppClient, classifyTokenError, GRAPH_DEFAULT_SCOPE } from './appClient';

/** An app-only access token for Microsoft Graph in one customer tenant. */
export interface AppToken {
    accessToken: string;
    expiresOn: number;
    /** The application permissions granted to us in that tenant (the token's `roles`). */
    roles: readonly string[];
}

export interface AppTokenProvider {
    /**
     * A Graph token for `tenantId` through the client-credentials grant, cached per tenant by MSAL.
     * `forceRefresh` skips the cache (after consent, a token cached before it would lack the roles).
     */
    graphToken(tenantId: string, options?: { forceRefresh?: boolean }): Promise<AppToken>;
}

/** The `roles` claim of an access token. The token came straight from the identity platform over TLS. */
function rolesOf(accessToken: string): string[] {
    const payload = accessToken.split('.')[1];
    if (payload === undefined) return [];
    try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
        return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    } catch {
        return [];
    }
}

export function createAppTokenProvider(app: AppClient): AppTokenProvider {
    return {
        async graphToken(tenantId, options = {}) {
            try {
                const result = await app.withClient((client) =>
                    client.acquireTokenByClientCredential({
                        scopes: [GRAPH_DEFAULT_SCOPE],
                        authority: `${app.authorityHost}/${tenantId}`,
                        ...(options.forceRefresh === true ? { skipCache: true } : {}),
                    }),
                );
                if (result === null) throw new TransientError('token_unavailable', `No token for tenant ${tenantId}`);
                return {
                    accessToken: result.accessToken,
                    expiresOn: result.expiresOn?.getTime() ?? 0,
                    roles: rolesOf(result.accessToken),
                };
            } catch (error) {
                // Already ours (no consent, no secret in Key Vault): keep who-can-fix-it as it is.
                if (isTenantSyncError(error)) throw error;
                throw classifyTokenError(error, tenantId);
            }
        },
    };
}
