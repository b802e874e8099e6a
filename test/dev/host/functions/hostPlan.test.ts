import { parseHostJson } from '../../../../dev/host/config/hostJson';
import type { FunctionMetadata } from '../../../../dev/host/core/coreTypes';
import { describeFunction } from '../../../../dev/host/functions/functionDefinitions';
import { planFunctions, resolveQueueName } from '../../../../dev/host/functions/hostPlan';

const hostJson = parseHostJson({ version: '2.0' });
const storage = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

function definition(name: string, bindings: FunctionMetadata['bindings']) {
    return describeFunction({ metadata: { name, bindings } });
}

const httpFn = definition('hello', {
    t: { type: 'httpTrigger', direction: 'in', route: 'hello/{name?}', methods: ['get'], authLevel: 'function' },
    $return: { type: 'http', direction: 'out' },
    out: { type: 'queue', direction: 'out', queueName: '%OUT%', connection: 'AzureWebJobsStorage' },
});
const timerFn = definition('tick', { t: { type: 'timerTrigger', direction: 'in', schedule: '%TICK%' } });
const queueFn = definition('work', { t: { type: 'queueTrigger', direction: 'in', queueName: 'Jobs' } });

describe('describeFunction', () => {
    it('reads the trigger options and outputs the library registered', () => {
        expect(httpFn).toMatchObject({ kind: 'http', route: 'hello/{name?}', methods: ['GET'], authLevel: 'function' });
        expect(httpFn.outputs.map((o) => o.bindingName)).toEqual(['$return', 'out']);
        expect(queueFn).toMatchObject({ kind: 'queue', queueName: 'Jobs', connection: 'AzureWebJobsStorage' });
        expect(definition('blob', { t: { type: 'blobTrigger', direction: 'in' } })).toMatchObject({
            kind: 'unsupported',
        });
    });

    it('refuses a function without exactly one trigger', () => {
        expect(() => definition('none', { o: { type: 'queue', direction: 'out' } })).toThrow(
            'exactly one trigger binding, found 0',
        );
    });
});

describe('planFunctions', () => {
    it('resolves routes with the prefix, schedules and queue names from settings', () => {
        const plan = planFunctions(
            [httpFn, timerFn, queueFn],
            { ...storage, OUT: 'fan-out', TICK: '0 0 * * * *' },
            hostJson,
        );
        expect(plan.routes.map((r) => r.template.template)).toEqual(['api/hello/{name?}']);
        expect(plan.timers).toEqual([
            expect.objectContaining({
                functionName: 'tick',
                triggerBindingName: 't',
                schedule: expect.objectContaining({ expression: '0 0 * * * *' }),
                runOnStartup: false,
                useMonitor: true,
                retry: undefined,
            }),
        ]);
        // The hourly timer is monitored, so its status lives in AzureWebJobsStorage.
        expect(plan.timerStorage?.settingName).toBe('AzureWebJobsStorage');
        // Queue names are lower-cased, as the host does.
        expect(plan.queues.map((q) => q.queueName)).toEqual(['jobs']);
        expect(plan.outputTargets.get('hello')?.get('out')).toMatchObject({ queueName: 'fan-out' });
    });

    it('reports every problem at once', () => {
        expect(() => planFunctions([httpFn, timerFn, queueFn], {}, hostJson)).toThrow(
            [
                "The app's functions cannot run:",
                '  - The queueName of output "out" of function "hello" refers to app setting %OUT%, which is not set',
                '  - The schedule of function "tick" refers to app setting %TICK%, which is not set',
                '  - Connection "AzureWebJobsStorage": app setting AzureWebJobsStorage is not set (use UseDevelopmentStorage=true for Azurite)',
            ].join('\n'),
        );
    });

    it('warns about triggers and outputs the local host does not run', () => {
        const table = definition('save', {
            t: { type: 'httpTrigger', direction: 'in' },
            row: { type: 'table', direction: 'out' },
        });
        const blob = definition('blob', { t: { type: 'blobTrigger', direction: 'in' } });
        expect(planFunctions([table, blob], storage, hostJson).warnings).toEqual([
            'Function "save": output binding type table is not supported locally',
            'Function "blob": trigger blobTrigger is not supported locally; it will not run',
        ]);
    });
});

describe('planFunctions: HTTP routes as the host reads them', () => {
    const http = (name: string, route?: string) =>
        definition(name, { t: { type: 'httpTrigger', direction: 'in', ...(route === undefined ? {} : { route }) } });

    it('serves an empty or blank route at the function name, like a missing one', () => {
        const plan = planFunctions([http('blank', ''), http('spaces', '  '), http('none')], storage, hostJson);
        expect(plan.routes.map((r) => r.template.template).sort()).toEqual(['api/blank', 'api/none', 'api/spaces']);
    });

    it.each([
        ['admin/status', 'status'],
        ['/Admin', 'status'],
        ['administration/x', 'status'],
        ['runtime/webhooks', 'status'],
        [undefined, 'adminPanel'],
    ])('puts a function in error for the reserved route %j (function %s); the others still run', (route, name) => {
        const plan = planFunctions([http(name, route), http('fine', 'fine')], storage, hostJson);
        expect(plan.errors).toEqual([
            { functionName: name, message: 'The specified route conflicts with one or more built in routes.' },
        ]);
        expect(plan.routes.map((r) => r.functionName)).toEqual(['fine']);
    });

    it('keeps routes that merely contain the words', () => {
        const plan = planFunctions([http('a', 'api/admin'), http('b', 'my-runtime')], storage, hostJson);
        expect(plan.errors).toEqual([]);
        expect(plan.routes).toHaveLength(2);
    });
});

describe('planFunctions: retry policies', () => {
    const withRetry = (name: string, trigger: Record<string, unknown>) =>
        describeFunction({
            metadata: {
                name,
                bindings: { t: { direction: 'in', ...trigger } },
                retryOptions: { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: { seconds: 1 } },
            },
        });

    it('applies them to timers and warns, as the host does, that other triggers do not support them', () => {
        const plan = planFunctions(
            [
                withRetry('tick', { type: 'timerTrigger', schedule: '0 0 * * * *' }),
                withRetry('hello', { type: 'httpTrigger' }),
                withRetry('work', { type: 'queueTrigger', queueName: 'jobs' }),
            ],
            storage,
            hostJson,
        );
        expect(plan.timers[0]?.retry).toMatchObject({ strategy: 'fixedDelay', maxRetryCount: 2 });
        expect(plan.warnings).toEqual([
            "Retries are not supported for function 'Functions.hello'.",
            "Retries are not supported for function 'Functions.work'.",
        ]);
    });

    it('refuses invalid retry options at start-up', () => {
        const bad = describeFunction({
            metadata: {
                name: 'tick',
                bindings: { t: { direction: 'in', type: 'timerTrigger', schedule: '0 0 * * * *' } },
                retryOptions: { strategy: 'sometimes', maxRetryCount: 1 },
            },
        });
        expect(() => planFunctions([bad], storage, hostJson)).toThrow('retry strategy must be');
    });
});

describe('resolveQueueName', () => {
    it.each(['ab', 'a--b', '-ab', 'ab-', 'a_b', 'x'.repeat(64)])('rejects %j', (name) => {
        expect(() => resolveQueueName(name, {}, 'queueName')).toThrow('is not a valid queue name');
    });
});
