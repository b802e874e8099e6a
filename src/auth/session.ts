import { randomBytes } from 'node:crypto';

import type { Cookie } from '@azure/functions';
import { parse as parseCookieHeader } from 'cookie';

import type { SignedTokens } from './signedTokens';

/** A session lasts one working day; then the admin signs in again. */
export const SESSION_LIFETIME_SECONDS = 8 * 60 * 60;

/** Who is signed in, as the session cookie carries it (from the validated id token). */
export interface Session {
    /** A random id per sign-in: consent `state` and CSRF tokens are bound to it. */
    sid: string;
    /** The user's organization (tenant id, lower case). */
    tid: string;
    oid: string;
    name: string;
    username: string;
    /** Holds Global Administrator or Privileged Role Administrator (roles.ts). */
    isAdmin: boolean;
    /** Seconds since the epoch. */
    expiresAt: number;
}

export type SignedInUser = Omit<Session, 'sid' | 'expiresAt'>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Cookie names and attributes for one public origin. */
export interface CookiePolicy {
    secure: boolean;
    sessionName: string;
    signInName: string;
}

/**
 * `Secure` everywhere except plain http on localhost (the local stack); there the names carry no
 * `__Host-` prefix, which browsers accept only on Secure cookies.
 */
export function cookiePolicy(publicBaseUrl: string): CookiePolicy {
    const secure = new URL(publicBaseUrl).protocol === 'https:';
    const prefix = secure ? '__Host-' : '';
    return { secure, sessionName: `${prefix}tenant_sync_session`, signInName: `${prefix}tenant_sync_signin` };
}

/** One cookie of a Cookie request header (the first, when a name repeats), or undefined. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
    if (header === null || header === undefined || header === '') return undefined;
    try {
        return parseCookieHeader(header)[name] ?? undefined;
    } catch {
        return undefined;
    }
}

/** HttpOnly, SameSite=Lax (sent on the identity platform's redirect back, a top-level GET), path /. */
export function buildCookie(policy: CookiePolicy, name: string, value: string, maxAgeSeconds: number): Cookie {
    return { name, value, path: '/', httpOnly: true, sameSite: 'Lax', secure: policy.secure, maxAge: maxAgeSeconds };
}

export function clearCookie(policy: CookiePolicy, name: string): Cookie {
    return { ...buildCookie(policy, name, '', 0), expires: new Date(0) };
}

export interface SessionStore {
    /** The session in a Cookie header, when it is present, authentic and unexpired. */
    read(cookieHeader: string | null | undefined): Promise<Session | undefined>;
    /** A new session for a user who just signed in, and the cookie that carries it. */
    create(user: SignedInUser): Promise<{ session: Session; cookie: Cookie }>;
    clear(): Cookie;
    readonly policy: CookiePolicy;
}

export function createSessionStore(tokens: SignedTokens, publicBaseUrl: string): SessionStore {
    const policy = cookiePolicy(publicBaseUrl);
    return {
        policy,
        async read(cookieHeader) {
            const value = readCookie(cookieHeader, policy.sessionName);
            if (value === undefined) return undefined;
            const verified = await tokens.verify('session', value);
            return verified.valid ? sessionOf(verified.claims) : undefined;
        },
        async create(user) {
            const sid = randomBytes(16).toString('base64url');
            const token = await tokens.sign(
                'session',
                {
                    sid,
                    tid: user.tid,
                    oid: user.oid,
                    name: user.name,
                    username: user.username,
                    adm: user.isAdmin,
                },
                SESSION_LIFETIME_SECONDS,
            );
            const verified = await tokens.verify('session', token);
            const session = verified.valid ? sessionOf(verified.claims) : undefined;
            if (session === undefined) throw new Error('a freshly signed session did not verify');
            return { session, cookie: buildCookie(policy, policy.sessionName, token, SESSION_LIFETIME_SECONDS) };
        },
        clear: () => clearCookie(policy, policy.sessionName),
    };
}

/** The session in verified claims; a token of ours with the wrong shape counts as no session. */
function sessionOf(claims: Record<string, unknown>): Session | undefined {
    const { sid, tid, oid, name, username, adm, exp } = claims;
    if (
        typeof sid !== 'string' ||
        typeof tid !== 'string' ||
        !GUID.test(tid) ||
        typeof oid !== 'string' ||
        typeof name !== 'string' ||
        typeof username !== 'string' ||
        typeof adm !== 'boolean' ||
        typeof exp !== 'number'
    )
        return undefined;
    return { sid, tid, oid, name, username, isAdmin: adm, expiresAt: exp };
}
