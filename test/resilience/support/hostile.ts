/**
 * Hostile requests at the HTTP edge: how they are made (fetch, or a raw socket for what fetch refuses to
 * send: unnormalized paths, a forged Host, broken request lines), what they carry, and the checks every
 * answer must pass — no 5xx, nothing reflected unescaped, no session, no injected header.
 */
import { connect } from 'node:net';

import { TableClient, TableServiceClient } from '@azure/data-tables';

import type { ResilienceStack } from './stack';

/** Markup and script that must never come back as markup. */
export const SCRIPT_PAYLOADS = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    '</title><script>alert(document.cookie)</script>',
    'javascript:alert(1)//<b>',
    '<iframe srcdoc="<script>alert(1)</script>">',
];

/** A header a response-splitting attempt would create if a CR LF got through. */
export const INJECTED_HEADER = 'x-injected-by-test';
export const CRLF_PAYLOADS = [
    `\r\n${INJECTED_HEADER}: 1`,
    `%0d%0a${INJECTED_HEADER}:%201`,
    `\r\nSet-Cookie: session=injected`,
    `%0D%0ASet-Cookie:%20session=injected`,
];

export const EVIL_HOST = 'evil.example';

export interface HostileCase {
    /** What the request tries; failures name it. */
    name: string;
    method: string;
    /** Path and query, as sent (already encoded as the attack wants it). */
    path: string;
    headers: Record<string, string>;
    body?: string;
    /** Sent over a raw socket, byte for byte (the path is not normalized, any Host is kept). */
    raw?: boolean;
    /** Strings from the request that must not come back unescaped. */
    payloads: string[];
    /** The request has no right to succeed (forged or missing credentials, invalid input): a 4xx. */
    mustFail: boolean;
    /** A request that is not HTTP at all may simply be dropped. */
    mayClose?: boolean;
}

export interface HostileAnswer {
    status: number;
    headers: [string, string][];
    body: string;
}

export async function send(baseUrl: string, request: HostileCase): Promise<HostileAnswer> {
    if (request.raw === true) return sendRaw(Number(new URL(baseUrl).port), request);
    const response = await fetch(`${baseUrl}${request.path}`, {
        method: request.method,
        headers: request.headers,
        redirect: 'manual',
        ...(request.body === undefined ? {} : { body: request.body }),
    });
    return { status: response.status, headers: [...response.headers.entries()], body: await response.text() };
}

