import jwt from 'jsonwebtoken';
import { JwksClient, SigningKeyNotFoundError } from 'jwks-rsa';

import { GRAPH_RESOURCE } from '../../../../dev/sim/core/contracts';
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';
import { decodeJwt } from '../../../support/tokens';

let world: TestSimulator;

beforeAll(async () => {
    world = await startTestSimulator();
});
afterAll(async () => {
    await world.stop();
});

/** A fresh token each time, so each one is signed by the key current at that moment. */
const apiToken = () => world.operationsToken();

async function graphToken(): Promise<string> {
    const cca = world.msalClient({ tenant: world.publisherTenantId });
    const result = await cca.acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
        skipCache: true,
    });
    return result?.accessToken ?? '';
}

async function simNowSeconds(): Promise<number> {
    return Math.floor((await world.controlGet('/control/clock')).nowMs / 1000);
}

/** What an API would do: JWKS lookup by kid (no cache, to see rollover at once), then verify. */
async function verifyApiToken(token: string): Promise<jwt.JwtPayload> {
    const client = new JwksClient({
        jwksUri: `${world.login}/${world.publisherTenantId}/discovery/v2.0/keys`,
        cache: false,
    });
    const key = await client.getSigningKey(decodeJwt(token).header.kid);
    return jwt.verify(token, key.getPublicKey(), {
        algorithms: ['RS256'],
        audience: `api://${world.appClientId}`,
        issuer: `https://sts.windows.net/${world.publisherTenantId}/`,
        clockTimestamp: await simNowSeconds(),
    }) as jwt.JwtPayload;
}

describe('API tokens verified with jwks-rsa + jsonwebtoken', () => {
    it('verifies issuer, audience and roles; rejects another audience and an expired token', async () => {
        const token = await apiToken();
        const claims = await verifyApiToken(token);
        expect(claims.roles).toContain('Sync.Run');
        const client = new JwksClient({ jwksUri: `${world.login}/common/discovery/v2.0/keys`, cache: false });
        const key = (await client.getSigningKey(decodeJwt(token).header.kid)).getPublicKey();
        expect(() => jwt.verify(token, key, { algorithms: ['RS256'], audience: 'api://someone-else' })).toThrow(
            /audience invalid/,
        );
        expect(() =>
            jwt.verify(token, key, { algorithms: ['RS256'], issuer: 'https://sts.windows.net/other/' }),
        ).toThrow(/issuer invalid/);
        const now = await simNowSeconds();
        expect(() => jwt.verify(token, key, { algorithms: ['RS256'], clockTimestamp: now + 3600 })).toThrow(
            jwt.TokenExpiredError,
        );
    });

    it('rejects a token whose signature was tampered with', async () => {
        const token = await apiToken();
        const [header, payload, signature] = token.split('.');
        const forged = Buffer.from(payload!, 'base64url').toString('utf8').replace('"Sync.Run"', '"Sync.Admin"');
        const tampered = `${header}.${Buffer.from(forged).toString('base64url')}.${signature}`;
        await expect(verifyApiToken(tampered)).rejects.toThrow(/invalid signature/);
    });
});

describe('signing key rollover', () => {
    it('keeps tokens of the previous key valid after one roll and rejects them once the key is dropped', async () => {
        const before = (await world.controlGet('/control/state')).signingKeys;
        const oldToken = await apiToken();
        const oldGraphToken = await graphToken();
        expect(decodeJwt(oldToken).header.kid).toBe(before.current);

        const firstRoll = await world.control('POST', '/control/identity/keys/roll');
        expect(firstRoll.status).toBe(200);
        expect(firstRoll.body).toEqual({
            current: expect.any(String),
            previous: before.current,
            dropped: before.previous,
        });
        const newToken = await apiToken();
        expect(decodeJwt(newToken).header.kid).toBe(firstRoll.body.current);
        // Both keys are published: tokens signed by either verify.
        await expect(verifyApiToken(oldToken)).resolves.toMatchObject({ aud: `api://${world.appClientId}` });
        await expect(verifyApiToken(newToken)).resolves.toMatchObject({ aud: `api://${world.appClientId}` });
        expect(world.sim.identity.tokens.verify(`Bearer ${oldGraphToken}`, GRAPH_RESOURCE).ok).toBe(true);

        const secondRoll = await world.control('POST', '/control/identity/keys/roll');
        expect(secondRoll.body.dropped).toBe(before.current);
        const keys = await (await fetch(`${world.login}/common/discovery/v2.0/keys`)).json();
        expect(keys.keys.map((k: Json) => k.kid)).toEqual([secondRoll.body.current, firstRoll.body.current]);
        await expect(verifyApiToken(oldToken)).rejects.toBeInstanceOf(SigningKeyNotFoundError);
        await expect(verifyApiToken(newToken)).resolves.toMatchObject({ roles: expect.any(Array) });
        expect(world.sim.identity.tokens.verify(`Bearer ${oldGraphToken}`, GRAPH_RESOURCE)).toMatchObject({
            ok: false,
            reason: 'signature',
        });
    });
});

describe('TokenVerifier (what the simulated Graph and Key Vault use)', () => {
    const verify = (header: string | undefined, audience = GRAPH_RESOURCE) =>
        world.sim.identity.tokens.verify(header, audience);

    it('accepts a fresh Graph token and returns its claims', async () => {
        const token = await graphToken();
        const check = verify(`Bearer ${token}`);
        expect(check.ok).toBe(true);
        if (check.ok)
            expect(check.claims).toMatchObject({
                tid: world.publisherTenantId,
                roles: ['User.Read.All'],
                idtyp: 'app',
            });
        // Graph's app id names the same audience.
        expect(verify(`Bearer ${token}`, '00000003-0000-0000-c000-000000000000').ok).toBe(true);
    });

    it('classifies missing, malformed, foreign-audience and unsigned tokens', async () => {
        expect(verify(undefined)).toMatchObject({ ok: false, reason: 'missing', message: 'Access token is empty.' });
        expect(verify('Bearer not-a-jwt')).toMatchObject({ ok: false, reason: 'malformed' });
        expect(verify('Basic abc')).toMatchObject({ ok: false, reason: 'malformed' });
        expect(verify(`Bearer ${await apiToken()}`)).toMatchObject({ ok: false, reason: 'audience' });
        const unsigned = jwt.sign({ aud: GRAPH_RESOURCE, tid: world.publisherTenantId }, 'shared-secret', {
            header: { alg: 'HS256', kid: 'made-up' },
        });
        expect(verify(`Bearer ${unsigned}`)).toMatchObject({ ok: false, reason: 'signature' });
    });

    it('judges lifetime by the simulator clock', async () => {
        const token = await graphToken();
        expect(verify(`Bearer ${token}`).ok).toBe(true);
        await world.advanceClock(3600);
        expect(verify(`Bearer ${token}`)).toMatchObject({ ok: false, reason: 'expired' });
    });
});
