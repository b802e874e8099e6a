import { parseArgs } from 'node:util';

import { HostError } from './errors';

export interface HostCliArgs {
    appDir: string;
    port: number | undefined;
    hostname: string | undefined;
    settingsFile: string | undefined;
    messageLeaseSeconds: number | undefined;
    verbose: boolean;
    help: boolean;
}

export const HOST_USAGE = `Usage: tsx dev/host/main.ts [--app-dir <dir>] [--port <port>] [--settings <file>] [--host <address>]
                           [--message-lease-seconds <n>] [--verbose]

  --app-dir                Functions app root with host.json and package.json (default: current directory)
  --port                   HTTP port; 0 picks a free one (default: local.settings.json Host.LocalHttpPort, else 7071)
  --settings               local.settings.json to read (default: <app-dir>/local.settings.json when present)
  --host                   address to bind (default: 127.0.0.1)
  --message-lease-seconds  how long a running queue message stays invisible before its lease is renewed
                           (default: 600, the Functions host's fixed value; shorter for tests)
  --verbose                include debug logs`;

export function parsePort(text: string): number {
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535)
        throw new HostError(`--port must be a number from 0 to 65535, got "${text}"`);
    return port;
}

export function parseLeaseSeconds(text: string): number {
    const seconds = Number(text);
    // Azure Storage accepts visibility timeouts of 1 second to 7 days.
    if (!/^\d+$/.test(text) || seconds < 1 || seconds > 7 * 24 * 3600) {
        throw new HostError(
            `--message-lease-seconds must be a whole number of seconds from 1 to 604800, got "${text}"`,
        );
    }
    return seconds;
}

export function parseHostCliArgs(argv: string[]): HostCliArgs {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                'app-dir': { type: 'string' },
                port: { type: 'string' },
                settings: { type: 'string' },
                host: { type: 'string' },
                'message-lease-seconds': { type: 'string' },
                verbose: { type: 'boolean', default: false },
                help: { type: 'boolean', short: 'h', default: false },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (error) {
        throw new HostError(`${(error as Error).message}\n${HOST_USAGE}`);
    }
    return {
        appDir: values['app-dir'] ?? process.cwd(),
        port: values.port === undefined ? undefined : parsePort(values.port),
        hostname: values.host,
        settingsFile: values.settings,
        messageLeaseSeconds:
            values['message-lease-seconds'] === undefined
                ? undefined
                : parseLeaseSeconds(values['message-lease-seconds']),
        verbose: values.verbose,
        help: values.help,
    };
}
