import type { HostJsonOptions } from '../config/hostJson';
import { type AppSettings, substituteSettings } from '../config/settings';
import { resolveStorageConnection, type StorageConnection } from '../config/storageConnection';
import { HostError } from '../errors';
import { parseRetryPolicy, type RetryPolicy } from '../invoke/retry';
import type { QueueOutputTarget } from '../queue/queueOutput';
import { createHttpRoute, fullRouteTemplate, type HttpRoute, ownRoute } from '../routing/routeTable';
import type { NcrontabSchedule } from '../timer/ncrontab';
import { resolveTimerSchedule, resolveUseMonitor } from '../timer/timerTrigger';
import type { FunctionDefinition } from './functionDefinitions';

export interface PlannedTimer {
    functionName: string;
    triggerBindingName: string;
    schedule: NcrontabSchedule;
    runOnStartup: boolean;
    useMonitor: boolean;
    retry: RetryPolicy | undefined;
}

export interface PlannedQueue {
    functionName: string;
    triggerBindingName: string;
    queueName: string;
    connection: StorageConnection;
}

/** Everything the host runs, with app settings resolved. Built once at start-up. */
export interface HostPlan {
    routes: HttpRoute[];
    httpTriggerBindings: Map<string, string>;
    timers: PlannedTimer[];
    queues: PlannedQueue[];
    outputTargets: Map<string, Map<string, QueueOutputTarget | { unsupportedType: string }>>;
    /** Where monitored timers keep their schedule status (AzureWebJobsStorage), when any timer is monitored. */
    timerStorage: StorageConnection | undefined;
    /** Functions the host refuses to load, as the real host puts them "in error"; the others still run. */
    errors: { functionName: string; message: string }[];
    /** Things that will not run locally, for start-up warnings. */
    warnings: string[];
}

/**
 * The host's reserved route space: a route (or, without one, a function name) starting with `admin` or
 * `runtime` puts the function in error (azure-functions-host, ScriptHost.ValidateHttpFunction).
 */
export function reservedRouteProblem(route: string | undefined, functionName: string): string | undefined {
    const own = ownRoute(route, functionName)
        .replace(/^\/+|\/+$/g, '')
        .toLowerCase();
    return own.startsWith('admin') || own.startsWith('runtime')
        ? 'The specified route conflicts with one or more built in routes.'
        : undefined;
}

const QUEUE_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

/** `%SETTING%` substituted, lower-cased and validated like the host's queue bindings. */
export function resolveQueueName(raw: string, settings: AppSettings, what: string): string {
    const name = substituteSettings(raw, settings, what).toLowerCase();
    if (!QUEUE_NAME.test(name)) {
        throw new HostError(
            `The ${what} "${name}" is not a valid queue name (3-63 lower-case letters, digits and single dashes)`,
        );
    }
    return name;
}

/**
 * Resolves every function against the settings and host.json. All problems are collected and reported
 * together, so one restart fixes them all; values of settings are never echoed.
 */
export function planFunctions(
    definitions: FunctionDefinition[],
    settings: AppSettings,
    hostJson: HostJsonOptions,
): HostPlan {
    const plan: HostPlan = {
        routes: [],
        httpTriggerBindings: new Map(),
        timers: [],
        queues: [],
        outputTargets: new Map(),
        timerStorage: undefined,
        errors: [],
        warnings: [],
    };
    const problems: string[] = [];
    const attempt = (work: () => void) => {
        try {
            work();
        } catch (error) {
            if (!(error instanceof HostError)) throw error;
            problems.push(error.message);
        }
    };
    for (const fn of definitions) {
        attempt(() => planTrigger(fn, settings, hostJson, plan));
        const targets = new Map<string, QueueOutputTarget | { unsupportedType: string }>();
        for (const output of fn.outputs) {
            if (output.type.toLowerCase() === 'http') continue;
            if (output.type.toLowerCase() !== 'queue') {
                targets.set(output.bindingName, { unsupportedType: output.type });
                plan.warnings.push(
                    `Function "${fn.name}": output binding type ${output.type} is not supported locally`,
                );
                continue;
            }
            attempt(() => {
                const what = `queueName of output "${output.bindingName}" of function "${fn.name}"`;
                targets.set(output.bindingName, {
                    queueName: resolveQueueName(output.queueName ?? '', settings, what),
                    connection: resolveStorageConnection(output.connection ?? 'AzureWebJobsStorage', settings),
                });
            });
        }
        plan.outputTargets.set(fn.name, targets);
        if (
            fn.registration.metadata.retryOptions !== undefined &&
            fn.registration.metadata.retryOptions !== null &&
            fn.kind !== 'timer'
        ) {
            // Of the triggers this host runs, the host applies retry policies to timers only.
            plan.warnings.push(`Retries are not supported for function 'Functions.${fn.name}'.`);
        }
    }
    if (plan.timers.some((t) => t.useMonitor)) {
        attempt(() => {
            plan.timerStorage = resolveStorageConnection('AzureWebJobsStorage', settings);
        });
    }
    if (problems.length > 0) {
        throw new HostError(`The app's functions cannot run:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    return plan;
}

function planTrigger(fn: FunctionDefinition, settings: AppSettings, hostJson: HostJsonOptions, plan: HostPlan): void {
    switch (fn.kind) {
        case 'http': {
            const reserved = reservedRouteProblem(fn.route, fn.name);
            if (reserved !== undefined) {
                plan.errors.push({ functionName: fn.name, message: reserved });
                return;
            }
            plan.routes.push(
                createHttpRoute(fn.name, fullRouteTemplate(hostJson.routePrefix, fn.route, fn.name), fn.methods),
            );
            plan.httpTriggerBindings.set(fn.name, fn.triggerBindingName);
            return;
        }
        case 'timer': {
            const schedule = resolveTimerSchedule(fn.schedule, settings, fn.name);
            const retryOptions = fn.registration.metadata.retryOptions;
            plan.timers.push({
                functionName: fn.name,
                triggerBindingName: fn.triggerBindingName,
                schedule,
                runOnStartup: fn.runOnStartup,
                useMonitor: resolveUseMonitor(fn.useMonitor, schedule),
                retry:
                    retryOptions === undefined || retryOptions === null
                        ? undefined
                        : parseRetryPolicy(retryOptions, fn.name),
            });
            return;
        }
        case 'queue':
            plan.queues.push({
                functionName: fn.name,
                triggerBindingName: fn.triggerBindingName,
                queueName: resolveQueueName(fn.queueName, settings, `queueName of function "${fn.name}"`),
                connection: resolveStorageConnection(fn.connection, settings),
            });
            return;
        case 'unsupported':
            plan.warnings.push(
                `Function "${fn.name}": trigger ${fn.triggerType} is not supported locally; it will not run`,
            );
    }
}
