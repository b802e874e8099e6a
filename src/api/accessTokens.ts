import jwt, { type JwtPayload } from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';

import { RequestError } from '../errors';

/** The app roles of our API (infra/app-registration.bicep and docs/deploy.md declare the same). */
export const ApiRole = {
    syncRun: 'Sync.Run',
    tenantsRead: 'Tenants.Read',
    usersRead: 'Users.Read',
    tenantsManage: 'Tenants.Manage',
} as const;
export type ApiRole = (typeof ApiRole)[keyof typeof ApiRole];

/** Who called, from a validated access token. */
export interface ApiCaller {
    /** The calling app (`appid` in v1 tokens, `azp` in v2) or user object id. */
    subject: string;
    roles: readonly string[];
}

export interface AccessTokenSettings {
    authorityHost: string;
    /** Our home tenant: tokens for our API are issued there. */
    tenantId: string;
    /** Accepted audiences: the Application ID URI (v1 tokens) and the client id (v2 tokens). */
    audiences: readonly string[];
    clockToleranceSeconds?: number;
}

export interface AccessTokenValidator {
    /** Validates a Bearer token fully and checks it carries `role`. 401/403 as RequestError otherwise. */
    authorize(authorization: string | null, role: ApiRole): Promise<ApiCaller>;
}

const unauthorized = (message: string) => new RequestError('unauthorized', message);

export function createAccessTokenValidator(settings: AccessTokenSettings): AccessTokenValidator {
    // One key client per process: it caches the signing keys and rate-limits fetches of unknown kids.
    const keys = new JwksClient({
        jwksUri: `${settings.authorityHost}/${settings.tenantId}/discovery/v2.0/keys`,
        cache: true,
        cacheMaxAge: 10 * 60_000,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
        timeout: 10_000,
    });
    const issuers: [string, ...string[]] = [
        // v1 tokens (accessTokenAcceptedVersion unset) and v2 tokens.
        `https://sts.windows.net/${settings.tenantId}/`,
        `${settings.authorityHost}/${settings.tenantId}/v2.0`,
    ];
    const audiences = [...settings.audiences] as [string, ...string[]];

    const verify = async (token: string): Promise<JwtPayload> => {
        let decoded: jwt.Jwt | null;
        try {
            decoded = jwt.decode(token, { complete: true });
        } catch {
            // jws throws a SyntaxError for a `typ: JWT` token whose payload is not JSON.
            decoded = null;
        }
        if (decoded === null || typeof decoded.payload === 'string')
            throw unauthorized('The access token is not a JWT.');
        // Checked before any key lookup: `none` and HMAC tokens never reach verification.
        if (decoded.header.alg !== 'RS256') throw unauthorized('The access token must be signed with RS256.');
        if (decoded.header.kid === undefined) throw unauthorized('The access token names no signing key.');
        let key: string;
        try {
            key = (await keys.getSigningKey(decoded.header.kid)).getPublicKey();
        } catch {
            throw unauthorized('The access token was not signed by a key of our tenant.');
        }
        try {
            const payload = jwt.verify(token, key, {
                algorithms: ['RS256'],
                audience: audiences,
                issuer: issuers,
                clockTolerance: settings.clockToleranceSeconds ?? 60,
            });
            if (typeof payload === 'string') throw unauthorized('The access token has no claims.');
            return payload;
        } catch (error) {
            if (error instanceof RequestError) throw error;
            throw unauthorized(`The access token is not valid: ${(error as Error).message}.`);
        }
    };

    return {
        async authorize(authorization, role) {
            const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(
                authorization?.trim() ?? '',
            );
            if (match?.[1] === undefined) throw unauthorized('A Bearer access token for this API is required.');
            const claims = await verify(match[1]);
            const roles = Array.isArray(claims.roles)
                ? claims.roles.filter((r): r is string => typeof r === 'string')
                : [];
            const subject = [claims.appid, claims.azp, claims.oid, claims.sub].find(
                (value): value is string => typeof value === 'string',
            );
            if (!roles.includes(role))
                throw new RequestError('forbidden', `This operation needs the app role ${role}.`, {
                    detailCode: 'role_missing',
                });
            return { subject: subject ?? 'unknown', roles };
        },
    };
}
