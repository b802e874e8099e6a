import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { z } from 'zod';

import { ManagedChild } from '../shared/childProcess';

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
    'AZURE_CLIENT_ID',
] as const;

const endpointsSchema = z.looseObject({
    authorityHost: z.string(),
    graphBaseUrl: z.string(),
    keyVaultUrl: z.string(),
    controlUrl: z.string(),
    caCertPath: z.string(),
});

/**
 * The `SIMULATOR_READY <json>` line (dev/sim/main.ts). Stdout ends up in terminals, CI logs and test
 * output, so the line carries only non-secret facts: origins, the CA path, ids, tenant names and the
 * path of the stack file the simulator has written (0600) before printing it.
 */
const readySchema = z.looseObject({
    simulator: endpointsSchema,
    publisher: z.looseObject({ tenantId: z.string(), appClientId: z.string() }),
    tenants: z.array(z.looseObject({ id: z.string(), displayName: z.string(), userCount: z.number() })),
    stackFile: z.string(),
    /** Where the simulator keeps its state, and whether this start continued from it. */
    state: z.looseObject({ dir: z.string(), restored: z.boolean() }).optional(),
});

export type SimulatorReady = z.infer<typeof readySchema>;

/**
 * The simulator's keys of the stack file, secrets included (operations client secret, IDENTITY_HEADER,
 * tenant credentials). Parts the launcher only passes on stay loose.
 */
const stackPartSchema = z.looseObject({
    simulator: endpointsSchema,
    publisher: z.record(z.string(), z.unknown()),
    operationsClient: z.record(z.string(), z.unknown()),
    tenants: z.array(z.record(z.string(), z.unknown())),
    appSettings: z.record(z.string(), z.string()),
});

export type SimulatorStackPart = z.infer<typeof stackPartSchema>;

function describeIssues(error: z.ZodError): string {
    // Paths and zod's messages only: the values may be secrets.
    return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function parseSimulatorReady(json: string): SimulatorReady {
    let value: unknown;
    try {
        value = JSON.parse(json);
    } catch {
        throw new Error('the simulator printed a SIMULATOR_READY line that is not JSON');
    }
    const result = readySchema.safeParse(value);
    if (!result.success) {
        throw new Error(
            `the simulator's SIMULATOR_READY payload is not what the launcher expects: ${describeIssues(result.error)}`,
        );
    }
    return result.data;
}

/** Reads the simulator's part of the stack file named by its READY line. */
export function readSimulatorStackPart(path: string): SimulatorStackPart {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch (error) {
        throw new Error(`could not read the simulator's stack file ${path}: ${(error as Error).message}`, {
            cause: error,
        });
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        // Not the parser's message: it quotes part of the text, which holds secrets.
        throw new Error(`the simulator's stack file ${path} is not valid JSON`);
    }
    const result = stackPartSchema.safeParse(value);
    if (!result.success) {
        throw new Error(
            `the simulator's stack file ${path} is not what the launcher expects: ${describeIssues(result.error)}`,
        );
    }
    const missing = SIMULATOR_APP_SETTINGS.filter((name) => result.data.appSettings[name] === undefined);
    if (missing.length > 0) throw new Error(`the simulator did not provide app settings ${missing.join(', ')}`);
    return result.data;
}

export interface StartedSimulator {
    child: ManagedChild;
    /** The READY line: non-secret. */
    ready: SimulatorReady;
    /** From the stack file: app settings, operations client and tenant credentials. */
    stackPart: SimulatorStackPart;
}

export function simulatorAvailable(): boolean {
    return existsSync(SIMULATOR_SCRIPT);
}

/**
 * Starts `dev/sim/main.ts` as a child, waits for its one `SIMULATOR_READY <json>` line, then reads the
 * secrets the app needs from the stack file the simulator wrote before that line.
 */
export async function startSimulatorProcess(options: {
    tlsDir: string;
    stackFile: string;
    /** Where the simulator keeps its state (`<stateDir>/sim`). */
    stateDir: string;
    reset: boolean;
    freePorts: boolean;
    latency?: { pageMs?: number; perUserMs?: number };
    onLine: (line: string, stream: 'stdout' | 'stderr') => void;
    timeoutMs?: number;
}): Promise<StartedSimulator> {
    const child = new ManagedChild({
        name: 'simulator',
        nodeArgs: [
            '--import',
            'tsx',
            SIMULATOR_SCRIPT,
            ...['--tls-dir', options.tlsDir, '--stack-file', options.stackFile, '--state-dir', options.stateDir],
            ...(options.reset ? ['--reset'] : []),
            ...(options.latency?.pageMs === undefined ? [] : ['--page-latency-ms', String(options.latency.pageMs)]),
            ...(options.latency?.perUserMs === undefined
                ? []
                : ['--per-user-latency-ms', String(options.latency.perUserMs)]),
            ...(options.freePorts ? ['--ports', '0'] : []),
        ],
        onLine: options.onLine,
    });
    try {
        const [, json = ''] = await child.waitForLine(/^SIMULATOR_READY (.*)$/, options.timeoutMs ?? 60_000);
        const ready = parseSimulatorReady(json);
        if (resolve(ready.stackFile) !== resolve(options.stackFile)) {
            throw new Error(
                `the simulator wrote ${ready.stackFile}, not the stack file ${options.stackFile} it was given`,
            );
        }
        return { child, ready, stackPart: readSimulatorStackPart(ready.stackFile) };
    } catch (error) {
        await child.stop();
        throw error;
    }
}
