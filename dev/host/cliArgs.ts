import { parseArgs } from 'node:util';

import { HostError } from './errors';

export interface HostCliArgs {
    appDir: string;
    port: number | undefined;
    hostname: string | undefined;
    settingsFile: string | undefined;
    verbose: boolean;
    help: boolean;
}

export const HOST_USAGE = `Usage: tsx dev/host/main.ts [--app-dir <dir>] [--port <port>] [--settings <file>] [--host <address>] [--verbose]

  --app-dir   Functions app root with host.json and package.json (default: current directory)
  --port      HTTP port; 0 picks a free one (default: local.settings.json Host.LocalHttpPort, else 7071)
  --settings  local.settings.json to read (default: <app-dir>/local.settings.json when present)
  --host      address to bind (default: 127.0.0.1)
  --verbose   include debug logs`;

export function parsePort(text: string): number {
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535)
        throw new HostError(`--port must be a number from 0 to 65535, got "${text}"`);
    return port;
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
        verbose: values.verbose,
        help: values.help,
    };
}
