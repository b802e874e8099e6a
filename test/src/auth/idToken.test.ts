/**
 * Id-token validation against a discovery document and JWKS served by a local HTTP server with keys
 * made here, so every way a token can be wrong can be produced: wrong signature, `alg: none`, HS256
 * signed with the public key, wrong audience or issuer, expired, not yet valid, wrong nonce, unknown
 * key, personal account. (The happy path against the simulator is in signIn.test.ts.)
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import jwt from 'jsonwebtoken';

import type { Clock } from '../../../src/app/clock';
import {
    CLOCK_SKEW_SECONDS,
    createIdTokenValidator,
    IdTokenRejectedError,
    PERSONAL_ACCOUNT_TENANT_ID,
} from '../../../src/auth/idToken';

const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const NONCE = 'nonce-from-the-authorize-request';
const NOW = 1_800_000_000;

interface SigningKey {
    kid: string;
    privateKey: KeyObject;
    publicKey: KeyObject;
}

function newKey(kid: string): SigningKey {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { kid, privateKey, publicKey };
}

const published: SigningKey[] = [newKey('key-1')];
const unpublished = newKey('key-1'); // same kid, another key: a forged signature
let server: Server;
let origin: string;
let discoveryRequests = 0;
let discoveryStatus = 200;
const clock: Clock & { seconds: number } = {
    seconds: NOW,
    now() {
        return this.seconds * 1000;
    },
    sleep: () => Promise.resolve(),
};

beforeAll(async () => {
    server = createServer((request, response) => {
        const path = request.url ?? '';
        if (path === '/organizations/v2.0/.well-known/openid-configuration') {
            discoveryRequests += 1;
            response.writeHead(discoveryStatus, { 'content-type': 'application/json' });
            response.end(
                JSON.stringify({
                    issuer: `${origin}/{tenantid}/v2.0`,
                    jwks_uri: `${origin}/organizations/discovery/v2.0/keys`,
                }),
            );
        } else if (path === '/organizations/discovery/v2.0/keys') {
            const keys = published.map((k) => ({
                ...k.publicKey.export({ format: 'jwk' }),
                kid: k.kid,
                use: 'sig',
                alg: 'RS256',
            }));
            response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
        } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
    clock.seconds = NOW;
    discoveryStatus = 200;
});

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        aud: CLIENT_ID,
        iss: `${origin}/${TENANT_ID}/v2.0`,
        iat: NOW,
        nbf: NOW,
        exp: NOW + 3600,
        tid: TENANT_ID,
        oid: '99999999-8888-7777-6666-555555555555',
        name: 'Megan Bowen',
        preferred_username: 'megan.bowen@contoso.com',
        nonce: NONCE,
        wids: ['62e90394-69f5-4237-9190-012177145e10', 'b79fbf4d-3ef9-4689-8143-76b194e85509'],
        ver: '2.0',
        ...overrides,
    };
}

function sign(payload: Record<string, unknown>, key: SigningKey = published[0] as SigningKey): string {
    return jwt.sign(payload, key.privateKey, { algorithm: 'RS256', keyid: key.kid });
}

const validator = () => createIdTokenValidator({ authorityHost: origin, clientId: CLIENT_ID, clock });

async function problemOf(token: string, nonce = NONCE): Promise<string> {
    try {
        await validator().validate(token, nonce);
    } catch (error) {
        if (error instanceof IdTokenRejectedError) return error.problem;
        throw error;
    }
    return 'accepted';
}

describe('id token validation', () => {
    it('accepts a token signed with a published key, for us, from the token’s tenant, unexpired, with our nonce', async () => {
        await expect(validator().validate(sign(claims()), NONCE)).resolves.toEqual({
            tid: TENANT_ID,
            oid: '99999999-8888-7777-6666-555555555555',
            name: 'Megan Bowen',
            username: 'megan.bowen@contoso.com',
            wids: ['62e90394-69f5-4237-9190-012177145e10', 'b79fbf4d-3ef9-4689-8143-76b194e85509'],
        });
    });

    it('refuses a signature made with another key under a published kid', async () => {
        expect(await problemOf(sign(claims(), unpublished))).toBe('signature');
    });

    it('refuses alg "none" (an unsigned token)', async () => {
        const unsigned = jwt.sign(claims(), '', { algorithm: 'none', keyid: 'key-1' } as jwt.SignOptions);
        expect(await problemOf(unsigned)).toBe('algorithm');
    });

    it('refuses HS256 signed with the public key as the shared secret', async () => {
        const publicPem = (published[0] as SigningKey).publicKey.export({ type: 'spki', format: 'pem' });
        const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'key-1' })).toString('base64url');
        const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
        const { createHmac } = await import('node:crypto');
        const mac = createHmac('sha256', publicPem).update(`${header}.${body}`).digest('base64url');
        expect(await problemOf(`${header}.${body}.${mac}`)).toBe('algorithm');
    });

    it('refuses a token for another application', async () => {
        expect(await problemOf(sign(claims({ aud: '00000003-0000-0000-c000-000000000000' })))).toBe('audience');
    });

    it('refuses an issuer that is not the discovery issuer with the token’s tid', async () => {
        expect(await problemOf(sign(claims({ iss: `${origin}/${OTHER_TENANT_ID}/v2.0` })))).toBe('issuer');
        expect(await problemOf(sign(claims({ iss: `https://login.example/${TENANT_ID}/v2.0` })))).toBe('issuer');
        expect(await problemOf(sign(claims({ iss: `https://sts.windows.net/${TENANT_ID}/` })))).toBe('issuer');
    });

    it('refuses an expired token, allowing a small clock skew', async () => {
        const token = sign(claims({ exp: NOW - 10 }));
        expect(await problemOf(token)).toBe('accepted');
        clock.seconds = NOW + CLOCK_SKEW_SECONDS + 1;
        expect(await problemOf(sign(claims({ exp: NOW })))).toBe('expired');
    });

    it('refuses a token that is not valid yet', async () => {
        expect(await problemOf(sign(claims({ nbf: NOW + CLOCK_SKEW_SECONDS + 60 })))).toBe('not_yet_valid');
    });

    it('refuses a token with another nonce, or none', async () => {
        expect(await problemOf(sign(claims({ nonce: 'another' })))).toBe('nonce');
        expect(await problemOf(sign(claims({ nonce: undefined })))).toBe('nonce');
    });

    it('refuses a token signed by a key the discovery keys do not publish', async () => {
        expect(await problemOf(sign(claims(), newKey('key-unknown')))).toBe('unknown_key');
    });

    it('accepts a new key after a rollover: an unknown kid makes it read the keys again', async () => {
        const checker = validator();
        await checker.validate(sign(claims()), NONCE);
        const rolled = newKey('key-2');
        published.push(rolled);
        try {
            await expect(checker.validate(sign(claims(), rolled), NONCE)).resolves.toMatchObject({ tid: TENANT_ID });
        } finally {
            published.pop();
        }
    });

    it('refuses a personal Microsoft account after checking everything else', async () => {
        const personal = claims({
            tid: PERSONAL_ACCOUNT_TENANT_ID,
            iss: `${origin}/${PERSONAL_ACCOUNT_TENANT_ID}/v2.0`,
        });
        expect(await problemOf(sign(personal))).toBe('personal_account');
        // A forged personal-account token is refused for its signature, not waved through as "personal".
        expect(await problemOf(sign(personal, unpublished))).toBe('signature');
    });

    it('refuses tokens without tid or oid, and text that is not a JWT', async () => {
        expect(await problemOf(sign(claims({ tid: undefined })))).toBe('claims');
        expect(await problemOf(sign(claims({ tid: 'not-a-guid' })))).toBe('claims');
        expect(await problemOf(sign(claims({ oid: undefined })))).toBe('claims');
        expect(await problemOf('not.a.jwt')).toBe('malformed');
        expect(await problemOf('')).toBe('malformed');
    });

    it('reads the discovery document once and reports an unreachable one as transient', async () => {
        const checker = validator();
        const before = discoveryRequests;
        await checker.validate(sign(claims()), NONCE);
        await checker.validate(sign(claims()), NONCE);
        expect(discoveryRequests - before).toBe(1);

        discoveryStatus = 503;
        await expect(validator().validate(sign(claims()), NONCE)).rejects.toMatchObject({
            code: 'token_unavailable',
            category: 'transient',
        });
    });
});
