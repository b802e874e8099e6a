import type { HookName, LogCategory, LogLevel } from '../core/coreTypes';
import type { CoreRuntime } from '../core/functionsCore';

/**
 * Runs the callbacks registered for one hook, in registration order, each awaited, as the worker does.
 * The context is the plain object the library's hook classes wrap; their setters write back into it,
 * which is how preInvocation hooks replace inputs or the handler and postInvocation hooks the result.
 */
export async function runHooks(core: CoreRuntime, name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const callback of core.hooks(name)) {
        await callback(context);
    }
}

/**
 * Runs `log` hooks for one log entry. They may rewrite the level and message of user logs only, and
 * run synchronously (the worker does not await them). Returns the entry to write.
 */
export function applyLogHooks(
    core: CoreRuntime,
    entry: { level: LogLevel; category: LogCategory; message: string },
    invocationContext: unknown,
): { level: LogLevel; message: string } {
    const callbacks = core.hooks('log');
    if (callbacks.length === 0) return entry;
    const context = { ...entry, invocationContext, hookData: {}, appHookData: core.appHookData };
    for (const callback of callbacks) callback(context);
    return entry.category === 'user' ? { level: context.level, message: context.message } : entry;
}
