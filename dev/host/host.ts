/**
 * The local Functions host: a development tool that runs this app without Azure Functions Core Tools.
 * It loads the app exactly as the Node.js worker does (package.json `main`, `@azure/functions-core`)
 * and serves HTTP, timer and Storage queue triggers with the real host's semantics.
 */
import { join, resolve } from 'node:path';

import { readHostJson } from './config/hostJson';
import { overlaySettings, readLocalSettings } from './config/settings';
import { describeStorageConnection } from './config/storageConnection';
import { installCoreModule } from './core/installCoreModule';
import type { CoreRuntime } from './core/functionsCore';
import { HostError } from './errors';
import { describeFunction } from './functions/functionDefinitions';
import { type HostPlan, planFunctions } from './functions/hostPlan';
import { closeServer, createHttpTriggerServer, listen } from './http/httpServer';
import { findEntryFiles, loadEntryFiles } from './app/loadApp';
import { applyLogHooks, runHooks } from './invoke/hooks';
import { Invoker } from './invoke/invoker';
import { createConsoleLogger, describeError, type HostLogger } from './log/hostLogger';
import { QueueClients } from './queue/queueClients';
import { QueueListener } from './queue/queueListener';
import { createQueueOutputWriter } from './queue/queueOutput';
import { RouteTable } from './routing/routeTable';
import { TimerTrigger } from './timer/timerTrigger';

export const DEFAULT_PORT = 7071;

export interface StartHostOptions {
    /** The Functions app root: host.json and package.json live here. */
    appDir: string;
    /** HTTP port; 0 picks a free one. Default: local.settings.json `Host.LocalHttpPort`, else 7071. */
    port?: number;
    /** Address to bind; loopback by default, so the app is not exposed to the network. */
    hostname?: string;
    /** A local.settings.json to read; by default `<appDir>/local.settings.json` if it exists. */
    settingsFile?: string;
    /** Overrides the settings file (default process.env), as the environment does for Core Tools. */
    env?: Readonly<Record<string, string | undefined>>;
    logger?: HostLogger;
    /** How long stop() waits for running invocations and requests. */
    shutdownGraceMs?: number;
}

export interface HostFunctionInfo {
    name: string;
    trigger: 'http' | 'timer' | 'queue' | 'unsupported';
    /** One line for listings, e.g. `[GET] http://localhost:7071/api/health`. */
    description: string;
}

export interface RunningHost {
    url: string;
    port: number;
    functions: HostFunctionInfo[];
    stop(): Promise<void>;
}

let started = false;

function displayOrigin(hostname: string, port: number): string {
    const local = ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1'].includes(hostname);
    return `http://${local ? 'localhost' : hostname}:${port}`;
}

function routeCore(core: CoreRuntime, logger: HostLogger): void {
    core.setLogSink((level, category, message) => {
        const entry = applyLogHooks(core, { level, category, message }, undefined);
        logger.write({
            level: entry.level,
            message: category === 'system' ? `[system] ${entry.message}` : entry.message,
        });
    });
}

async function lockSetup(core: CoreRuntime): Promise<void> {
    // The worker asks the model for capabilities once start-up is over; the library locks app.setup() then.
    const capabilities = await core.programmingModel()?.getCapabilities?.({});
    if (capabilities?.HttpUri !== undefined) {
        throw new HostError('app.setup({ enableHttpStream: true }) is not supported by the local host');
    }
}

