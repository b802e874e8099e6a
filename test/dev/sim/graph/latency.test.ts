import { SimClock } from '../../../../dev/sim/core/clock';
import type { SimRequest, SimResponse } from '../../../../dev/sim/core/http';
import { IdFactory } from '../../../../dev/sim/core/ids';
import { Directory } from '../../../../dev/sim/directory';
import { createGraph } from '../../../../dev/sim/graph';

/** Graph's handlers called directly (no sockets), with a stand-in token verifier. */
function setup(latency: { fixedMs: number; perUserMs: number }) {
    const ids = new IdFactory('latency');
    const clock = new SimClock();
    const directory = new Directory(ids, clock, 'latency');
    const tenant = directory.createTenant({ displayName: 'Latency Ltd', userCount: 30 });
    const graph = createGraph({
        origin: 'https://graph.test',
        loginOrigin: 'https://login.test',
        clock,
        ids,
        directory,
        tokens: {
            verify: () => ({
                ok: true,
                claims: {
                    aud: 'https://graph.microsoft.com',
                    iss: 'test',
                    tid: tenant.record.id,
                    oid: 'sp',
                    appid: 'app',
                    roles: ['User.Read.All'],
                    exp: 0,
                    nbf: 0,
                    iat: 0,
                },
            }),
        },
        settings: { latency },
    });
    const handler = (path: string) => {
        const route = graph.definition.routes.find((r) => r.path === path && r.method === 'GET');
        if (!route) throw new Error(`no route ${path}`);
        return route.handler;
    };
    return { graph, handler };
}

function request(pathAndQuery: string): SimRequest {
    const url = new URL(pathAndQuery, 'https://graph.test');
    return {
        service: 'graph',
        method: 'GET',
        url,
        headers: {},
        params: {},
        body: Buffer.alloc(0),
        requestId: '00000000-0000-4000-8000-000000000000',
        header: (name) => (name.toLowerCase() === 'authorization' ? 'Bearer stand-in' : undefined),
        form: () => new URLSearchParams(),
        json: () => ({}),
    };
}

describe('page latency', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('holds a page for the fixed part plus the per-user part', async () => {
        const { handler } = setup({ fixedMs: 100, perUserMs: 10 });
        let answer: SimResponse | undefined;
        void Promise.resolve(handler('/v1.0/users')(request('/v1.0/users?$top=5'))).then((r) => (answer = r));
        await jest.advanceTimersByTimeAsync(149);
        expect(answer).toBeUndefined();
        await jest.advanceTimersByTimeAsync(1);
        expect(answer?.status).toBe(200);
    });

    it('applies to delta pages and follows live setting changes', async () => {
        const { graph, handler } = setup({ fixedMs: 0, perUserMs: 0 });
        let immediate: SimResponse | undefined;
        void Promise.resolve(handler('/v1.0/users/delta')(request('/v1.0/users/delta'))).then((r) => (immediate = r));
        await jest.advanceTimersByTimeAsync(0);
        expect(immediate?.status).toBe(200);

        graph.settings.latency.perUserMs = 2;
        let slowed: SimResponse | undefined;
        void Promise.resolve(handler('/v1.0/users/delta')(request('/v1.0/users/delta'))).then((r) => (slowed = r));
        await jest.advanceTimersByTimeAsync(59);
        expect(slowed).toBeUndefined();
        await jest.advanceTimersByTimeAsync(1);
        expect(slowed?.status).toBe(200);
    });

    it('does not delay single-object reads', async () => {
        const { handler } = setup({ fixedMs: 1000, perUserMs: 0 });
        const answer = await handler('/v1.0/organization')(request('/v1.0/organization'));
        expect(answer.status).toBe(200);
    });
});
