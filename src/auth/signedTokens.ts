import { createHmac, timingSafeEqual } from 'node:crypto';

import jwt from 'jsonwebtoken';

import type { Clock } from '../app/clock';
import { OperatorActionError } from '../errors';
import type { SecretProvider } from '../secrets';

/**
 * What a signed value is for. Each purpose is the token's audience, so a value signed for one
 * purpose (a consent `state`) is never accepted as another (a session).
 */
export type SignedPurpose = 'session' | 'signin' | 'consent-state';

const ISSUER = 'tenant-sync';
/** HMAC-SHA256 keys should carry at least 256 bits; shorter Key Vault values are refused. */
const MIN_KEY_LENGTH = 32;

/**
 * Short-lived values the browser carries for us (the session cookie, the sign-in transaction, the
 * consent `state`): JWTs signed with HS256 (jsonwebtoken) under the key in Key Vault secret
 * SESSION_SECRET_NAME, with their purpose as audience and an expiry from our clock.
 */
export type Verified =
    | { valid: true; claims: Record<string, unknown> }
    /** Tampered, signed with another key, for another purpose, malformed — or (`expired`) simply too old. */
    | { valid: false; expired: boolean };

export interface SignedTokens {
    sign(purpose: SignedPurpose, claims: Record<string, unknown>, lifetimeSeconds: number): Promise<string>;
    /** The claims of a valid token for `purpose`; else whether it failed only by expiring. */
    verify(purpose: SignedPurpose, token: string): Promise<Verified>;
    /** An HMAC of `value` under the key, as base64url (CSRF tokens). */
    mac(label: string, value: string): Promise<string>;
    /** Constant-time comparison of a received MAC with the expected one. */
    macMatches(label: string, value: string, received: string): Promise<boolean>;
}

export function createSignedTokens(secrets: SecretProvider, secretName: string, clock: Clock): SignedTokens {
    const key = async (): Promise<Buffer> => {
        const value = await secrets.get(secretName);
        if (value.length < MIN_KEY_LENGTH)
            throw new OperatorActionError(
                'secret_unavailable',
                `Key Vault secret "${secretName}" is shorter than ${MIN_KEY_LENGTH} characters; it cannot sign sessions safely`,
            );
        return Buffer.from(value, 'utf8');
    };
    const nowSeconds = () => Math.floor(clock.now() / 1000);
    const mac = async (label: string, value: string) =>
        createHmac('sha256', await key())
            .update(`${label}\u0000${value}`)
            .digest('base64url');

    return {
        async sign(purpose, claims, lifetimeSeconds) {
            const iat = nowSeconds();
            return jwt.sign({ ...claims, iat, exp: iat + lifetimeSeconds }, await key(), {
                algorithm: 'HS256',
                audience: purpose,
                issuer: ISSUER,
            });
        },
        async verify(purpose, token) {
            // Cheap shape check first: a garbage cookie never costs a Key Vault read or a parse.
            if (token.length > 8192 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return { valid: false, expired: false };
            try {
                const claims = jwt.verify(token, await key(), {
                    algorithms: ['HS256'],
                    audience: purpose,
                    issuer: ISSUER,
                    clockTimestamp: nowSeconds(),
                });
                return typeof claims === 'object' ? { valid: true, claims } : { valid: false, expired: false };
            } catch (error) {
                if (error instanceof jwt.TokenExpiredError) return { valid: false, expired: true };
                if (error instanceof jwt.JsonWebTokenError) return { valid: false, expired: false };
                throw error;
            }
        },
        mac,
        async macMatches(label, value, received) {
            const expected = Buffer.from(await mac(label, value), 'utf8');
            const actual = Buffer.from(received, 'utf8');
            return expected.length === actual.length && timingSafeEqual(expected, actual);
        },
    };
}
