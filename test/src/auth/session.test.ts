/**
 * The session cookie, the values signed with the session key and CSRF tokens. The key comes from a
 * fixed in-memory SecretProvider: these are unit tests of the signing, not of Key Vault (which the
 * sign-in suite and test/src/app reach through the simulator).
 */
import jwt from 'jsonwebtoken';

import type { Clock } from '../../../src/app/clock';
import { createCsrf } from '../../../src/auth/csrf';
import {
    cookiePolicy,
    createSessionStore,
    readCookie,
    SESSION_LIFETIME_SECONDS,
    type SignedInUser,
} from '../../../src/auth/session';
import { createSignedTokens } from '../../../src/auth/signedTokens';
import type { SecretProvider } from '../../../src/secrets';

const KEY = 'k'.repeat(16) + 'a-32-character-or-longer-session-key';
const USER: SignedInUser = {
    tid: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    oid: '99999999-8888-7777-6666-555555555555',
    name: 'Zoë O’Brien',
    username: 'zoe@contoso.com',
    isAdmin: true,
};

function fixedSecrets(value: string): SecretProvider & { reads: number } {
    return {
        reads: 0,
        get() {
            this.reads += 1;
            return Promise.resolve(value);
        },
        refresh: () => Promise.resolve(value),
    };
}

const clock: Clock & { ms: number } = {
    ms: Date.UTC(2026, 11, 2, 9, 0, 0),
    now() {
        return this.ms;
    },
    sleep: () => Promise.resolve(),
};
beforeEach(() => (clock.ms = Date.UTC(2026, 11, 2, 9, 0, 0)));

const tokensWith = (key = KEY) => createSignedTokens(fixedSecrets(key), 'session-signing-key', clock);
const storeOn = (baseUrl: string, key = KEY) => createSessionStore(tokensWith(key), baseUrl);
const header = (name: string, value: string) => `other=1; ${name}=${value}; third=x`;

describe('session cookie', () => {
    it('round-trips the signed-in user, with a random session id and an 8-hour expiry', async () => {
        const store = storeOn('http://localhost:7071');
        const { session, cookie } = await store.create(USER);
        expect(session).toMatchObject({ ...USER, sid: expect.stringMatching(/^[\w-]{22}$/) });
        expect(session.expiresAt).toBe(clock.ms / 1000 + SESSION_LIFETIME_SECONDS);
        await expect(store.read(header(cookie.name, cookie.value))).resolves.toEqual(session);
        const second = await store.create(USER);
        expect(second.session.sid).not.toBe(session.sid);
    });

    it('is HttpOnly, SameSite=Lax, path /, 8 hours; Secure with a __Host- name except on http://localhost', async () => {
        const local = await storeOn('http://localhost:7071').create(USER);
        expect(local.cookie).toMatchObject({
            name: 'tenant_sync_session',
            httpOnly: true,
            sameSite: 'Lax',
            secure: false,
            path: '/',
            maxAge: 28800,
        });
        const deployed = await storeOn('https://func-abc.azurewebsites.net').create(USER);
        expect(deployed.cookie).toMatchObject({ name: '__Host-tenant_sync_session', secure: true, httpOnly: true });
        expect(cookiePolicy('https://func-abc.azurewebsites.net').signInName).toBe('__Host-tenant_sync_signin');
        expect(storeOn('http://localhost:7071').clear()).toMatchObject({
            name: 'tenant_sync_session',
            value: '',
            maxAge: 0,
        });
    });

    it('reads no session from a missing, tampered, foreign-key, expired or wrong-purpose cookie', async () => {
        const store = storeOn('http://localhost:7071');
        const { cookie } = await store.create(USER);
        const name = cookie.name;
        await expect(store.read(null)).resolves.toBeUndefined();
        await expect(store.read('other=1')).resolves.toBeUndefined();

        const [h, p, s] = cookie.value.split('.');
        const changed = Buffer.from(
            JSON.stringify({ ...(jwt.decode(cookie.value) as object), tid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }),
        ).toString('base64url');
        await expect(store.read(header(name, `${h}.${changed}.${s}`))).resolves.toBeUndefined();
        await expect(store.read(header(name, `${h}.${p}.${s}x`))).resolves.toBeUndefined();

        const foreign = await storeOn('http://localhost:7071', `${KEY}-other`).create(USER);
        await expect(store.read(header(name, foreign.cookie.value))).resolves.toBeUndefined();

        const consentState = await tokensWith().sign('consent-state', { ...USER, sid: 'x', adm: true }, 900);
        await expect(store.read(header(name, consentState))).resolves.toBeUndefined();

        const unsigned = jwt.sign({ ...USER, sid: 's', adm: true, aud: 'session', iss: 'tenant-sync' }, '', {
            algorithm: 'none',
        } as jwt.SignOptions);
        await expect(store.read(header(name, unsigned))).resolves.toBeUndefined();

        clock.ms += (SESSION_LIFETIME_SECONDS + 1) * 1000;
        await expect(store.read(header(name, cookie.value))).resolves.toBeUndefined();
    });

    it('does not read Key Vault for a cookie that is not even JWT-shaped', async () => {
        const secrets = fixedSecrets(KEY);
        const store = createSessionStore(
            createSignedTokens(secrets, 'session-signing-key', clock),
            'http://localhost:7071',
        );
        await expect(store.read('tenant_sync_session=<script>')).resolves.toBeUndefined();
        expect(secrets.reads).toBe(0);
    });

    it('refuses to sign with a key shorter than 32 characters (an operator error)', async () => {
        await expect(storeOn('http://localhost:7071', 'short').create(USER)).rejects.toMatchObject({
            code: 'secret_unavailable',
            category: 'configuration',
        });
    });
});

describe('signed values', () => {
    it('tell an expired value from a forged one', async () => {
        const tokens = tokensWith();
        const value = await tokens.sign('consent-state', { jti: 'a' }, 60);
        await expect(tokens.verify('consent-state', value)).resolves.toMatchObject({
            valid: true,
            claims: { jti: 'a' },
        });
        await expect(tokens.verify('session', value)).resolves.toEqual({ valid: false, expired: false });
        clock.ms += 61_000;
        await expect(tokens.verify('consent-state', value)).resolves.toEqual({ valid: false, expired: true });
    });
});

describe('CSRF tokens', () => {
    it('are tied to the session: the same session’s token verifies, another session’s does not', async () => {
        const tokens = tokensWith();
        const csrf = createCsrf(tokens);
        const store = createSessionStore(tokens, 'http://localhost:7071');
        const mine = (await store.create(USER)).session;
        const theirs = (await store.create(USER)).session;
        const token = await csrf.token(mine);
        await expect(csrf.verify(mine, token)).resolves.toBe(true);
        await expect(csrf.verify(theirs, token)).resolves.toBe(false);
        await expect(csrf.verify(mine, undefined)).resolves.toBe(false);
        await expect(csrf.verify(mine, '')).resolves.toBe(false);
        await expect(csrf.verify(mine, `${token}x`)).resolves.toBe(false);
        await expect(csrf.verify(mine, 'a'.repeat(500))).resolves.toBe(false);
    });
});

describe('readCookie', () => {
    it('finds one cookie among several and tolerates junk', () => {
        expect(readCookie('a=1; b=two; c=3', 'b')).toBe('two');
        expect(readCookie('a=1', 'b')).toBeUndefined();
        expect(readCookie('', 'b')).toBeUndefined();
        expect(readCookie(undefined, 'b')).toBeUndefined();
        expect(readCookie('b=%E0%A4%A', 'b')).toBe('%E0%A4%A');
    });
});
