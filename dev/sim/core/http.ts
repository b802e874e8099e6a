import { randomUUID } from 'node:crypto';
import {
    createServer as createHttpServer,
    type IncomingHttpHeaders,
    type IncomingMessage,
    type Server,
    type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

import FindMyWay, { type HTTPMethod } from 'find-my-way';

import type { SimClock } from './clock';
import type { FaultRegistry, FaultRule } from './faults';
import { redactQuery, type RequestLog } from './requestLog';

/** The simulated services; each listens on its own port (its own origin). */
export type ServiceName = 'login' | 'graph' | 'vault' | 'msi' | 'control';

const MAX_BODY_BYTES = 1024 * 1024;

export interface SimRequest {
    service: ServiceName;
    method: string;
    url: URL;
    headers: IncomingHttpHeaders;
    /** Route parameters, already percent-decoded. */
    params: Record<string, string>;
    body: Buffer;
    /** A GUID for this request (Graph `request-id`, AADSTS trace id, Key Vault x-ms-request-id). */
    requestId: string;
    header(name: string): string | undefined;
    /** Body parsed as application/x-www-form-urlencoded. */
    form(): URLSearchParams;
    /** Body parsed as JSON; throws BadJsonError on malformed input. */
    json(): unknown;
}

export interface SimResponse {
    status: number;
    headers?: Record<string, string | string[]>;
    /** An object is sent as JSON; a string or Buffer as-is (set content-type yourself). */
    body?: unknown;
    /** Extra facts for the request log. */
    log?: { tenant?: string; earlyRetry?: boolean };
}

export type Handler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

export interface Route {
    method: HTTPMethod | HTTPMethod[];
    path: string;
    handler: Handler;
}

/** What a service contributes: routes plus service-shaped answers for faults and unknown paths. */
export interface ServiceDefinition {
    routes: Route[];
    /** The tenant a request concerns (path segment, token `tid`, ...), for fault matching and the log. */
    tenantOf?(request: SimRequest): string | undefined;
    /** The body this service would send with `status` (e.g. Graph's error envelope). */
    faultResponse?(rule: FaultRule, request: SimRequest): SimResponse;
    notFound?(request: SimRequest): SimResponse;
    /** The service's own shape for a request the host itself refuses (400: unreadable body) or fails on (500). */
    errorResponse?(status: 400 | 500, message: string): SimResponse;
}

export class BadJsonError extends Error {
    override readonly name = 'BadJsonError';
}

export interface ServiceHostOptions {
    service: ServiceName;
    /** TLS key+cert (PEM). Omit for plain http (control API, managed identity endpoint). */
    tls?: { key: string; cert: string };
    port: number;
    clock: SimClock;
    log: RequestLog;
    /** Omit for the control API, which must never be faulted. */
    faults?: FaultRegistry;
    /** Called after each answer is sent (e.g. to save state a request may have changed). */
    onAnswered?: (request: SimRequest) => void;
}

/**
 * One listening port of the simulator. It listens first (so the origin is known when the service is
 * built: issuers, nextLinks and secret ids all carry it) and is given its routes with `mount`.
 */
export class ServiceHost {
    private server: Server | undefined;
    private definition: ServiceDefinition | undefined;
    private router = FindMyWay({ caseSensitive: false, ignoreTrailingSlash: true });
    private readonly sockets = new Set<Socket>();
    /** TCP sockets by remote port: a TLS request's socket wraps one, and only the TCP socket can send a reset. */
    private readonly tcpByRemotePort = new Map<number, Socket>();
    private originValue: string | undefined;

    constructor(private readonly options: ServiceHostOptions) {}

    get origin(): string {
        if (this.originValue === undefined) throw new Error(`${this.options.service} is not listening yet`);
        return this.originValue;
    }

    get service(): ServiceName {
        return this.options.service;
    }

    async listen(): Promise<string> {
        const listener = (req: IncomingMessage, res: ServerResponse) => void this.dispatch(req, res);
        const server = this.options.tls
            ? createHttpsServer({ key: this.options.tls.key, cert: this.options.tls.cert }, listener)
            : createHttpServer(listener);
        server.on('connection', (socket: Socket) => {
            this.sockets.add(socket);
            const port = socket.remotePort;
            if (port !== undefined) this.tcpByRemotePort.set(port, socket);
            socket.on('close', () => {
                this.sockets.delete(socket);
                if (port !== undefined && this.tcpByRemotePort.get(port) === socket) this.tcpByRemotePort.delete(port);
            });
        });
        await new Promise<void>((resolve, reject) => {
            const onError = (error: NodeJS.ErrnoException) => {
                reject(
                    error.code === 'EADDRINUSE'
                        ? new Error(
                              `simulator ${this.options.service} port ${this.options.port} is already in use; stop the other process or choose another port`,
                          )
                        : error,
                );
            };
            server.once('error', onError);
            server.listen(this.options.port, '127.0.0.1', () => {
                server.off('error', onError);
                resolve();
            });
        });
        this.server = server;
        const { port } = server.address() as AddressInfo;
        this.originValue = `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
        return this.originValue;
    }

    mount(definition: ServiceDefinition): void {
        this.definition = definition;
        this.router = FindMyWay({ caseSensitive: false, ignoreTrailingSlash: true });
        for (const route of definition.routes)
            this.router.on(route.method, route.path, () => undefined, { handler: route.handler });
    }

    async close(): Promise<void> {
        const server = this.server;
        if (!server) return;
        this.server = undefined;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of this.sockets) socket.destroy();
        await closed;
    }

    private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const started = performance.now();
        const arrived = this.options.clock.now();
        let request: SimRequest | undefined;
        let response: SimResponse;
        let faulted = false;
        let rule: FaultRule | undefined;
        try {
            const body = await readBody(req);
            const url = new URL(req.url ?? '/', this.originValue);
            const match = this.router.find((req.method ?? 'GET') as HTTPMethod, url.pathname);
            request = buildRequest(
                this.options.service,
                req,
                url,
                body,
                (match?.params ?? {}) as Record<string, string>,
            );
            rule = this.options.faults?.take({
                service: this.options.service,
                path: url.pathname,
                tenant: this.definition?.tenantOf?.(request),
            });
            if (rule !== undefined) {
                faulted = true;
                if (rule.latencyMs !== undefined) await delay(rule.latencyMs);
                if (rule.reset === true) {
                    this.record(request, 0, arrived, started, true, undefined);
                    // RST rather than FIN, so clients see ECONNRESET as with a real dropped connection.
                    const port = req.socket.remotePort;
                    const tcp = (port === undefined ? undefined : this.tcpByRemotePort.get(port)) ?? req.socket;
                    tcp.resetAndDestroy();
                    return;
                }
            }
            const store = match?.store as { handler?: Handler } | undefined;
            if (rule?.status !== undefined) response = this.faultResponse(rule, request);
            else if (store?.handler) response = await store.handler(request);
            else
                response = this.definition?.notFound?.(request) ?? {
                    status: 404,
                    body: {
                        error: { code: 'NotFound', message: `No route for ${req.method ?? 'GET'} ${url.pathname}` },
                    },
                };
        } catch (error) {
            const status = error instanceof BadJsonError ? 400 : 500;
            const message = error instanceof Error ? error.message : String(error);
            response = this.definition?.errorResponse?.(status, message) ?? {
                status,
                body: { error: { code: status === 400 ? 'BadRequest' : 'SimulatorError', message } },
            };
            if (!(error instanceof BadJsonError)) console.error(`[sim:${this.options.service}] handler failed:`, error);
        }
        try {
            if (rule?.repeatNextLink === true && request) response = repeatNextLink(response, request);
            await send(res, response, rule);
        } catch (error) {
            // e.g. an invalid header value: answer 500 rather than crash the process on an unhandled rejection.
            console.error(`[sim:${this.options.service}] could not send the response:`, error);
            response = this.definition?.errorResponse?.(500, String(error)) ?? {
                status: 500,
                body: { error: { code: 'SimulatorError', message: String(error) } },
            };
            if (!res.headersSent) await send(res, response);
            else res.destroy();
        }
        if (request) {
            this.record(request, response.status, arrived, started, faulted, response.log);
            this.options.onAnswered?.(request);
        }
    }

    private faultResponse(rule: FaultRule, request: SimRequest): SimResponse {
        const shaped = this.definition?.faultResponse?.(rule, request) ?? {
            status: rule.status ?? 500,
            body: {
                error: {
                    code: 'InjectedFault',
                    message: `Fault injected by the simulator control API (rule ${rule.id}).`,
                },
            },
        };
        const headers = { ...shaped.headers };
        if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
        return { ...shaped, headers };
    }

    private record(
        request: SimRequest,
        status: number,
        arrived: number,
        started: number,
        faulted: boolean,
        extra: SimResponse['log'],
    ): void {
        if (this.options.service === 'control') return;
        this.options.log.add({
            time: new Date(arrived).toISOString(),
            service: this.options.service,
            method: request.method,
            path: request.url.pathname,
            query: redactQuery(request.url.searchParams),
            tenant: extra?.tenant ?? this.definition?.tenantOf?.(request),
            status,
            durationMs: Math.round((performance.now() - started) * 10) / 10,
            earlyRetry: extra?.earlyRetry ?? false,
            faulted,
            clientRequestId:
                request.header('client-request-id') ??
                request.url.searchParams.get('client-request-id') ??
                request.header('x-ms-client-request-id'),
        });
    }
}

function buildRequest(
    service: ServiceName,
    req: IncomingMessage,
    url: URL,
    body: Buffer,
    params: Record<string, string>,
): SimRequest {
    return {
        service,
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        params,
        body,
        requestId: randomUUID(),
        header(name) {
            const value = req.headers[name.toLowerCase()];
            return Array.isArray(value) ? value.join(', ') : value;
        },
        form() {
            return new URLSearchParams(body.toString('utf8'));
        },
        json() {
            if (body.length === 0) return {};
            try {
                return JSON.parse(body.toString('utf8')) as unknown;
            } catch (error) {
                throw new BadJsonError(
                    `Request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
                );
            }
        },
    };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > MAX_BODY_BYTES) throw new BadJsonError(`Request body exceeds ${MAX_BODY_BYTES} bytes`);
        chunks.push(buffer);
    }
    return Buffer.concat(chunks);
}

