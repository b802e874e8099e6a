import { createHash, randomBytes } from 'node:crypto';

import jwt from 'jsonwebtoken';

import type { SimClock } from '../core/clock';
import {
    DIRECTORY_ROLES,
    GRAPH_APP_ID,
    GRAPH_RESOURCE,
    type AccessTokenClaims,
    type SignInUser,
    type TokenCheck,
    type TokenVerifier,
} from '../core/contracts';
import { KEY_VAULT_APP_ID, STORAGE_APP_ID } from './resources';
import type { SigningKeys } from './keys';
import { type AppRegistration, emitsDirectoryRoles, type ServicePrincipal } from './state';

/** `wids`: the user's directory role template ids, plus the implicit User (or Guest User) role. */
function directoryRoleIds(user: SignInUser): string[] {
    const implicit = user.userType === 'Guest' ? DIRECTORY_ROLES.guestUser : DIRECTORY_ROLES.user;
    return [...user.directoryRoles, implicit];
}

/** Opaque claim values (`aio`, `rh`, `uti`) look random in real tokens; nothing reads them. */
function opaque(bytes = 24): string {
    return randomBytes(bytes).toString('base64url');
}

/** The v2 `sub` is pairwise: stable for one user and one app, different across apps. */
export function pairwiseSubject(userObjectId: string, clientId: string): string {
    return createHash('sha256').update(`${userObjectId.toLowerCase()}|${clientId.toLowerCase()}`).digest('base64url');
}

export function v1Issuer(tenantId: string): string {
    return `https://sts.windows.net/${tenantId}/`;
}

/** Audiences that name the same resource (Graph by URI or app id, Key Vault with or without slash). */
function sameAudience(actual: string, expected: string): boolean {
    const canonical = (value: string) => {
        const v = value.replace(/\/+$/, '').toLowerCase();
        if (v === GRAPH_APP_ID) return GRAPH_RESOURCE;
        if (v === KEY_VAULT_APP_ID) return 'https://vault.azure.net';
        if (v === STORAGE_APP_ID) return 'https://storage.azure.com';
        return v;
    };
    return canonical(actual) === canonical(expected);
}

export interface IssuedToken {
    token: string;
    expiresIn: number;
}

/** Issues the simulator's JWTs (RS256, signed with the current key) against the simulator clock. */
export class TokenIssuer implements TokenVerifier {
    constructor(
        private readonly keys: SigningKeys,
        private readonly clock: SimClock,
        private readonly loginOrigin: string,
        private readonly lifetimeSeconds: () => number,
    ) {}

    private async sign(claims: Record<string, unknown>, lifetime: number): Promise<IssuedToken> {
        const key = await this.keys.signingKey();
        const now = this.clock.nowSeconds();
        const payload = { ...claims, iat: now, nbf: now, exp: now + lifetime };
        // Claim order does not matter to any reader; iat/nbf/exp come from the simulator clock.
        const token = jwt.sign(payload, key.privateKey, {
            algorithm: 'RS256',
            header: { typ: 'JWT', alg: 'RS256', x5t: key.x5t, kid: key.kid },
        });
        return { token, expiresIn: lifetime };
    }

    /**
     * A v2 id token for `user` signed in to `app` (Microsoft Learn, "ID token claims reference"):
     * `preferred_username` is the sign-in name; `email` only for guests, or when the `email` scope or the
     * `email` optional claim asks for it; `wids` when the app's groupMembershipClaims asks for roles.
     */
    async idToken(args: {
        app: AppRegistration;
        user: SignInUser;
        scopes: readonly string[];
        sessionId: string;
        nonce: string | undefined;
    }): Promise<string> {
        const { user, app } = args;
        const tid = user.tenantId.toLowerCase();
        const clientId = app.clientId;
        const claims: Record<string, unknown> = {
            aud: clientId,
            iss: `${this.loginOrigin}/${tid}/v2.0`,
            aio: opaque(),
            name: user.displayName,
            oid: user.id,
            preferred_username: user.userPrincipalName,
            rh: opaque(),
            sid: args.sessionId,
            sub: pairwiseSubject(user.id, clientId),
            tid,
            uti: opaque(16),
            ver: '2.0',
        };
        const emailAsked =
            args.scopes.some((s) => s.toLowerCase() === 'email') || app.optionalClaims.idToken.includes('email');
        if (user.mail !== null && (emailAsked || user.userType === 'Guest')) claims.email = user.mail;
        if (emitsDirectoryRoles(app)) claims.wids = directoryRoleIds(user);
        // Only when the authorize request carried one: msal-node 7 rejects an unexpected nonce.
        if (args.nonce !== undefined) claims.nonce = args.nonce;
        return (await this.sign(claims, this.lifetimeSeconds())).token;
    }

