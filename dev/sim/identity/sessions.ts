import { randomBytes, randomUUID } from 'node:crypto';

import type { SimClock } from '../core/clock';

const MINUTE_MS = 60 * 1000;
/** Authorization codes live about ten minutes (AADSTS70008 after that). */
export const CODE_LIFETIME_MS = 10 * MINUTE_MS;
/** An unfinished sign-in page (the `ctx` of the form) is kept this long. */
const PENDING_LIFETIME_MS = 60 * MINUTE_MS;
/** Refresh tokens: 90 days of inactivity. */
const REFRESH_LIFETIME_MS = 90 * 24 * 60 * MINUTE_MS;

export const SESSION_COOKIE = 'ESTSAUTH';

/** A browser's sign-in session at the simulated login service (the ESTSAUTH cookie). */
export interface BrowserSession {
    id: string;
    /** `session_state` in redirects. */
    sessionState: string;
    /** UPNs signed in on this browser, most recent first. */
    accounts: string[];
}

/** Parameters of an authorize request, validated. */
export interface AuthorizeParams {
    clientId: string;
    redirectUri: string;
    /** The tenant path segment the request came in on (lower-case). */
    segment: string;
    scopes: string[];
    state: string | undefined;
    nonce: string | undefined;
    responseMode: 'query' | 'fragment' | 'form_post';
    prompt: string | undefined;
    loginHint: string | undefined;
    /** Picks the organisation the sign-in page names (branding.ts); never prefills the username. */
    domainHint: string | undefined;
    codeChallenge: string | undefined;
    codeChallengeMethod: 'S256' | 'plain' | undefined;
    clientInfo: boolean;
}

export interface AdminConsentParams {
    clientId: string;
    redirectUri: string;
    segment: string;
    /** Requested permission scopes (`https://graph.microsoft.com/.default`), undefined for the legacy endpoint. */
    scope: string | undefined;
    state: string | undefined;
    legacy: boolean;
}

interface InteractionBase {
    id: string;
    createdAt: number;
    /** Set once the user signed in (the consent screen belongs to this account). */
    username?: string;
}
export interface AuthorizeInteraction extends InteractionBase {
    kind: 'authorize';
    params: AuthorizeParams;
}
export interface AdminConsentInteraction extends InteractionBase {
    kind: 'adminconsent';
    params: AdminConsentParams;
}
/** An interaction in progress: the `ctx` hidden field of the sign-in and consent forms. */
export type PendingInteraction = AuthorizeInteraction | AdminConsentInteraction;

export interface AuthorizationCode {
    clientId: string;
    redirectUri: string;
    segment: string;
    tenantId: string;
    username: string;
    scopes: string[];
    nonce: string | undefined;
    codeChallenge: string | undefined;
    codeChallengeMethod: 'S256' | 'plain' | undefined;
    sessionId: string;
    issuedAt: number;
    redeemed: boolean;
}

export interface RefreshGrant {
    clientId: string;
    tenantId: string;
    username: string;
    scopes: string[];
    sessionId: string;
    issuedAt: number;
}

/** Server-side state of browser interactions, codes and refresh tokens. */
export class InteractionStore {
    private readonly sessions = new Map<string, BrowserSession>();
    private readonly pending = new Map<string, PendingInteraction>();
    private readonly codes = new Map<string, AuthorizationCode>();
    private readonly refreshTokens = new Map<string, RefreshGrant>();

    constructor(private readonly clock: SimClock) {}

    session(id: string | undefined): BrowserSession | undefined {
        return id === undefined ? undefined : this.sessions.get(id);
    }

    /** Adds `username` to the browser's session (creating it), most recent first. */
    signIn(existing: BrowserSession | undefined, username: string): BrowserSession {
        const session = existing ?? { id: randomUUID(), sessionState: randomUUID(), accounts: [] };
        session.accounts = [username, ...session.accounts.filter((a) => a.toLowerCase() !== username.toLowerCase())];
        this.sessions.set(session.id, session);
        return session;
    }

    signOut(id: string | undefined): void {
        if (id !== undefined) this.sessions.delete(id);
    }

    startInteraction<
        T extends Pick<AuthorizeInteraction, 'kind' | 'params'> | Pick<AdminConsentInteraction, 'kind' | 'params'>,
    >(interaction: T): T & InteractionBase {
        this.sweep();
        const pending = { ...interaction, id: randomBytes(18).toString('base64url'), createdAt: this.clock.now() };
        this.pending.set(pending.id, pending);
        return pending;
    }

    interaction(id: string | null): PendingInteraction | undefined {
        if (id === null) return undefined;
        const found = this.pending.get(id);
        if (found && this.clock.now() - found.createdAt > PENDING_LIFETIME_MS) {
            this.pending.delete(id);
            return undefined;
        }
        return found;
    }

    finishInteraction(id: string): void {
        this.pending.delete(id);
    }

    issueCode(code: Omit<AuthorizationCode, 'issuedAt' | 'redeemed'>): string {
        // Real codes are long opaque strings; this one only has to be unguessable.
        const value = `1.A${randomBytes(48).toString('base64url')}`;
        this.codes.set(value, { ...code, issuedAt: this.clock.now(), redeemed: false });
        return value;
    }

    code(value: string): AuthorizationCode | undefined {
        return this.codes.get(value);
    }

    issueRefreshToken(grant: Omit<RefreshGrant, 'issuedAt'>): string {
        const value = `1.A${randomBytes(64).toString('base64url')}`;
        this.refreshTokens.set(value, { ...grant, issuedAt: this.clock.now() });
        return value;
    }

    refreshToken(value: string): RefreshGrant | 'expired' | undefined {
        const grant = this.refreshTokens.get(value);
        if (!grant) return undefined;
        if (this.clock.now() - grant.issuedAt > REFRESH_LIFETIME_MS) return 'expired';
        return grant;
    }

    /** Drops stale interactions and codes so a long-running simulator does not grow without bound. */
    private sweep(): void {
        const now = this.clock.now();
        for (const [id, p] of this.pending) if (now - p.createdAt > PENDING_LIFETIME_MS) this.pending.delete(id);
        for (const [id, c] of this.codes) if (now - c.issuedAt > 2 * CODE_LIFETIME_MS) this.codes.delete(id);
    }
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
    if (!header) return undefined;
    for (const part of header.split(';')) {
        const [key, ...rest] = part.trim().split('=');
        if (key === name) return decodeURIComponent(rest.join('='));
    }
    return undefined;
}

export function sessionCookie(session: BrowserSession): string {
    return `${SESSION_COOKIE}=${encodeURIComponent(session.id)}; path=/; secure; HttpOnly; SameSite=None`;
}

export function clearedSessionCookie(): string {
    return `${SESSION_COOKIE}=; expires=Thu, 01-Jan-1970 00:00:00 GMT; path=/; secure; HttpOnly; SameSite=None`;
}
