/**
 * The local host's worker process, the counterpart of the Azure Functions Node.js worker: the host forks
 * it with the app directory as its argument and talks to it over IPC (see protocol.ts). It loads the app
 * exactly as the worker does (package.json `main`, `@azure/functions-core`), runs appStart hooks, reports
 * the registered functions and runs invocations. An uncaught exception or unhandled rejection ends it, as
 * it ends the real worker; the host then fails the invocations that were running and starts a new one.
 */
import type { CoreRuntime } from '../core/functionsCore';
import { installCoreModule } from '../core/installCoreModule';
import { HostError } from '../errors';
import { findEntryFiles, loadEntryFiles } from '../app/loadApp';
import { applyLogHooks, runHooks } from './hooks';
import { type HostToWorker, serializeError, type WorkerToHost } from './protocol';
import { runInvocation } from './runInvocation';

function send(message: WorkerToHost): Promise<void> {
    return new Promise((resolve) => {
        if (!process.connected || process.send === undefined) {
            resolve();
            return;
        }
        process.send(message, undefined, {}, () => resolve());
    });
}

let exiting = false;

/** Logs the error as the worker does and exits 1, after the message has reached the host. */
function crash(error: unknown): void {
    if (exiting) return;
    exiting = true;
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // azure-functions-nodejs-worker (src/Worker.ts): process.on('uncaughtException') logs and exits with code 1.
    void send({
        kind: 'log',
        level: 'error',
        category: 'system',
        message: `Worker uncaught exception (learn more: https://go.microsoft.com/fwlink/?linkid=2097909 ): ${text}`,
    }).then(() => process.exit(1));
    setTimeout(() => process.exit(1), 1000).unref();
}

process.on('uncaughtException', crash);
// Node's default for an unhandled rejection is to raise it as an uncaught exception; stated here so no
// preload or library listener can quietly turn that off.
process.on('unhandledRejection', crash);
// The host decides when the worker stops; a terminal's Ctrl-C reaches the whole process group.
process.on('SIGINT', () => undefined);
// Without the host there is nobody to serve: exit when the IPC channel closes (even if the host was killed).
process.on('disconnect', () => process.exit(0));

async function lockSetup(core: CoreRuntime): Promise<void> {
    // The worker asks the model for capabilities once start-up is over; the library locks app.setup() then.
    const capabilities = await core.programmingModel()?.getCapabilities?.({});
    if (capabilities?.HttpUri !== undefined) {
        throw new HostError('app.setup({ enableHttpStream: true }) is not supported by the local host');
    }
}

async function start(appDir: string): Promise<void> {
    const core = installCoreModule();
    core.setLogSink((level, category, message) => {
        const entry = applyLogHooks(core, { level, category, message }, undefined);
        void send({ kind: 'log', level: entry.level, category, message: entry.message });
    });
    // appStart and appTerminate share one hookData, as in the worker.
    const appHookContext = { hookData: {}, appHookData: core.appHookData };
    try {
        loadEntryFiles(appDir, findEntryFiles(appDir));
        core.completeStartup();
        await lockSetup(core);
        await runHooks(core, 'appStart', { ...appHookContext, functionAppDirectory: appDir });
    } catch (error) {
        exiting = true;
        const message =
            error instanceof HostError
                ? error.message
                : `The app failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
        await send({ kind: 'loadFailed', message });
        process.exit(1);
    }

    process.on('message', (message: HostToWorker) => {
        if (message.kind === 'invoke') {
            const { functionName, request } = message;
            const invocationId = request.invocationId ?? '';
            runInvocation(core, functionName, request, (level, category, text) => {
                void send({ kind: 'log', level, category, message: text, functionName, invocationId });
            }).then(
                (response) => send({ kind: 'result', invocationId, response }),
                (error: unknown) => send({ kind: 'failure', invocationId, error: serializeError(error) }),
            );
        } else if (message.kind === 'terminate') {
            void runHooks(core, 'appTerminate', appHookContext)
                .catch((error: unknown) =>
                    send({
                        kind: 'log',
                        level: 'error',
                        category: 'system',
                        message: `An appTerminate hook failed: ${serializeError(error).message}`,
                    }),
                )
                .then(() => send({ kind: 'terminated' }))
                .finally(() => process.exit(0));
        }
    });
    await send({ kind: 'ready', functions: core.functions().map((f) => f.metadata) });
}

const appDir = process.argv[2];
if (appDir === undefined || process.send === undefined) {
    process.stderr.write('The worker is started by the local host (dev/host), not directly.\n');
    process.exit(2);
}
void start(appDir);
