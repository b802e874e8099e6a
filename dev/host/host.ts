/**
 * The local Functions host: a development tool that runs this app without Azure Functions Core Tools.
 * Like the real host it runs the app in a separate worker process (worker/main.ts), which loads it exactly
 * as the Node.js worker does, and serves HTTP, timer and Storage queue triggers with the real host's
 * semantics. A worker that crashes or is killed is replaced; the invocations it was running fail.
 */
import { join, resolve } from 'node:path';

import { resolveHostId } from './config/hostId';
import { readHostJson } from './config/hostJson';
import { overlaySettings, readLocalSettings } from './config/settings';
import { describeStorageConnection } from './config/storageConnection';
import { describeFunction } from './functions/functionDefinitions';
import { type HostPlan, planFunctions } from './functions/hostPlan';
import { closeServer, createHttpTriggerServer, listen } from './http/httpServer';
import { Invoker } from './invoke/invoker';
import { withRetries } from './invoke/retry';
import { createConsoleLogger, type HostLogger } from './log/hostLogger';
import { redactSecrets } from './log/redact';
import { QueueClients } from './queue/queueClients';
import { QueueListener } from './queue/queueListener';
import { createQueueOutputWriter } from './queue/queueOutput';
import { QueueWatcher } from './queue/queueWatcher';
import { RouteTable } from './routing/routeTable';
import { BlobScheduleStatusStore } from './timer/scheduleStatus';
import { TimerTrigger } from './timer/timerTrigger';
import { WorkerSupervisor } from './worker/workerSupervisor';

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
    /** Each line the app writes to stdout/stderr in the worker; by default copied to this process's. */
    workerOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
    /** How long stop() waits for running invocations and requests. */
    shutdownGraceMs?: number;
    /** How long a running queue message stays invisible before its lease is renewed; the host's is 10 minutes. */
    messageLeaseSeconds?: number;
    /** Called with the pid of every worker process once it has loaded the app (the first one and each restart). */
    onWorkerReady?: (pid: number) => void;
    /** Called when no worker process can be started any more (the host cannot serve until restarted). */
    onFatal?: (error: Error) => void;
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
    /** The current worker process's pid (undefined while it is being replaced). */
    readonly workerPid: number | undefined;
    stop(): Promise<void>;
}

function displayOrigin(hostname: string, port: number): string {
    const local = ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1'].includes(hostname);
    return `http://${local ? 'localhost' : hostname}:${port}`;
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
        description: `timerTrigger (${t.schedule.expression} UTC${t.runOnStartup ? ', runOnStartup' : ''}${t.useMonitor ? ', monitored' : ''})`,
    }));
    const queues = plan.queues.map((q): HostFunctionInfo => ({
        name: q.functionName,
        trigger: 'queue',
        description: `queueTrigger (queue '${q.queueName}', ${describeStorageConnection(q.connection)})`,
    }));
    return [...http, ...timers, ...queues].sort((a, b) => a.name.localeCompare(b.name));
}

function copyWorkerOutput(line: string, stream: 'stdout' | 'stderr'): void {
    (stream === 'stdout' ? process.stdout : process.stderr).write(`${redactSecrets(line)}\n`);
}

/** Starts the worker (which loads the app) and serves the app's triggers. */
export async function startHost(options: StartHostOptions): Promise<RunningHost> {
    const appDir = resolve(options.appDir);
    const logger = options.logger ?? createConsoleLogger();
    const graceMs = options.shutdownGraceMs ?? 10_000;

    const local = readLocalSettings(options.settingsFile ?? join(appDir, 'local.settings.json'), {
        required: options.settingsFile !== undefined,
    });
    const settings = overlaySettings(local.values, options.env ?? process.env);
    const hostJson = readHostJson(appDir, settings);

    const worker = new WorkerSupervisor({
        appDir,
        env: { ...settings },
        logger,
        onLog: (entry) =>
            logger.write({
                level: entry.level,
                functionName: entry.functionName,
                invocationId: entry.invocationId,
                message: entry.category === 'system' ? `[system] ${entry.message}` : entry.message,
            }),
        onOutput: options.workerOutput ?? copyWorkerOutput,
        ...(options.onWorkerReady === undefined ? {} : { onWorkerReady: options.onWorkerReady }),
        onFatal: (error) => {
            logger.write({ level: 'critical', message: error.message });
            options.onFatal?.(error);
        },
    });
    const registrations = await worker.start();

    let plan: HostPlan;
    try {
        plan = planFunctions(
            registrations.map((metadata) => describeFunction({ metadata })),
            settings,
            hostJson,
        );
    } catch (error) {
        await worker.stop(graceMs);
        throw error;
    }
    for (const warning of plan.warnings) logger.write({ level: 'warning', message: warning });
    if (plan.errors.length > 0) {
        logger.write({
            level: 'error',
            message: `The following ${plan.errors.length} functions are in error:\n${plan.errors.map((e) => `${e.functionName}: ${e.message}`).join('\n')}`,
        });
    }
    if (registrations.length === 0) logger.write({ level: 'warning', message: 'No functions were registered' });

    const clients = new QueueClients();
    const watcher = new QueueWatcher();
    const invoker = new Invoker({
        target: worker,
        logger,
        functionTimeoutMs: hostJson.functionTimeoutMs,
        writeOutputs: createQueueOutputWriter({
            targets: plan.outputTargets,
            clients,
            encoding: hostJson.queues.messageEncoding,
            logger,
            watcher,
        }),
    });
    const invoke = invoker.invoke.bind(invoker);

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
        await worker.stop(graceMs);
        throw error;
    }
    const origin = displayOrigin(hostname, port);

    const stopping = new AbortController();
    const statusStore =
        plan.timerStorage === undefined
            ? undefined
            : new BlobScheduleStatusStore(plan.timerStorage, resolveHostId(appDir, settings));
    const timers = plan.timers.map(
        (t) =>
            new TimerTrigger({
                ...t,
                ...(statusStore === undefined ? {} : { statusStore }),
                logger,
                invoke: t.retry === undefined ? invoke : withRetries(invoke, t.retry, logger, stopping.signal),
            }),
    );
    const listeners = plan.queues.map(
        (q) =>
            new QueueListener({
                ...q,
                clients,
                options: hostJson.queues,
                invoke,
                logger,
                watcher,
                ...(options.messageLeaseSeconds === undefined
                    ? {}
                    : { messageLeaseSeconds: options.messageLeaseSeconds }),
            }),
    );
    await Promise.all(timers.map((t) => t.start()));
    listeners.forEach((l) => l.start());

    let stopped: Promise<void> | undefined;
    const stop = () =>
        (stopped ??= (async () => {
            logger.write({ level: 'information', message: 'Stopping: no new invocations; waiting for running ones' });
            stopping.abort();
            await Promise.all([...timers.map((t) => t.stop()), ...listeners.map((l) => l.stop(graceMs))]);
            await closeServer(server, graceMs);
            // The worker runs the app's appTerminate hooks before it exits.
            await worker.stop(graceMs);
            logger.write({ level: 'information', message: 'Stopped' });
        })());

    return {
        url: origin,
        port,
        functions: describe(plan, origin),
        get workerPid() {
            return worker.pid;
        },
        stop,
    };
}
