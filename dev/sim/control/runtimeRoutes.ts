import { z } from 'zod';

import type { SimClock } from '../core/clock';
import { type FaultRegistry, faultRuleInput } from '../core/faults';
import type { Route, ServiceName } from '../core/http';
import type { RequestLog } from '../core/requestLog';
import { type GraphService, resolveGraphSettings } from '../graph';
import { badInput, bodyOf, guarded, integerParam, notFound, reply } from './respond';

const clockInput = z
    .object({
        advanceSeconds: z.number().nonnegative().finite().optional(),
        advanceMs: z.number().nonnegative().finite().optional(),
    })
    .strict()
    .refine((v) => (v.advanceSeconds === undefined) !== (v.advanceMs === undefined), {
        message: 'give exactly one of advanceSeconds, advanceMs',
    });

const nonNegative = z.number().nonnegative().finite();
const graphSettingsInput = z
    .object({
        throttling: z
            .object({
                enabled: z.boolean(),
                windowSeconds: z.number().positive().finite(),
                appBudget: z.number().positive(),
                appWindowSeconds: z.number().positive().finite(),
                budgets: z
                    .object({
                        small: z.number().positive(),
                        medium: z.number().positive(),
                        large: z.number().positive(),
                    })
                    .partial()
                    .strict(),
            })
            .partial()
            .strict(),
        latency: z.object({ fixedMs: nonNegative, perUserMs: nonNegative }).partial().strict(),
        delta: z
            .object({
                pageSize: z.number().int().min(1).max(999),
                tokenLifetimeDays: z.number().positive(),
                removedInInitialRound: z.boolean(),
                replayChanges: z.number().int().min(0).max(10_000),
                replicationDelayMs: nonNegative,
            })
            .partial()
            .strict(),
    })
    .partial()
    .strict();

/** GET /control/graph: the live settings and what each throttling window holds now. */
export function graphView(graph: GraphService) {
    return {
        settings: graph.settings,
        throttleBuckets: graph.limiter.describe(),
        appThrottleBuckets: graph.limiter.describeApps(),
    };
}

function clockView(clock: SimClock) {
    return { now: new Date(clock.now()).toISOString(), nowMs: clock.now(), offsetMs: clock.offset };
}

const SERVICES: readonly ServiceName[] = ['login', 'graph', 'vault', 'msi'];

export function runtimeRoutes(parts: {
    clock: SimClock;
    faults: FaultRegistry;
    log: RequestLog;
    graph: GraphService;
}): Route[] {
    const { clock, faults, log, graph } = parts;
    return [
        {
            method: 'POST',
            path: '/control/faults',
            handler: guarded((request) => reply(201, faults.add(bodyOf(request, faultRuleInput)))),
        },
        { method: 'GET', path: '/control/faults', handler: () => reply(200, { faults: faults.list() }) },
        {
            method: 'DELETE',
            path: '/control/faults',
            handler: () => {
                const removed = faults.list().length;
                faults.clear();
                return reply(200, { removed });
            },
        },
        {
            method: 'DELETE',
            path: '/control/faults/:id',
            handler: guarded((request) => {
                const id = Number(request.params.id);
                if (!Number.isInteger(id) || !faults.remove(id))
                    throw notFound(`No fault rule ${request.params.id ?? ''}`);
                return reply(200, { removed: 1 });
            }),
        },
        {
            method: 'GET',
            path: '/control/requests',
            handler: guarded((request) => {
                const since = integerParam(request, 'since', 0);
                const service = request.url.searchParams.get('service');
                if (service !== null && !SERVICES.includes(service as ServiceName))
                    throw badInput(`service must be one of ${SERVICES.join(', ')}; got "${service}"`);
                const requests = log.since(since).filter((e) => service === null || e.service === service);
                return reply(200, { lastSeq: log.lastSeq, requests });
            }),
        },
        { method: 'GET', path: '/control/clock', handler: () => reply(200, clockView(clock)) },
        {
            method: 'POST',
            path: '/control/clock',
            handler: guarded((request) => {
                const input = bodyOf(request, clockInput);
                clock.advance(input.advanceMs ?? (input.advanceSeconds ?? 0) * 1000);
                return reply(200, clockView(clock));
            }),
        },
        {
            method: 'GET',
            path: '/control/graph',
            handler: () => reply(200, graphView(graph)),
        },
        {
            method: 'PATCH',
            path: '/control/graph',
            handler: guarded((request) => {
                const next = resolveGraphSettings(bodyOf(request, graphSettingsInput), graph.settings);
                // Mutate in place: the Graph service and its limiter hold these objects.
                Object.assign(graph.settings.throttling, next.throttling);
                Object.assign(graph.settings.latency, next.latency);
                Object.assign(graph.settings.delta, next.delta);
                return reply(200, { settings: graph.settings });
            }),
        },
        {
            method: 'DELETE',
            path: '/control/graph/throttling',
            handler: () => {
                graph.limiter.reset();
                return reply(200, { reset: true });
            },
        },
    ];
}
