/**
 * A token whose header says `typ: JWT` but whose payload is not JSON: jws (under jsonwebtoken) throws a
 * plain SyntaxError while decoding it, before any signature check. Such a cookie or Bearer token is just
 * a bad token — refused like any forgery, never a 500. The session key comes from a fixed in-memory
 * SecretProvider and the API validator never reaches its key set: unit tests of the decoding only.
 */
import { createSessionStore } from '../../../src/auth/session';
import { createSignedTokens } from '../../../src/auth/signedTokens';
import { createAccessTokenValidator } from '../../../src/api/accessTokens';
import { systemClock } from '../../../src/app/clock';
import { RequestError } from '../../../src/errors';
import type { SecretProvider } from '../../../src/secrets';

const encode = (value: string) => Buffer.from(value).toString('base64url');
/** A JWT-shaped token whose payload is not JSON. */
const notJson = (alg: string) =>
    `${encode(JSON.stringify({ alg, typ: 'JWT', kid: 'k' }))}.${encode('{"sid": \u0007')}.c2ln`;

const secrets: SecretProvider = {
    get: () => Promise.resolve('a-32-character-or-longer-session-signing-key'),
    refresh: () => Promise.resolve('a-32-character-or-longer-session-signing-key'),
};

it('a signed value whose payload is not JSON is not valid (no exception)', async () => {
    const tokens = createSignedTokens(secrets, 'session-signing-key', systemClock);
    await expect(tokens.verify('session', notJson('HS256'))).resolves.toEqual({ valid: false, expired: false });
    const sessions = createSessionStore(tokens, 'http://localhost:7071');
    await expect(sessions.read(`tenant_sync_session=${notJson('HS256')}`)).resolves.toBeUndefined();
});

it('a Bearer token whose payload is not JSON is a 401, not an internal error', async () => {
    const validator = createAccessTokenValidator({
        authorityHost: 'https://login.invalid',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        audiences: ['api://app'],
    });
    const refusal = await validator
        .authorize(`Bearer ${notJson('RS256')}`, 'Tenants.Read')
        .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RequestError);
    expect(refusal).toMatchObject({ status: 401 });
});
