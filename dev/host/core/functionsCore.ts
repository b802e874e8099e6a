/**
 * Our implementation of `@azure/functions-core`, the module the Functions Node.js worker injects and
 * @azure/functions looks for (`require('@azure/functions-core')`). The library hands it every
 * `app.http/timer/storageQueue(...)` registration, hook and programming model; the local host reads
 * them back through `coreRuntime`. Loaded through installCoreModule.ts (host) or jest's moduleNameMapper.
 *
 * State is module-scoped on purpose: the library and the host must share one instance, which holds
 * as long as both reach this file through `require` (see installCoreModule.ts).
 */
import type {
    DisposableLike,
    FunctionCallback,
    FunctionMetadata,
    HookCallback,
    HookData,
    HookName,
    LogCategory,
    LogLevel,
    ProgrammingModel,
    RegisteredFunction,
} from './coreTypes';

/** Reported to the library as the worker and host versions; `-local` marks them as this development host. */
export const version = '3.0.0-local';
export const hostVersion = '4.0.0-local';

const HOOK_NAMES: readonly HookName[] = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation', 'log'];

export type LogSink = (level: LogLevel, category: LogCategory, message: string) => void;

export class Disposable implements DisposableLike {
    static from(...disposables: DisposableLike[]): Disposable {
        return new Disposable(() => disposables.forEach((d) => d.dispose()));
    }

    #onDispose: (() => unknown) | undefined;

    constructor(onDispose: () => unknown) {
        this.#onDispose = onDispose;
    }

    dispose(): unknown {
        const onDispose = this.#onDispose;
        this.#onDispose = undefined;
        return onDispose?.();
    }
}

let programmingModel: ProgrammingModel | undefined;
const functions = new Map<string, RegisteredFunction>();
const hooks = new Map<HookName, HookCallback[]>(HOOK_NAMES.map((name) => [name, []]));
let startupComplete = false;
let logSink: LogSink = (level, category, message) => {
    const write = level === 'error' || level === 'critical' || level === 'warning' ? console.error : console.log;
    write(`[${category}] ${level}: ${message}`);
};

export function setProgrammingModel(model: ProgrammingModel): void {
    programmingModel = model;
}

export function getProgrammingModel(): ProgrammingModel {
    if (programmingModel === undefined) {
        throw new Error('No programming model was set: the app never loaded @azure/functions.');
    }
    return programmingModel;
}

export function registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    // Same rules as the worker: registration is a start-up activity and names are unique.
    if (startupComplete) {
        throw new Error(`A function can only be registered during app startup (function "${metadata.name}").`);
    }
    const id = metadata.functionId ?? metadata.name;
    if (functions.has(id)) {
        throw new Error(`A function named "${id}" has already been registered.`);
    }
    functions.set(id, { metadata, callback });
    return new Disposable(() => functions.delete(id));
}

export function registerHook(hookName: string, callback: HookCallback): Disposable {
    const list = hooks.get(hookName as HookName);
    if (list === undefined) {
        throw new RangeError(`Unknown hook "${hookName}"; supported: ${HOOK_NAMES.join(', ')}.`);
    }
    list.push(callback);
    return new Disposable(() => {
        const index = list.indexOf(callback);
        if (index >= 0) list.splice(index, 1);
    });
}

export function log(level: LogLevel, category: LogCategory, message: string): void {
    logSink(level, category, message);
}

/** The host's side of this module: read what the app registered and steer logging and start-up. */
export const coreRuntime = {
    functions(): RegisteredFunction[] {
        return [...functions.values()];
    },
    hooks(name: HookName): readonly HookCallback[] {
        return [...(hooks.get(name) ?? [])];
    },
    programmingModel(): ProgrammingModel | undefined {
        return programmingModel;
    },
    /** Shared across every hook, as the worker's `appHookData`. */
    appHookData: {} as HookData,
    completeStartup(): void {
        startupComplete = true;
    },
    setLogSink(sink: LogSink): void {
        logSink = sink;
    },
};

export type CoreRuntime = typeof coreRuntime;
