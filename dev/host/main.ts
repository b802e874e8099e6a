/**
 * `tsx dev/host/main.ts [--app-dir .] [--port 7071] [--settings local.settings.json]`: runs the app on
 * the local Functions host (a development tool; `func start` works too where Core Tools are installed).
 * Prints one `HOST_READY {json}` line once serving and one `HOST_WORKER {json}` line each time a worker
 * process has loaded the app, for scripts and tests.
 */
import { HOST_USAGE, parseHostCliArgs } from './cliArgs';
import { HostError } from './errors';
import { type RunningHost, startHost } from './host';
import { createConsoleLogger, describeError } from './log/hostLogger';

function fail(error: unknown): never {
    // Problems the developer fixes (settings, port, app load errors) are printed as their message only.
    const text =
        error instanceof HostError
            ? error.message
            : error instanceof Error
              ? (error.stack ?? error.message)
              : String(error);
    process.stderr.write(`Error: ${text}\n`);
    process.exit(1);
}

async function main(): Promise<void> {
    const args = parseHostCliArgs(process.argv.slice(2));
    if (args.help) {
        console.log(HOST_USAGE);
        return;
    }
    const logger = createConsoleLogger({ minLevel: args.verbose ? 'debug' : 'information' });
    // The app runs in the worker process; anything unhandled here is a bug of the host itself.
    process.on('unhandledRejection', (reason) =>
        logger.write({ level: 'error', message: `Unhandled promise rejection in the host: ${describeError(reason)}` }),
    );
    // onFatal may run before startHost returns; it stops whatever has started.
    const started: { host?: RunningHost } = {};
    const host = await startHost({
        appDir: args.appDir,
        ...(args.port === undefined ? {} : { port: args.port }),
        ...(args.hostname === undefined ? {} : { hostname: args.hostname }),
        ...(args.settingsFile === undefined ? {} : { settingsFile: args.settingsFile }),
        ...(args.messageLeaseSeconds === undefined ? {} : { messageLeaseSeconds: args.messageLeaseSeconds }),
        logger,
        onWorkerReady: (pid) => console.log(`HOST_WORKER ${JSON.stringify({ pid })}`),
        onFatal: (error) => {
            void (started.host?.stop() ?? Promise.resolve()).finally(() => fail(error));
        },
    });
    started.host = host;
    console.log('\nLocal Functions host (development tool) is running.\n\nFunctions:\n');
    for (const fn of host.functions) console.log(`        ${fn.name}: ${fn.description}\n`);
    console.log(`Listening on ${host.url}  (Ctrl-C to stop)`);
    console.log(
        `HOST_READY ${JSON.stringify({ url: host.url, port: host.port, pid: process.pid, workerPid: host.workerPid })}`,
    );

    let signals = 0;
    const shutdown = (signal: NodeJS.Signals) => {
        if (++signals > 1) process.exit(130);
        logger.write({ level: 'information', message: `${signal} received` });
        host.stop().then(
            () => process.exit(0),
            (error: unknown) => fail(error),
        );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
}

main().catch(fail);
