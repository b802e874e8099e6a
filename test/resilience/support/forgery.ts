/**
 * Tokens for our API that must be refused, made against a simulator running as a process: signed with
 * its real current key (read from its saved state, where it keeps the key so tokens survive a restart),
 * with an unpublished key, HMAC-signed with the published public key, or not signed at all.
 */
import { createHash, createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import jwt from 'jsonwebtoken';

import { waitFor } from '../../support/poll';
import type { ResilienceStack } from './stack';

interface SigningKey {
    privateKey: string;
    /** Base64 DER of the certificate (`x5c`); its SHA-1 thumbprint is the `kid`. */
    x5c: string;
}

export interface Forgery {
    /** The claims of a good app-only token for our API (the operations client, every role). */
    claims(overrides?: Record<string, unknown>): Record<string, unknown>;
    /** RS256 with the simulator's current key: valid unless the claims say otherwise. */
    signed(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
    /** RS256 with a key nobody published, under the real key's kid. */
    foreignKey(claims: Record<string, unknown>): string;
    /** HS256 with the published public key as the HMAC secret (the classic key-confusion attack). */
    hmacWithPublicKey(claims: Record<string, unknown>): string;
    /** `alg: none`, no signature. */
    unsigned(claims: Record<string, unknown>): string;
    /** A good token's header and signature around another payload. */
    tampered(claims: Record<string, unknown>): string;
}

export async function forgery(stack: ResilienceStack): Promise<Forgery> {
    // The simulator writes its state (signing keys included) within a second of starting.
    const key = await waitFor(
        'the simulator to save its state',
        () => {
            try {
                const state = JSON.parse(readFileSync(stack.simStateFile, 'utf8')) as {
                    identity: { keys: { current: SigningKey } };
                };
                return state.identity.keys.current;
            } catch {
                return undefined;
            }
        },
        { timeoutMs: 15_000, intervalMs: 100 },
    );
    const kid = createHash('sha1').update(Buffer.from(key.x5c, 'base64')).digest('base64url');
    const publicPem = createPublicKey(key.privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
    const { publisher, operationsClient } = stack.simStack;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

    const signed = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
        jwt.sign(claims, key.privateKey, { algorithm: 'RS256', header: { alg: 'RS256', typ: 'JWT', kid, ...header } });

    return {
        claims(overrides = {}) {
            const now = Math.floor(Date.now() / 1000);
            return {
                aud: `api://${publisher.appClientId}`,
                iss: `https://sts.windows.net/${publisher.tenantId}/`,
                iat: now - 10,
                nbf: now - 10,
                exp: now + 3600,
                tid: publisher.tenantId,
                appid: operationsClient.clientId,
                idtyp: 'app',
                roles: ['Sync.Run', 'Tenants.Read', 'Users.Read', 'Tenants.Manage'],
                ver: '1.0',
                ...overrides,
            };
        },
        signed,
        foreignKey: (claims) =>
            jwt.sign(claims, foreign, { algorithm: 'RS256', header: { alg: 'RS256', typ: 'JWT', kid } }),
        hmacWithPublicKey(claims) {
            // By hand: jsonwebtoken (rightly) refuses an asymmetric key as an HMAC secret.
            const body = `${encode({ alg: 'HS256', typ: 'JWT', kid })}.${encode(claims)}`;
            return `${body}.${createHmac('sha256', publicPem).update(body).digest('base64url')}`;
        },
        unsigned: (claims) => `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`,
        tampered(claims) {
            const [header, , signature] = signed(claims).split('.');
            return `${header}.${encode({ ...claims, roles: ['Sync.Run', 'Tenants.Manage'], appid: 'attacker' })}.${signature}`;
        },
    };
}
