import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { HostError } from '../errors';
import type { InvocationRequest, InvocationResult } from '../invoke/invoker';
import { describeError, type HostLogger } from '../log/hostLogger';
import type { RouteTable } from '../routing/routeTable';
import { toRpcHttpRequest, writeRpcHttpResponse } from './rpcHttp';

export interface HttpTriggerServerOptions {
    routes: RouteTable;
    /** Trigger binding name per HTTP function, for the RPC input. */
    triggerBindingNames: ReadonlyMap<string, string>;
    invoke(request: InvocationRequest): Promise<InvocationResult>;
    logger: HostLogger;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => resolve(Buffer.concat(chunks)));
        request.on('error', reject);
    });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
    response.statusCode = status;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.end(JSON.stringify(body));
}

async function handle(options: HttpTriggerServerOptions, request: IncomingMessage, response: ServerResponse) {
    const method = request.method ?? 'GET';
    const origin = `http://${request.headers.host ?? 'localhost'}`;
    let path: string;
    try {
        path = new URL(request.url ?? '/', origin).pathname;
    } catch {
        // Kestrel refuses a Host header that is not a host[:port] with 400 before any function runs.
        options.logger.write({ level: 'information', message: `400 ${method} (the Host header is not a valid host)` });
        response.statusCode = 400;
        response.end();
        return;
    }
    const match = options.routes.match(method, path);
    if (match.kind !== 'matched') {
        const why =
            match.kind === 'methodNotAllowed'
                ? `route of ${match.functionNames.join(', ')} does not accept ${method}`
                : 'no function route matches';
        options.logger.write({ level: 'information', message: `404 ${method} ${path} (${why})` });
        response.statusCode = 404;
        response.end();
        return;
    }
    const functionName = match.route.functionName;
    const body = await readBody(request);
    const result = await options.invoke({
        functionName,
        triggerBindingName: options.triggerBindingNames.get(functionName) ?? '',
        data: { http: toRpcHttpRequest(request, body, origin, match.params) },
        reason: `HTTP ${method} ${path}`,
    });
    if (!result.ok) {
        // Like Azure, no error details reach the client; the invocation id leads to the host log line.
        sendJson(response, 500, {
            error: `Function "${functionName}" failed; see the host log`,
            invocationId: result.invocationId,
        });
        return;
    }
    const http = result.response.returnValue?.http;
    if (http) writeRpcHttpResponse(response, http, method);
    else {
        response.statusCode = 204;
        response.end();
    }
}

/** The HTTP trigger front end: routes requests to functions and maps responses back. */
export function createHttpTriggerServer(options: HttpTriggerServerOptions): Server {
    return createServer((request, response) => {
        handle(options, request, response).catch((error: unknown) => {
            options.logger.write({
                level: 'error',
                message: `Request ${request.method} ${request.url} failed in the host: ${describeError(error)}`,
            });
            if (!response.headersSent)
                sendJson(response, 500, { error: 'The local host failed to handle the request' });
            else response.destroy();
        });
    });
}

/** Listens and resolves with the bound port; a busy port becomes a HostError that says what to do. */
export function listen(server: Server, port: number, hostname: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
            server.off('listening', onListening);
            reject(
                error.code === 'EADDRINUSE'
                    ? new HostError(`port ${port} is already in use; stop the other process or pass --port`)
                    : error,
            );
        };
        const onListening = () => {
            server.off('error', onError);
            const address = server.address();
            resolve(typeof address === 'object' && address !== null ? address.port : port);
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(port, hostname);
    });
}

/** Stops accepting requests, lets running ones finish for up to `graceMs`, then drops what is left. */
export async function closeServer(server: Server, graceMs: number): Promise<void> {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
}
