/**
 * Access tokens for the operations API's tests: real ones from the simulator's identity platform,
 * and forged ones (signed with the simulator's own current key, with claims of our choosing) for
 * every way a token can be wrong.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';

import jwt from 'jsonwebtoken';

import type { TestSimulator } from './simulator';

export interface ForgeOptions {
    claims?: Record<string, unknown>;
    /** Leave these standard claims out. */
    omit?: string[];
    /** Sign with another key (one the tenant never published) instead of the simulator's. */
    foreignKey?: boolean;
    algorithm?: 'RS256' | 'HS256' | 'none';
    /** For HS256: the HMAC secret (e.g. the published public key, the classic confusion attack). */
    hmacSecret?: string;
}

/** The claims of a good app-only token for our API, as the simulator issues them (v1 shape). */
export function goodClaims(sim: TestSimulator, roles: string[]): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const tid = sim.publisherTenantId;
    return {
        aud: `api://${sim.appClientId}`,
        iss: `https://sts.windows.net/${tid}/`,
        iat: now - 10,
        nbf: now - 10,
        exp: now + 3600,
        tid,
        appid: sim.sim.stackInfo.operationsClient.clientId,
        idtyp: 'app',
        roles,
        ver: '1.0',
    };
}

export async function forgeToken(sim: TestSimulator, options: ForgeOptions = {}): Promise<string> {
    const claims: Record<string, unknown> = {
        ...goodClaims(sim, ['Sync.Run', 'Tenants.Read', 'Users.Read', 'Tenants.Manage']),
        ...options.claims,
    };
    for (const name of options.omit ?? []) delete claims[name];
    const algorithm = options.algorithm ?? 'RS256';
    if (algorithm === 'none') {
        const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    }
    const saved = (await sim.sim.identity.snapshot()).keys.current;
    const kid = createHash('sha1').update(Buffer.from(saved.x5c, 'base64')).digest('base64url');
    if (algorithm === 'HS256')
        return jwt.sign(claims, options.hmacSecret ?? 'secret', { algorithm: 'HS256', header: { alg: 'HS256', kid } });
    const key = options.foreignKey
        ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' })
        : saved.privateKey;
    return jwt.sign(claims, key, { algorithm: 'RS256', header: { alg: 'RS256', typ: 'JWT', kid } });
}

/** The simulator's published public key (PEM) that signs tokens now. */
export async function publishedPublicKey(sim: TestSimulator): Promise<string> {
    const saved = (await sim.sim.identity.snapshot()).keys.current;
    const { createPublicKey } = await import('node:crypto');
    return createPublicKey(saved.privateKey).export({ format: 'pem', type: 'spki' }).toString();
}