function describe(plan: HostPlan, origin: string): HostFunctionInfo[] {
    const http = plan.routes.map((route): HostFunctionInfo => {
        const methods = route.methods === undefined ? 'ALL' : [...route.methods].join(',');
        const path = route.template.template === '' ? '' : `/${route.template.template}`;
        return { name: route.functionName, trigger: 'http', description: `[${methods}] ${origin}${path}` };
    });
    const timers = plan.timers.map((t): HostFunctionInfo => ({
        name: t.functionName,
        trigger: 'timer',
        description: `timerTrigger (${t.schedule} UTC${t.runOnStartup ? ', runOnStartup' : ''})`,
    }));
    const queues = plan.queues.map((q): HostFunctionInfo => ({
        name: q.functionName,
        trigger: 'queue',
        description: `queueTrigger (queue '${q.queueName}', ${describeStorageConnection(q.connection)})`,
    }));
    return [...http, ...timers, ...queues].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Loads the app and starts serving its triggers. Runs once per process: the app stays in the module
 * cache and its registrations in `@azure/functions-core`. Sets missing app settings on process.env,
 * because the app reads process.env as it does under the worker.
 */
export async function startHost(options: StartHostOptions): Promise<RunningHost> {
    if (started) throw new Error('startHost() can run once per process');
    started = true;
    const appDir = resolve(options.appDir);
    const logger = options.logger ?? createConsoleLogger();
    const graceMs = options.shutdownGraceMs ?? 10_000;

    const hostJson = readHostJson(appDir);
    const local = readLocalSettings(options.settingsFile ?? join(appDir, 'local.settings.json'), {
        required: options.settingsFile !== undefined,
    });
    const settings = overlaySettings(local.values, options.env ?? process.env);
    for (const [name, value] of Object.entries(settings)) process.env[name] ??= value;

    const core = installCoreModule();
    routeCore(core, logger);
    loadEntryFiles(appDir, findEntryFiles(appDir));
    core.completeStartup();
    await lockSetup(core);

    const plan = planFunctions(core.functions().map(describeFunction), settings, hostJson);
    for (const warning of plan.warnings) logger.write({ level: 'warning', message: warning });
    if (core.functions().length === 0) logger.write({ level: 'warning', message: 'No functions were registered' });

    const clients = new QueueClients();
    const invoker = new Invoker({
        core,
        logger,
        functionTimeoutMs: hostJson.functionTimeoutMs,
        writeOutputs: createQueueOutputWriter({
            targets: plan.outputTargets,
            clients,
            encoding: hostJson.queues.messageEncoding,
            logger,
        }),
    });
    const invoke = invoker.invoke.bind(invoker);
    // appStart and appTerminate share one hookData, as in the worker.
    const appHookContext = { hookData: {}, appHookData: core.appHookData };
    await runHooks(core, 'appStart', { ...appHookContext, functionAppDirectory: appDir });

    const server = createHttpTriggerServer({
        routes: new RouteTable(plan.routes),
        triggerBindingNames: plan.httpTriggerBindings,
        invoke,
        logger,
    });
    const hostname = options.hostname ?? '127.0.0.1';
    let port: number;
    try {
        port = await listen(server, options.port ?? local.localHttpPort ?? DEFAULT_PORT, hostname);
    } catch (error) {
        await runHooks(core, 'appTerminate', appHookContext);
        throw error;
    }
    const origin = displayOrigin(hostname, port);

    const timers = plan.timers.map((t) => new TimerTrigger({ ...t, invoke }));
    const listeners = plan.queues.map(
        (q) => new QueueListener({ ...q, clients, options: hostJson.queues, invoke, logger }),
    );
    timers.forEach((t) => t.start());
    listeners.forEach((l) => l.start());

    let stopping: Promise<void> | undefined;
    const stop = () =>
        (stopping ??= (async () => {
            logger.write({ level: 'information', message: 'Stopping: no new invocations; waiting for running ones' });
            await Promise.all([...timers.map((t) => t.stop()), ...listeners.map((l) => l.stop(graceMs))]);
            await closeServer(server, graceMs);
            try {
                await runHooks(core, 'appTerminate', appHookContext);
            } catch (error) {
                logger.write({ level: 'error', message: `An appTerminate hook failed: ${describeError(error)}` });
            }
            logger.write({ level: 'information', message: 'Stopped' });
        })());

    return { url: origin, port, functions: describe(plan, origin), stop };
}
