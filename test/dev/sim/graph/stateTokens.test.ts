import { deltaToken, listSkipToken, StateTokens } from '../../../../dev/sim/graph/stateTokens';

describe('StateTokens', () => {
    const tokens = new StateTokens('key-1');
    const payload = { v: 1 as const, k: 'list' as const, t: 'tenant', a: 'app', at: 1, p: 42 };

    it('round-trips a payload', () => {
        const sealed = tokens.seal(payload);
        expect(sealed).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        expect(tokens.open(sealed, listSkipToken)).toEqual(payload);
    });

    it('refuses a tampered token, another key, another kind, and garbage', () => {
        const sealed = tokens.seal(payload);
        const [body = '', signature = ''] = sealed.split('.');
        const forged = Buffer.from(JSON.stringify({ ...payload, p: 0 })).toString('base64url');
        expect(tokens.open(`${forged}.${signature}`, listSkipToken)).toBeUndefined();
        expect(tokens.open(`${body}.${signature.slice(1)}x`, listSkipToken)).toBeUndefined();
        expect(new StateTokens('key-2').open(sealed, listSkipToken)).toBeUndefined();
        expect(tokens.open(sealed, deltaToken)).toBeUndefined();
        expect(tokens.open('garbage', listSkipToken)).toBeUndefined();
        expect(tokens.open('a.b.c', listSkipToken)).toBeUndefined();
    });
});
