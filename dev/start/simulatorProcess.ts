import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { ManagedChild } from './childProcess';

export const SIMULATOR_SCRIPT = join(__dirname, '..', 'sim', 'main.ts');

/** The app settings the simulator hands the app (its endpoints, our app registration, managed identity). */
export const SIMULATOR_APP_SETTINGS = [
    'APP_CLIENT_ID',
    'APP_TENANT_ID',
    'KEY_VAULT_URL',
    'AUTHORITY_HOST',
    'GRAPH_BASE_URL',
    'IDENTITY_ENDPOINT',
    'IDENTITY_HEADER',
] as const;

/** The `SIMULATOR_READY <json>` payload (dev/sim/main.ts). Parts the launcher only passes on stay loose. */
const readySchema = z.looseObject({
    simulator: z.looseObject({
        authorityHost: z.string(),
        graphBaseUrl: z.string(),
        keyVaultUrl: z.string(),
        controlUrl: z.string(),
        caCertPath: z.string(),
    }),
    publisher: z.record(z.string(), z.unknown()),
    operationsClient: z.record(z.string(), z.unknown()),
    tenants: z.array(z.record(z.string(), z.unknown())),
    appSettings: z.record(z.string(), z.string()),
});

export type SimulatorReady = z.infer<typeof readySchema>;

export function parseSimulatorReady(json: string): SimulatorReady {
    let value: unknown;
    try {
        value = JSON.parse(json);
    } catch {
        throw new Error('the simulator printed a SIMULATOR_READY line that is not JSON');
    }
    const result = readySchema.safeParse(value);
    if (!result.success) {
        const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
        throw new Error(
            `the simulator's SIMULATOR_READY payload is not what the launcher expects: ${problems.join('; ')}`,
        );
    }
    const missing = SIMULATOR_APP_SETTINGS.filter((name) => result.data.appSettings[name] === undefined);
    if (missing.length > 0) throw new Error(`the simulator did not provide app settings ${missing.join(', ')}`);
    return result.data;
}

export interface StartedSimulator {
    child: ManagedChild;
    ready: SimulatorReady;
}

export function simulatorAvailable(): boolean {
    return existsSync(SIMULATOR_SCRIPT);
}

/** Starts `dev/sim/main.ts` as a child and waits for its one `SIMULATOR_READY <json>` line. */
export async function startSimulatorProcess(options: {
    tlsDir: string;
    stackFile: string;
    freePorts: boolean;
    onLine: (line: string, stream: 'stdout' | 'stderr') => void;
    timeoutMs?: number;
}): Promise<StartedSimulator> {
    const child = new ManagedChild({
        name: 'simulator',
        nodeArgs: [
            '--import',
            'tsx',
            SIMULATOR_SCRIPT,
            ...['--tls-dir', options.tlsDir, '--stack-file', options.stackFile],
            ...(options.freePorts ? ['--ports', '0'] : []),
        ],
        onLine: options.onLine,
    });
    try {
        const [, json = ''] = await child.waitForLine(/^SIMULATOR_READY (.*)$/, options.timeoutMs ?? 60_000);
        return { child, ready: parseSimulatorReady(json) };
    } catch (error) {
        await child.stop();
        throw error;
    }
}