function sendRaw(port: number, request: HostileCase): Promise<HostileAnswer> {
    const lines = [`${request.method} ${request.path} HTTP/1.1`];
    const headers: Record<string, string> = { host: `localhost:${port}`, connection: 'close', ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    const text = `${lines.join('\r\n')}\r\n\r\n${request.body ?? ''}`;
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        // Written, not ended: a server may close a half-closed connection before it answers.
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer to ${request.name}`)));
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('error', (error: NodeJS.ErrnoException) =>
            // A server may reset (or stop reading) a connection that is not HTTP: an answer of sorts, not a 5xx.
            error.code === 'ECONNRESET' || error.code === 'EPIPE'
                ? resolve(parseRaw(Buffer.concat(chunks)))
                : reject(error),
        );
        socket.on('close', () => resolve(parseRaw(Buffer.concat(chunks))));
    });
}

function parseRaw(data: Buffer): HostileAnswer {
    const text = data.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return { status: 0, headers: [], body: text };
    const [statusLine = '', ...headerLines] = text.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers = headerLines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
    });
    let body = data.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
    if (headers.some(([name, value]) => name === 'transfer-encoding' && /chunked/i.test(value))) {
        const parts: Buffer[] = [];
        let at = 0;
        for (;;) {
            const lineEnd = body.indexOf('\r\n', at);
            if (lineEnd < 0) break;
            const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
            if (!Number.isFinite(size) || size === 0) break;
            parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
            at = lineEnd + 2 + size + 2;
        }
        body = Buffer.concat(parts);
    }
    return { status, headers, body: body.toString('utf8') };
}

/** What is wrong with an answer (empty when it passes every check). */
export function problemsWith(
    request: HostileCase,
    answer: HostileAnswer,
    options: {
        sessionCookie?: RegExp;
        /** Origins a redirect may lead to (the app itself, the identity platform); relative ones are the app's. */
        redirectOrigins?: string[];
    } = {},
) {
    const problems: string[] = [];
    const header = (name: string) => answer.headers.filter(([n]) => n === name).map(([, v]) => v);
    const contentType = header('content-type')[0] ?? '';
    if (answer.status <= 0 && request.mayClose !== true) problems.push(`no answer (${answer.body.slice(0, 120)})`);
    if (answer.status >= 500) problems.push(`answered ${answer.status}`);
    if (request.mustFail && answer.status > 0 && (answer.status < 400 || answer.status >= 500))
        problems.push(`a request with no right to succeed answered ${answer.status}`);
    for (const [name, value] of answer.headers) {
        // A CR LF that got through would make a header of its own (encoded, it is harmless text in a value).
        if (name === INJECTED_HEADER || (name === 'set-cookie' && /injected/i.test(value)))
            problems.push(`injected header ${name}: ${value}`);
        if (value.includes(EVIL_HOST)) problems.push(`header ${name} names the forged host: ${value}`);
    }
    const redirectOrigins = options.redirectOrigins;
    for (const location of header('location')) {
        let target: URL | undefined;
        try {
            target = new URL(location, 'http://relative.invalid');
        } catch {
            problems.push(`a redirect that is not a URL: ${location}`);
        }
        if (target !== undefined && !/^https?:$/.test(target.protocol)) problems.push(`a redirect to ${location}`);
        else if (
            target !== undefined &&
            redirectOrigins !== undefined &&
            target.origin !== 'http://relative.invalid' &&
            !redirectOrigins.includes(target.origin)
        )
            problems.push(`an open redirect to ${location}`);
    }
    const cookies = header('set-cookie');
    const sessionCookie = options.sessionCookie;
    if (sessionCookie === undefined) {
        if (cookies.length > 0) problems.push(`set a cookie: ${cookies.join(' | ')}`);
    } else {
        // A cookie that clears itself (empty value or expired) is not a session.
        const live = cookies.filter(
            (c) => sessionCookie.test(c) && !/^[^=]+=;|^[^=]+=""|expires=thu, 01 jan 1970|max-age=0/i.test(c),
        );
        if (live.length > 0) problems.push(`set a session: ${live.join(' | ')}`);
    }
    if (answer.body.includes(EVIL_HOST)) problems.push('the body names the forged host');
    const isJson = /^application\/([a-z.+-]*\+)?json/i.test(contentType);
    for (const payload of request.payloads) {
        if (!answer.body.includes(payload)) continue;
        // JSON is not markup: a browser does not run it. Anything else must not carry the payload as is.
        if (!isJson) problems.push(`reflected ${JSON.stringify(payload)} unescaped in ${contentType || 'no type'}`);
        else {
            try {
                JSON.parse(answer.body);
            } catch {
                problems.push(`reflected ${JSON.stringify(payload)} in a body that is not JSON`);
            }
        }
    }
    return problems;
}

/** Every entity of every table, without the service's own metadata: to prove nothing changed. */
export async function tablesSnapshot(stack: ResilienceStack): Promise<string> {
    const options = { allowInsecureConnection: true };
    const service = TableServiceClient.fromConnectionString(stack.azurite.connectionString, options);
    const snapshot: Record<string, unknown[]> = {};
    for await (const table of service.listTables()) {
        const name = table.name ?? '';
        const client = TableClient.fromConnectionString(stack.azurite.connectionString, name, options);
        const rows: unknown[] = [];
        for await (const entity of client.listEntities()) {
            const { etag: _etag, timestamp: _timestamp, ...rest } = entity;
            rows.push(rest);
        }
        snapshot[name] = rows;
    }
    const queue = await stack.services.storage
        .queue('tenant-sync')
        .peekMessages({ numberOfMessages: 32 })
        .catch(() => ({ peekedMessageItems: [] }));
    snapshot['queue:tenant-sync'] = queue.peekedMessageItems.map((m) => m.messageText);
    return JSON.stringify(snapshot);
}
