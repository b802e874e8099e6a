/**
 * The control API: a plain-http loopback port (never faulted, never logged) through which tests,
 * benchmarks and tools shape and observe the simulated cloud.
 */
import type { SimClock } from '../core/clock';
import type { ControlContributor } from '../core/contracts';
import type { FaultRegistry } from '../core/faults';
import type { Route, ServiceDefinition } from '../core/http';
import type { RequestLog } from '../core/requestLog';
import type { Directory } from '../directory';
import type { GraphService } from '../graph';
import { errorReply } from '../core/controlReply';
import { guarded, reply } from './respond';
import { graphView, runtimeRoutes } from './runtimeRoutes';
import { describeTenant, tenantRoutes } from './tenantRoutes';
import { userRoutes } from './userRoutes';

export interface ControlOptions {
    seed: string;
    origins: Record<string, string>;
    clock: SimClock;
    directory: Directory;
    faults: FaultRegistry;
    log: RequestLog;
    graph: GraphService;
    /** Other halves of the simulator (identity) that add routes and state sections. */
    contributors: ControlContributor[];
}

export function createControl(options: ControlOptions): ServiceDefinition {
    const { directory, clock, faults, log, graph } = options;
    const stateRoute: Route = {
        method: 'GET',
        path: '/control/state',
        handler: () => {
            const contributed = Object.assign({}, ...options.contributors.map((c) => c.describeState())) as Record<
                string,
                unknown
            >;
            return reply(200, {
                seed: options.seed,
                origins: options.origins,
                clock: { now: new Date(clock.now()).toISOString(), offsetMs: clock.offset },
                tenants: directory.tenants().map(describeTenant),
                faults: faults.list(),
                requests: { lastSeq: log.lastSeq },
                graph: graphView(graph),
                ...contributed,
            });
        },
    };
    const routes = [
        stateRoute,
        ...tenantRoutes(directory),
        ...userRoutes(directory),
        ...runtimeRoutes({ clock, faults, log, graph }),
        ...options.contributors.flatMap((c) => c.controlRoutes()),
    ];
    return {
        // One error style for every route, whichever part of the simulator contributed it.
        routes: routes.map((route) => ({ ...route, handler: guarded(route.handler) })),
        notFound: (request) => errorReply(404, `No control route for ${request.method} ${request.url.pathname}`),
        errorResponse: (status, message) => errorReply(status, message),
    };
}
