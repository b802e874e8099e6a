import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface StartArgs {
    appPort: number;
    stateDir: string;
    freePorts: boolean;
    /** Discard the simulator's saved state and Azurite's data before starting. */
    reset: boolean;
    /** Simulated Graph page latency: a fixed part per page and a part per user on it (ms). */
    latency: { pageMs?: number; perUserMs?: number };
    help: boolean;
}

export const START_USAGE = `Usage: npm start [-- --port <port>] [--state-dir <dir>] [--free-ports] [--reset]

  --port        the app's HTTP port (default: $PORT, else 7071)
  --state-dir   where TLS material, Azurite data, the simulator's state and stack.json live
                (default: .local); one running stack per state directory
  --free-ports  run Azurite and the simulator on free ports instead of their defaults
  --reset       start from an empty world: discard Azurite's data and the simulator's saved state
  --page-latency-ms <ms>      simulated Graph latency per page of users (default 0)
  --per-user-latency-ms <ms>  simulated Graph latency per user on a page (default 0)`;

export class StartArgsError extends Error {
    override readonly name = 'StartArgsError';
}

export function parseStartArgs(argv: string[], env: NodeJS.ProcessEnv, repoRoot: string): StartArgs {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                port: { type: 'string' },
                'state-dir': { type: 'string' },
                'free-ports': { type: 'boolean', default: false },
                reset: { type: 'boolean', default: false },
                'page-latency-ms': { type: 'string' },
                'per-user-latency-ms': { type: 'string' },
                help: { type: 'boolean', short: 'h', default: false },
            },
            strict: true,
        }));
    } catch (error) {
        throw new StartArgsError(`${(error as Error).message}\n${START_USAGE}`);
    }
    const portText = values.port ?? env.PORT ?? '7071';
    const appPort = Number(portText);
    if (!/^\d+$/.test(portText) || appPort < 1 || appPort > 65535) {
        throw new StartArgsError(`--port (or PORT) must be a port from 1 to 65535, got "${portText}"`);
    }
    const stateDir = values['state-dir'] ?? join(repoRoot, '.local');
    const latency = (name: 'page-latency-ms' | 'per-user-latency-ms'): number | undefined => {
        const raw = values[name];
        if (raw === undefined) return undefined;
        if (!/^\d+(\.\d+)?$/.test(raw))
            throw new StartArgsError(`--${name} must be a non-negative number, got "${raw}"`);
        return Number(raw);
    };
    const pageMs = latency('page-latency-ms');
    const perUserMs = latency('per-user-latency-ms');
    return {
        appPort,
        stateDir: isAbsolute(stateDir) ? stateDir : resolve(stateDir),
        freePorts: values['free-ports'],
        reset: values.reset,
        latency: { ...(pageMs === undefined ? {} : { pageMs }), ...(perUserMs === undefined ? {} : { perUserMs }) },
        help: values.help,
    };
}
