import type { IncomingMessage } from 'node:http';

import { serializeCookie, toRpcHttpRequest, typedDataToBuffer } from '../../../../dev/host/http/rpcHttp';

describe('serializeCookie', () => {
    it('writes ASP.NET Core attributes: escaped value, default path, lower-case names', () => {
        expect(serializeCookie({ name: 'session', value: 'a b;c' })).toBe('session=a%20b%3Bc; path=/');
        expect(
            serializeCookie({
                name: 'sid',
                value: 'x',
                domain: { value: 'example.com' },
                path: { value: '/app' },
                expires: { value: { seconds: 0 } },
                maxAge: { value: 3600 },
                secure: { value: true },
                httpOnly: { value: true },
                sameSite: 'strict',
            }),
        ).toBe(
            'sid=x; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=3600; domain=example.com; path=/app; secure; samesite=strict; httponly',
        );
    });

    it('maps the library\'s SameSite "None" (explicitNone) to samesite=none and "not set" to nothing', () => {
        expect(serializeCookie({ name: 'a', value: '1', sameSite: 'explicitNone' })).toBe('a=1; path=/; samesite=none');
        expect(serializeCookie({ name: 'a', value: '1', sameSite: 'none' })).toBe('a=1; path=/');
    });
});

describe('toRpcHttpRequest', () => {
    const request = (url: string, headers: Record<string, string | string[]> = {}) =>
        ({ url, method: 'POST', headers }) as unknown as IncomingMessage;

    it('builds an absolute URL, joins repeated query keys with "," as the host does, and keeps params', () => {
        const data = toRpcHttpRequest(
            request('/api/x?a=1&a=2&b=3', { 'x-many': ['1', '2'] }),
            Buffer.from('hi'),
            'http://localhost:7071',
            {
                id: '5',
            },
        );
        expect(data).toEqual({
            method: 'POST',
            url: 'http://localhost:7071/api/x?a=1&a=2&b=3',
            headers: { 'x-many': '1, 2' },
            query: { a: '1,2', b: '3' },
            params: { id: '5' },
            body: { bytes: Buffer.from('hi') },
        });
    });

    it('sends no body for an empty request body', () => {
        expect(toRpcHttpRequest(request('/'), Buffer.alloc(0), 'http://localhost', {}).body).toBeUndefined();
    });
});

describe('typedDataToBuffer', () => {
    it('reads every body representation the library produces', () => {
        expect(typedDataToBuffer({ bytes: new Uint8Array([104, 105]) }).toString()).toBe('hi');
        expect(typedDataToBuffer({ string: 'hi' }).toString()).toBe('hi');
        expect(typedDataToBuffer({ json: '{"a":1}' }).toString()).toBe('{"a":1}');
        expect(typedDataToBuffer(undefined)).toHaveLength(0);
    });
});
