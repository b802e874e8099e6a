/**
 * Contract test: what every function in src/functions registers with the Functions host (trigger,
 * route, methods, auth level, schedule, queue, connection, outputs). The files are loaded through
 * `@azure/functions-core` exactly as the host loads them (jest maps that module to dev/host/core), so
 * this is what Azure sees. A new function fails this test until it is added to EXPECTED below.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { coreRuntime } from '../../../dev/host/core/functionsCore';
import { describeFunction, type FunctionDefinition } from '../../../dev/host/functions/functionDefinitions';
import { parseRouteTemplate } from '../../../dev/host/routing/routeTemplate';
import { checkNcrontab } from '../../../src/config/schedule';

interface Output {
    type: string;
    queueName?: string;
    connection?: string;
}

type Registration =
    | { trigger: 'httpTrigger'; route: string; methods: string[]; authLevel: string; outputs?: Output[] }
    | { trigger: 'timerTrigger'; schedule: string; runOnStartup: boolean; outputs?: Output[] }
    | { trigger: 'queueTrigger'; queueName: string; connection: string; outputs?: Output[] };

/** Routes are without the host's prefix: host.json sets `extensions.http.routePrefix` to "". */
const SYNC_OUTPUT: Output = { type: 'queue', queueName: 'tenant-sync', connection: 'AzureWebJobsStorage' };
const page = (route: string, methods: string[], outputs?: Output[]): Registration => ({
    trigger: 'httpTrigger',
    route,
    methods,
    authLevel: 'anonymous',
    ...(outputs === undefined ? {} : { outputs }),
});

const EXPECTED: Record<string, Registration> = {
    health: { trigger: 'httpTrigger', route: 'api/health', methods: ['GET'], authLevel: 'anonymous' },
    // The landing page owns the site root (the template matches only the empty path).
    pageLanding: page('{ignored:maxlength(0)?}', ['GET']),
    pageStylesheet: page('assets/site.css', ['GET']),
    authSignIn: page('auth/signin', ['GET']),
    authCallback: page('auth/callback', ['GET']),
    authSignOut: page('auth/signout', ['POST']),
    connect: page('connect', ['GET']),
    connectCallback: page('connect/callback', ['GET'], [SYNC_OUTPUT]),
    pageTenant: page('tenants/{tenantId}', ['GET']),
    pageTenantUsers: page('tenants/{tenantId}/users', ['GET']),
    pageTenantSync: page('tenants/{tenantId}/sync', ['POST'], [SYNC_OUTPUT]),
    pageTenantDisconnectConfirm: page('tenants/{tenantId}/disconnect', ['GET']),
    pageTenantDisconnect: page('tenants/{tenantId}/disconnect', ['POST']),
    syncTimer: { trigger: 'timerTrigger', schedule: '%SYNC_SCHEDULE%', runOnStartup: false },
    apiTenants: { trigger: 'httpTrigger', route: 'api/tenants', methods: ['GET'], authLevel: 'anonymous' },
    apiTenant: {
        trigger: 'httpTrigger',
        route: 'api/tenants/{tenantId}',
        methods: ['GET', 'PUT', 'DELETE'],
        authLevel: 'anonymous',
        outputs: [{ type: 'queue', queueName: 'tenant-sync', connection: 'AzureWebJobsStorage' }],
    },
    apiTenantSync: {
        trigger: 'httpTrigger',
        route: 'api/tenants/{tenantId}/sync',
        methods: ['POST'],
        authLevel: 'anonymous',
        outputs: [{ type: 'queue', queueName: 'tenant-sync', connection: 'AzureWebJobsStorage' }],
    },
    apiTenantRuns: {
        trigger: 'httpTrigger',
        route: 'api/tenants/{tenantId}/runs',
        methods: ['GET'],
        authLevel: 'anonymous',
    },
    apiTenantRun: {
        trigger: 'httpTrigger',
        route: 'api/tenants/{tenantId}/runs/{runId}',
        methods: ['GET'],
        authLevel: 'anonymous',
    },
    apiTenantUsers: {
        trigger: 'httpTrigger',
        route: 'api/tenants/{tenantId}/users',
        methods: ['GET'],
        authLevel: 'anonymous',
    },
    apiSync: { trigger: 'httpTrigger', route: 'api/sync', methods: ['POST'], authLevel: 'anonymous' },
    syncWorker: { trigger: 'queueTrigger', queueName: 'tenant-sync', connection: 'AzureWebJobsStorage' },
};

const FUNCTIONS_DIR = join(__dirname, '..', '..', '..', 'src', 'functions');

function summarize(fn: FunctionDefinition): Registration | { trigger: string } {
    const outputs = fn.outputs
        .filter((o) => o.type !== 'http')
        .map(({ type, queueName, connection }) => ({
            type,
            ...(queueName === undefined ? {} : { queueName }),
            ...(connection === undefined ? {} : { connection }),
        }));
    const withOutputs = outputs.length > 0 ? { outputs } : {};
    switch (fn.kind) {
        case 'http':
            return {
                trigger: 'httpTrigger',
                route: fn.route ?? fn.name,
                methods: fn.methods ?? ['(all)'],
                authLevel: fn.authLevel,
                ...withOutputs,
            };
        case 'timer':
            return { trigger: 'timerTrigger', schedule: fn.schedule, runOnStartup: fn.runOnStartup, ...withOutputs };
        case 'queue':
            return { trigger: 'queueTrigger', queueName: fn.queueName, connection: fn.connection, ...withOutputs };
        default:
            return { trigger: fn.triggerType };
    }
}

let registered: Map<string, FunctionDefinition>;

beforeAll(async () => {
    for (const file of readdirSync(FUNCTIONS_DIR).filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))) {
        await import(join(FUNCTIONS_DIR, file));
    }
    registered = new Map(coreRuntime.functions().map((r) => [r.metadata.name, describeFunction(r)]));
});

describe('function registrations (what the Functions host sees)', () => {
    it('registers exactly the functions listed in EXPECTED', () => {
        expect([...registered.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    });

    it.each(Object.entries(EXPECTED))('%s registers %j', (name, expected) => {
        const fn = registered.get(name);
        expect(fn).toBeDefined();
        expect(summarize(fn as FunctionDefinition)).toEqual(expected);
    });

    it('uses route templates the host accepts', () => {
        for (const fn of registered.values()) {
            if (fn.kind === 'http') expect(() => parseRouteTemplate(fn.route ?? fn.name)).not.toThrow();
        }
    });

    it('uses valid six-field NCRONTAB schedules, or an app setting reference', () => {
        for (const fn of registered.values()) {
            if (fn.kind === 'timer' && !/^%[^%]+%$/.test(fn.schedule))
                expect(checkNcrontab(fn.schedule)).toBeUndefined();
        }
    });

    it('names an app setting, not a connection string, in every storage connection', () => {
        for (const fn of registered.values()) {
            const connections = [
                ...(fn.kind === 'queue' ? [fn.connection] : []),
                ...fn.outputs.flatMap((o) => (o.connection === undefined ? [] : [o.connection])),
            ];
            for (const connection of connections) expect(connection).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        }
    });
});