/**
 * Writes the answer. A fault rule may spoil the body of a normal answer: malformed JSON (cut short, with a
 * complete Content-Length), a body cut off mid-stream (Content-Length of the whole, then the connection
 * closes), or a body that stalls halfway for `stallBodyMs` (headers at once; a client timeout shorter than
 * the stall aborts mid-body).
 */
async function send(res: ServerResponse, response: SimResponse, rule?: FaultRule): Promise<void> {
    const headers: Record<string, string | string[]> = { ...response.headers };
    let payload: Buffer | undefined;
    if (response.body === undefined) payload = undefined;
    else if (typeof response.body === 'string') payload = Buffer.from(response.body, 'utf8');
    else if (Buffer.isBuffer(response.body)) payload = response.body;
    else {
        payload = Buffer.from(JSON.stringify(response.body), 'utf8');
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
            headers['content-type'] = 'application/json; charset=utf-8';
    }
    if (payload !== undefined && rule?.malformedJson === true)
        // Half the document, then something no JSON parser accepts.
        payload = Buffer.concat([payload.subarray(0, Math.floor(payload.length / 2)), Buffer.from(',"\\u00')]);
    if (payload !== undefined) headers['content-length'] = String(payload.length);
    const spoils = rule?.truncateBody === true || rule?.stallBodyMs !== undefined;
    if (payload === undefined || !spoils) {
        res.writeHead(response.status, headers);
        res.end(payload);
        return;
    }
    const half = Math.max(1, Math.floor(payload.length / 2));
    res.writeHead(response.status, headers);
    await new Promise<void>((resolve) => res.write(payload.subarray(0, half), () => resolve()));
    if (rule?.truncateBody === true) {
        res.destroy();
        return;
    }
    await delay(rule?.stallBodyMs ?? 0);
    if (!res.destroyed) res.end(payload.subarray(half));
}

/**
 * A next link that leads back to a page already served: this very request. A page that ended the round
 * (deltaLink) gets the next link instead, so a client that follows links without noticing loops for ever.
 */
function repeatNextLink(response: SimResponse, request: SimRequest): SimResponse {
    const body = response.body;
    if (typeof body !== 'object' || body === null || Buffer.isBuffer(body) || response.status !== 200) return response;
    const { '@odata.deltaLink': _done, ...rest } = body as Record<string, unknown>;
    const self = `${request.url.origin}${request.url.pathname}${request.url.search}`;
    const value = rest.value;
    delete rest.value;
    // Links before `value`, where Graph puts them.
    return { ...response, body: { ...rest, '@odata.nextLink': self, ...(value === undefined ? {} : { value }) } };
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Helper for JSON responses. */
export function json(status: number, body: unknown, headers: Record<string, string | string[]> = {}): SimResponse {
    return { status, body, headers };
}
