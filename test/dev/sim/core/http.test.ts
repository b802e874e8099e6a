import { createServer, type Server } from 'node:net';

import { SimClock } from '../../../../dev/sim/core/clock';
import { FaultRegistry } from '../../../../dev/sim/core/faults';
import { json, ServiceHost } from '../../../../dev/sim/core/http';
import { RequestLog } from '../../../../dev/sim/core/requestLog';

describe('ServiceHost', () => {
    const clock = new SimClock();
    let log: RequestLog;
    let faults: FaultRegistry;
    let host: ServiceHost;

    beforeEach(async () => {
        log = new RequestLog();
        faults = new FaultRegistry('test');
        host = new ServiceHost({ service: 'graph', port: 0, clock, log, faults });
        await host.listen();
        host.mount({
            routes: [
                {
                    method: 'GET',
                    path: '/items/:id',
                    handler: (r) => json(200, { id: r.params.id, q: r.url.searchParams.get('q') }),
                },
                { method: 'POST', path: '/echo', handler: (r) => json(200, { got: r.json() }) },
                {
                    method: 'GET',
                    path: '/boom',
                    handler: () => {
                        throw new Error('handler exploded');
                    },
                },
            ],
            tenantOf: (r) => r.header('x-tenant'),
            faultResponse: (rule) => json(rule.status ?? 500, { shaped: true }),
        });
    });

    afterEach(() => host.close());

    it('dispatches to the route with decoded parameters (case-insensitive path, trailing slash)', async () => {
        const response = await fetch(`${host.origin}/ITEMS/a%20b/?q=1`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ id: 'a b', q: '1' });
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });

    it('answers 404 JSON for an unknown route, or the service-shaped answer when it has one', async () => {
        const response = await fetch(`${host.origin}/nowhere`);
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ error: { code: 'NotFound', message: 'No route for GET /nowhere' } });
        host.mount({ routes: [], notFound: () => json(400, { custom: true }) });
        const custom = await fetch(`${host.origin}/nowhere`);
        expect(custom.status).toBe(400);
        expect(await custom.json()).toEqual({ custom: true });
    });

    it('turns a failing handler into a 500 JSON answer and keeps serving', async () => {
        const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
        const response = await fetch(`${host.origin}/boom`);
        expect(response.status).toBe(500);
        expect(await response.json()).toEqual({ error: { code: 'SimulatorError', message: 'handler exploded' } });
        expect(spy).toHaveBeenCalled();
        spy.mockRestore();
        expect((await fetch(`${host.origin}/items/1`)).status).toBe(200);
    });

    it('answers 400 for a malformed JSON body', async () => {
        const response = await fetch(`${host.origin}/echo`, { method: 'POST', body: '{"a":' });
        expect(response.status).toBe(400);
        const body = await response.json();
        expect(body.error.code).toBe('BadRequest');
        expect(body.error.message).toMatch(/not valid JSON/);
        const ok = await fetch(`${host.origin}/echo`, { method: 'POST', body: '{"a":1}' });
        expect(await ok.json()).toEqual({ got: { a: 1 } });
    });

    it('answers an injected status with the service-shaped body and Retry-After, then recovers', async () => {
        faults.add({ service: 'graph', path: '/items', status: 503, count: 1, retryAfter: 7 });
        const faulted = await fetch(`${host.origin}/items/1`);
        expect(faulted.status).toBe(503);
        expect(faulted.headers.get('retry-after')).toBe('7');
        expect(await faulted.json()).toEqual({ shaped: true });
        expect((await fetch(`${host.origin}/items/1`)).status).toBe(200);
        const entries = log.since(0);
        expect(entries.map((e) => [e.status, e.faulted])).toEqual([
            [503, true],
            [200, false],
        ]);
    });

    it('matches faults on the tenant the service reports', async () => {
        faults.add({ service: 'graph', tenant: 'contoso', status: 500 });
        expect((await fetch(`${host.origin}/items/1`, { headers: { 'x-tenant': 'fabrikam' } })).status).toBe(200);
        expect((await fetch(`${host.origin}/items/1`, { headers: { 'x-tenant': 'Contoso' } })).status).toBe(500);
    });

    it('drops the connection for a reset fault', async () => {
        faults.add({ service: 'graph', reset: true, count: 1 });
        const error = await fetch(`${host.origin}/items/1`).then(
            () => undefined,
            (e: unknown) => e as { cause?: { code?: string } },
        );
        expect(error?.cause?.code).toBe('ECONNRESET');
        expect(log.since(0)[0]).toMatchObject({ status: 0, faulted: true });
    });

    it('logs method, path, redacted query, tenant and client-request-id', async () => {
        await fetch(`${host.origin}/items/9?q=2&client_secret=abc`, {
            headers: { 'x-tenant': 't1', 'client-request-id': 'crid-1' },
        });
        expect(log.since(0)[0]).toMatchObject({
            service: 'graph',
            method: 'GET',
            path: '/items/9',
            query: '?q=2&client_secret=REDACTED',
            tenant: 't1',
            status: 200,
            clientRequestId: 'crid-1',
            earlyRetry: false,
        });
    });

    it('does not log the control service', async () => {
        const control = new ServiceHost({ service: 'control', port: 0, clock, log });
        await control.listen();
        control.mount({ routes: [{ method: 'GET', path: '/x', handler: () => json(200, {}) }] });
        await fetch(`${control.origin}/x`);
        await control.close();
        expect(log.since(0)).toEqual([]);
    });

    it('reports a port in use with a clear message', async () => {
        const blocker: Server = createServer();
        await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
        const port = (blocker.address() as { port: number }).port;
        const second = new ServiceHost({ service: 'vault', port, clock, log });
        await expect(second.listen()).rejects.toThrow(`simulator vault port ${port} is already in use`);
        await new Promise((resolve) => blocker.close(resolve));
    });

    it('refuses the origin before listening', () => {
        expect(() => new ServiceHost({ service: 'msi', port: 0, clock, log }).origin).toThrow(/not listening/);
    });
});

describe('ServiceHost answering with an unsendable response', () => {
    it('answers 500 instead of crashing', async () => {
        const clock = new SimClock();
        const host = new ServiceHost({ service: 'login', port: 0, clock, log: new RequestLog() });
        await host.listen();
        host.mount({
            routes: [{ method: 'GET', path: '/bad', handler: () => json(200, {}, { 'x-bad': 'line\nbreak' }) }],
        });
        const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
        try {
            const response = await fetch(`${host.origin}/bad`);
            expect(response.status).toBe(500);
            expect((await response.json()).error.code).toBe('SimulatorError');
        } finally {
            spy.mockRestore();
            await host.close();
        }
    });
});
