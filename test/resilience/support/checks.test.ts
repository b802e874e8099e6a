/**
 * The suite's own checks must be able to fail: the secret scan finds planted secrets, tokens and masked
 * text, and the hostile-answer check catches 5xx, reflection, sessions, injected headers and forged hosts.
 */
import { EVIL_HOST, type HostileAnswer, type HostileCase, INJECTED_HEADER, problemsWith } from './hostile';
import { findSecrets } from './secrets';

describe('findSecrets', () => {
    const secrets = new Map([['client secret', 'Zq8/secret+value=123']]);

    it('finds a known secret, its URL-encoded form, a JWT and what the local host masked', () => {
        const logs = new Map([
            [
                'host-1',
                [
                    'fine',
                    'client_id=x&client_secret=Zq8/secret+value=123',
                    `body=${encodeURIComponent('Zq8/secret+value=123')}`,
                ],
            ],
            [
                'simulator',
                ['token eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhcGkifQ.c2ln', 'Bearer [hidden]', 'x [hidden token] y'],
            ],
        ]);
        expect(findSecrets(logs, secrets)).toEqual([
            { process: 'host-1', line: 2, what: 'client secret' },
            { process: 'host-1', line: 3, what: 'client secret (URL-encoded)' },
            { process: 'simulator', line: 1, what: 'a token (JWT)' },
            { process: 'simulator', line: 2, what: 'a secret the local host masked' },
            { process: 'simulator', line: 3, what: 'a secret the local host masked' },
        ]);
    });

    it('passes clean logs', () => {
        expect(findSecrets(new Map([['host-1', ['sync succeeded pages=5', 'eyJ alone is fine']]]), secrets)).toEqual(
            [],
        );
    });
});

describe('problemsWith', () => {
    const request: HostileCase = {
        name: 'test',
        method: 'GET',
        path: '/',
        headers: {},
        payloads: ['<script>alert(1)</script>'],
        mustFail: true,
    };
    const answer = (overrides: Partial<HostileAnswer>): HostileAnswer => ({
        status: 400,
        headers: [['content-type', 'application/problem+json']],
        body: '{"detail":"bad"}',
        ...overrides,
    });

    it('accepts a clean refusal, and a payload inside valid JSON', () => {
        expect(problemsWith(request, answer({}))).toEqual([]);
        expect(
            problemsWith(request, answer({ body: JSON.stringify({ detail: '<script>alert(1)</script>' }) })),
        ).toEqual([]);
    });

    it('catches 5xx, success without the right, no answer, reflection, cookies, sessions, injected headers and forged hosts', () => {
        expect(problemsWith(request, answer({ status: 502 }))).toContain('answered 502');
        expect(problemsWith(request, answer({ status: 200 }))).toContain(
            'a request with no right to succeed answered 200',
        );
        expect(problemsWith(request, answer({ status: 0, body: '' }))).toContain('no answer ()');
        expect(
            problemsWith(
                request,
                answer({ headers: [['content-type', 'text/html']], body: '<p><script>alert(1)</script>' }),
            ),
        ).toEqual(['reflected "<script>alert(1)</script>" unescaped in text/html']);
        expect(problemsWith(request, answer({ body: '{"x": <script>alert(1)</script>' }))[0]).toMatch(/not JSON/);
        expect(problemsWith(request, answer({ headers: [['set-cookie', 'a=b']] }))).toEqual(['set a cookie: a=b']);
        const session = /^session=/;
        expect(
            problemsWith(request, answer({ headers: [['set-cookie', 'session=abc; path=/']] }), {
                sessionCookie: session,
            }),
        ).toEqual(['set a session: session=abc; path=/']);
        expect(
            problemsWith(
                request,
                answer({ headers: [['set-cookie', 'session=; expires=Thu, 01 Jan 1970 00:00:00 GMT']] }),
                {
                    sessionCookie: session,
                },
            ),
        ).toEqual([]);
        expect(problemsWith(request, answer({ headers: [[INJECTED_HEADER, '1']] }))[0]).toMatch(/injected header/);
        expect(problemsWith(request, answer({ headers: [['location', `https://${EVIL_HOST}/x`]] }))[0]).toMatch(
            /forged host/,
        );
        expect(problemsWith(request, answer({ body: `{"nextLink":"https://${EVIL_HOST}/"}` }))).toEqual([
            'the body names the forged host',
        ]);
    });
});
