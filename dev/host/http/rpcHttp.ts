import type { IncomingMessage, ServerResponse } from 'node:http';

import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from '../core/coreTypes';

/** The request as the host sends it to the worker; the library turns it into its HttpRequest. */
export function toRpcHttpRequest(
    request: IncomingMessage,
    body: Buffer,
    origin: string,
    params: Record<string, string>,
): RpcHttpData {
    const url = new URL(request.url ?? '/', origin);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    // The host passes the query as a dictionary; repeated keys arrive joined with "," (ASP.NET StringValues).
    const query: Record<string, string> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
    const data: RpcHttpData = { method: request.method ?? 'GET', url: url.href, headers, query, params };
    if (body.length > 0) data.body = { bytes: body };
    return data;
}

// Why Set-Cookie is written by hand: the `cookie` package is in node_modules only transitively (through
// @azure/functions, for its HTTP streaming proxy) and is not a direct dependency, and its output is not
// what the real host sends. The Functions host is ASP.NET Core and writes Set-Cookie the ASP.NET way
// (SetCookieHeaderValue): lower-case attributes in the order expires, max-age, domain, path, secure,
// samesite, httponly, path always present, and values escaped with Uri.EscapeDataString; cookie.serialize
// writes `Max-Age`, `Path`, `HttpOnly`, `SameSite=Lax` in another order and leaves !'()* unescaped.

/** Uri.EscapeDataString, which ASP.NET Core applies to cookie values. */
function escapeDataString(value: string): string {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A Set-Cookie header value in ASP.NET Core's attribute order and spelling (path defaults to "/"). */
export function serializeCookie(cookie: RpcHttpCookie): string {
    const parts = [`${cookie.name ?? ''}=${escapeDataString(cookie.value ?? '')}`];
    const seconds = cookie.expires?.value?.seconds;
    if (typeof seconds === 'number') parts.push(`expires=${new Date(seconds * 1000).toUTCString()}`);
    const maxAge = cookie.maxAge?.value;
    if (typeof maxAge === 'number') parts.push(`max-age=${Math.trunc(maxAge)}`);
    if (cookie.domain?.value) parts.push(`domain=${cookie.domain.value}`);
    parts.push(`path=${cookie.path?.value || '/'}`);
    if (cookie.secure?.value === true) parts.push('secure');
    // RPC "none" means "not set"; "explicitNone" is SameSite=None.
    const sameSiteNames: Record<string, string> = { lax: 'lax', strict: 'strict', explicitNone: 'none' };
    const sameSite = sameSiteNames[cookie.sameSite ?? 'none'];
    if (sameSite !== undefined) parts.push(`samesite=${sameSite}`);
    if (cookie.httpOnly?.value === true) parts.push('httponly');
    return parts.join('; ');
}

export function typedDataToBuffer(data: RpcTypedData | null | undefined): Buffer {
    if (!data) return Buffer.alloc(0);
    if (data.bytes) return Buffer.from(data.bytes);
    if (data.stream) return Buffer.from(data.stream);
    if (typeof data.string === 'string') return Buffer.from(data.string, 'utf8');
    if (typeof data.json === 'string') return Buffer.from(data.json, 'utf8');
    if (typeof data.int === 'number') return Buffer.from(String(data.int));
    if (typeof data.double === 'number') return Buffer.from(String(data.double));
    return Buffer.alloc(0);
}

/** Writes the worker's HTTP response: status, headers, cookies as Set-Cookie, body bytes (none for HEAD). */
export function writeRpcHttpResponse(response: ServerResponse, http: RpcHttpData, method: string): void {
    const status = Number(http.statusCode ?? '200');
    response.statusCode = Number.isInteger(status) && status >= 100 && status <= 999 ? status : 500;
    for (const [name, value] of Object.entries(http.headers ?? {})) response.setHeader(name, value);
    const cookies = (http.cookies ?? []).map(serializeCookie);
    if (cookies.length > 0) {
        const existing = response.getHeader('set-cookie');
        const previous = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
        response.setHeader('set-cookie', [...previous, ...cookies]);
    }
    const body = typedDataToBuffer(http.body);
    response.end(method.toUpperCase() === 'HEAD' ? undefined : body);
}