    /** An app-only v1 access token (Graph, our API, Key Vault, Storage): `roles` only when granted. */
    async appToken(args: {
        tenantId: string;
        audience: string;
        app: AppRegistration;
        servicePrincipal: ServicePrincipal;
        roles: string[];
        lifetime?: number;
        extra?: Record<string, unknown>;
    }): Promise<IssuedToken> {
        const tid = args.tenantId.toLowerCase();
        const claims: Record<string, unknown> = {
            aud: args.audience,
            iss: v1Issuer(tid),
            aio: opaque(),
            app_displayname: args.app.displayName,
            appid: args.app.clientId,
            appidacr: args.app.kind === 'managedIdentity' ? '2' : '1',
            idp: v1Issuer(tid),
            idtyp: 'app',
            oid: args.servicePrincipal.objectId,
            rh: opaque(),
            sub: args.servicePrincipal.objectId,
            tid,
            uti: opaque(16),
            ver: '1.0',
            ...args.extra,
        };
        if (args.roles.length > 0) claims.roles = args.roles;
        return this.sign(claims, args.lifetime ?? this.lifetimeSeconds());
    }

    /** A delegated v1 access token for a signed-in user (Graph `scp`). */
    async delegatedToken(args: {
        audience: string;
        app: AppRegistration;
        user: SignInUser;
        scopes: string[];
    }): Promise<IssuedToken> {
        const { user } = args;
        const tid = user.tenantId.toLowerCase();
        const claims: Record<string, unknown> = {
            aud: args.audience,
            iss: v1Issuer(tid),
            acct: 0,
            acr: '1',
            aio: opaque(),
            amr: ['pwd'],
            app_displayname: args.app.displayName,
            appid: args.app.clientId,
            appidacr: '1',
            family_name: user.surname ?? undefined,
            given_name: user.givenName ?? undefined,
            idtyp: 'user',
            ipaddr: '127.0.0.1',
            name: user.displayName,
            oid: user.id,
            rh: opaque(),
            scp: args.scopes.join(' '),
            sub: pairwiseSubject(user.id, args.app.clientId),
            tid,
            unique_name: user.userPrincipalName,
            upn: user.userPrincipalName,
            uti: opaque(16),
            ver: '1.0',
            // Microsoft Graph's own registration asks for directory roles: its delegated tokens carry them.
            wids: directoryRoleIds(user),
        };
        return this.sign(claims, this.lifetimeSeconds());
    }

    /** TokenVerifier: signature with a still-published key, lifetime on the simulator clock, audience. */
    verify(authorizationHeader: string | undefined, audience: string): TokenCheck {
        if (authorizationHeader === undefined || authorizationHeader.trim() === '')
            return { ok: false, reason: 'missing', message: 'Access token is empty.' };
        const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader);
        const token = match?.[1];
        const decoded = token === undefined ? null : jwt.decode(token, { complete: true });
        if (token === undefined || decoded === null || typeof decoded.payload === 'string')
            return { ok: false, reason: 'malformed', message: 'CompactToken parsing failed with error code: 80049217' };
        const key = decoded.header.kid === undefined ? undefined : this.keys.verificationKey(decoded.header.kid);
        if (!key) return { ok: false, reason: 'signature', message: 'Access token validation failure.' };
        let payload: jwt.JwtPayload;
        try {
            payload = jwt.verify(token, key.publicKey, {
                algorithms: ['RS256'],
                clockTimestamp: this.clock.nowSeconds(),
            }) as jwt.JwtPayload;
        } catch (error) {
            if (error instanceof jwt.TokenExpiredError)
                return { ok: false, reason: 'expired', message: 'Lifetime validation failed, the token is expired.' };
            if (error instanceof jwt.NotBeforeError)
                return { ok: false, reason: 'expired', message: 'Access token has expired or is not yet valid.' };
            return { ok: false, reason: 'signature', message: 'Access token validation failure.' };
        }
        const aud = typeof payload.aud === 'string' ? payload.aud : '';
        if (!sameAudience(aud, audience))
            return { ok: false, reason: 'audience', message: 'Access token validation failure. Invalid audience.' };
        return { ok: true, claims: payload as AccessTokenClaims };
    }
}
