import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import { z } from 'zod';

import type { Clock } from '../app/clock';
import { TransientError } from '../errors';

/** The tenant of every personal Microsoft account (outlook.com, hotmail.com, live.com). */
export const PERSONAL_ACCOUNT_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** Clocks drift: accept `exp` and `nbf` this far off, as small as works in practice. */
export const CLOCK_SKEW_SECONDS = 120;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The multi-tenant discovery document is refetched after this long (keys roll far more slowly). */
const DISCOVERY_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const FETCH_TIMEOUT_MS = 10_000;

export type IdTokenProblem =
    | 'malformed'
    | 'algorithm'
    | 'unknown_key'
    | 'signature'
    | 'expired'
    | 'not_yet_valid'
    | 'audience'
    | 'issuer'
    | 'nonce'
    | 'claims'
    | 'personal_account';

/** The id token was refused; `problem` says why (for the log and the page, never the token). */
export class IdTokenRejectedError extends Error {
    override readonly name = 'IdTokenRejectedError';
    constructor(
        readonly problem: IdTokenProblem,
        message: string,
    ) {
        super(message);
    }
}

/** The claims Tenant Sync uses from a validated id token. */
export interface IdTokenClaims {
    tid: string;
    oid: string;
    name: string;
    /** `preferred_username`: the sign-in name (not necessarily a mailbox). */
    username: string;
    /** Directory role template ids (present when the app registration asks for them). */
    wids: readonly string[];
}

export interface IdTokenValidator {
    /**
     * Validates a v2 id token from `{authorityHost}/organizations`: RS256 signature with a key of the
     * discovery document's JWKS, audience = our client id, issuer = the discovery issuer with the
     * token's `tid`, expiry and not-before with CLOCK_SKEW_SECONDS, and the nonce we sent. Personal
     * accounts are refused with `personal_account` after everything else has been checked.
     */
    validate(idToken: string, expectedNonce: string): Promise<IdTokenClaims>;
}

const discoverySchema = z.object({
    issuer: z.string().includes('{tenantid}'),
    jwks_uri: z.url(),
});

const claimsSchema = z.object({
    tid: z.string().regex(GUID),
    oid: z.string().min(1),
    name: z.string().optional(),
    preferred_username: z.string().optional(),
    wids: z.array(z.string()).optional(),
});

interface Discovery {
    issuerTemplate: string;
    keys: jwksRsa.JwksClient;
    fetchedAt: number;
}

export function createIdTokenValidator(settings: {
    authorityHost: string;
    clientId: string;
    clock: Clock;
}): IdTokenValidator {
    const { authorityHost, clientId, clock } = settings;
    let discovery: Promise<Discovery> | undefined;

    const discover = async (): Promise<Discovery> => {
        const url = `${authorityHost}/organizations/v2.0/.well-known/openid-configuration`;
        let body: unknown;
        try {
            const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            body = await response.json();
        } catch (error) {
            throw new TransientError('token_unavailable', `The identity platform's discovery document is unavailable`, {
                cause: error,
            });
        }
        const parsed = discoverySchema.safeParse(body);
        // Keys come from the authority we trust and nowhere else, whatever a document says.
        if (!parsed.success || new URL(parsed.data.jwks_uri).origin !== new URL(authorityHost).origin)
            throw new TransientError('token_unavailable', 'The identity platform sent an unusable discovery document');
        return {
            issuerTemplate: parsed.data.issuer,
            // jwks-rsa caches keys and refetches (rate-limited) when a token names a key it has not seen: key rollover.
            keys: jwksRsa({
                jwksUri: parsed.data.jwks_uri,
                cache: true,
                cacheMaxAge: 60 * 60 * 1000,
                rateLimit: true,
                jwksRequestsPerMinute: 10,
                timeout: FETCH_TIMEOUT_MS,
            }),
            fetchedAt: clock.now(),
        };
    };

    const currentDiscovery = async (): Promise<Discovery> => {
        const cached = discovery === undefined ? undefined : await discovery.catch(() => undefined);
        if (cached === undefined || clock.now() - cached.fetchedAt > DISCOVERY_MAX_AGE_MS) {
            const pending = discover();
            discovery = pending;
            pending.catch(() => {
                if (discovery === pending) discovery = undefined;
            });
            return pending;
        }
        return cached;
    };

    const signingKey = async (keys: jwksRsa.JwksClient, kid: string): Promise<string> => {
        try {
            return (await keys.getSigningKey(kid)).getPublicKey();
        } catch (error) {
            if (error instanceof Error && error.name === 'SigningKeyNotFoundError')
                throw new IdTokenRejectedError('unknown_key', `no published signing key has kid ${kid}`);
            throw new TransientError('token_unavailable', `The identity platform's signing keys are unavailable`, {
                cause: error,
            });
        }
    };

    return {
        async validate(idToken, expectedNonce) {
            const decoded = jwt.decode(idToken, { complete: true });
            if (decoded === null || typeof decoded.payload === 'string')
                throw new IdTokenRejectedError('malformed', 'the id token is not a JWT');
            // Only RS256: this refuses `alg: none` and HS256 signed with the public key as the secret.
            if (decoded.header.alg !== 'RS256')
                throw new IdTokenRejectedError('algorithm', `the id token is signed with ${decoded.header.alg}`);
            const kid = decoded.header.kid;
            if (typeof kid !== 'string' || kid === '')
                throw new IdTokenRejectedError('malformed', 'the id token names no signing key');
            const unverified = claimsSchema.safeParse(decoded.payload);
            if (!unverified.success) throw new IdTokenRejectedError('claims', 'the id token lacks tid or oid');

            const { issuerTemplate, keys } = await currentDiscovery();
            const publicKey = await signingKey(keys, kid);
            let payload: jwt.JwtPayload;
            try {
                payload = jwt.verify(idToken, publicKey, {
                    algorithms: ['RS256'],
                    audience: clientId,
                    issuer: issuerTemplate.replace('{tenantid}', unverified.data.tid),
                    nonce: expectedNonce,
                    clockTolerance: CLOCK_SKEW_SECONDS,
                    clockTimestamp: Math.floor(clock.now() / 1000),
                }) as jwt.JwtPayload;
            } catch (error) {
                throw rejection(error);
            }
            const claims = claimsSchema.parse(payload);
            if (claims.tid === PERSONAL_ACCOUNT_TENANT_ID)
                throw new IdTokenRejectedError('personal_account', 'a personal Microsoft account signed in');
            const username = claims.preferred_username ?? '';
            return {
                tid: claims.tid,
                oid: claims.oid,
                name: claims.name ?? username,
                username,
                wids: claims.wids ?? [],
            };
        },
    };
}

/** jsonwebtoken's verdict as a problem code; its error classes and messages name the failed check. */
function rejection(error: unknown): IdTokenRejectedError {
    if (error instanceof jwt.TokenExpiredError) return new IdTokenRejectedError('expired', 'the id token has expired');
    if (error instanceof jwt.NotBeforeError)
        return new IdTokenRejectedError('not_yet_valid', 'the id token is not valid yet');
    const message = error instanceof Error ? error.message : String(error);
    const problem: IdTokenProblem = message.includes('audience')
        ? 'audience'
        : message.includes('issuer')
          ? 'issuer'
          : message.includes('nonce')
            ? 'nonce'
            : message.includes('algorithm')
              ? 'algorithm'
              : message.includes('signature')
                ? 'signature'
                : 'malformed';
    return new IdTokenRejectedError(problem, `the id token was refused: ${message}`);
}
