/**
 * `npm run sim [-- --seed s --tls-dir d --stack-file f --state-dir d --reset --ports 0|<base>
 *                  --page-latency-ms n --per-user-latency-ms n]`
 *
 * Keeps its mutable state in `<state dir>/sim/` (default: the stack file's directory, .local) and continues
 * from it on the next start; `--reset` starts from the seed again.
 *
 * Starts the simulator alone, writes its part of the stack file (default .local/stack.json; 0600,
 * atomically) with every detail including the secrets, and only then prints exactly one line
 * `SIMULATOR_READY <json>` on stdout once every port listens (the stack launcher parses it), then a
 * human-friendly summary. Stdout is not a place for secrets: the READY line carries only non-secret
 * facts (origins, CA path, ids, tenants, the stack file's path), and whoever needs the operations
 * client secret, IDENTITY_HEADER or the tenant credentials reads them from the stack file.
 * Ctrl-C / SIGTERM closes every port and exits 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { writeJsonFileAtomic } from '../shared/jsonFile';
import type { ServiceName } from './core/http';
import { DEFAULT_PORTS, type SimulatorOptions, type StackInfo, startSimulator } from './simulator';

const DEFAULT_STACK_FILE = join(__dirname, '..', '..', '.local', 'stack.json');

/** Keys of .local/stack.json that belong to the simulator; the rest (app, storage) are left alone. */
const SIMULATOR_KEYS = ['simulator', 'publisher', 'operationsClient', 'tenants', 'appSettings'] as const;

function fail(message: string): never {
    console.error(`simulator: ${message.replace(/^simulator /, '')}`);
    process.exit(1);
}

function parseOptions(argv: string[]): { options: SimulatorOptions; stackFile: string } {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                seed: { type: 'string' },
                'tls-dir': { type: 'string' },
                'stack-file': { type: 'string' },
                'state-dir': { type: 'string' },
                reset: { type: 'boolean' },
                ports: { type: 'string' },
                'page-latency-ms': { type: 'string' },
                'per-user-latency-ms': { type: 'string' },
            },
            strict: true,
        }).values;
    } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
    }
    const options: SimulatorOptions = {};
    if (parsed.seed !== undefined) options.seed = parsed.seed;
    if (parsed['tls-dir'] !== undefined) options.tlsDir = resolve(parsed['tls-dir']);
    if (parsed.ports !== undefined) {
        if (!/^\d+$/.test(parsed.ports) || Number(parsed.ports) > 65531)
            fail(`--ports must be 0 (free ports) or a base port for five consecutive ports, got "${parsed.ports}"`);
        const base = Number(parsed.ports);
        options.ports =
            base === 0
                ? 0
                : Object.fromEntries((Object.keys(DEFAULT_PORTS) as ServiceName[]).map((s, i) => [s, base + i]));
    }
    const latency = (name: 'page-latency-ms' | 'per-user-latency-ms') => {
        const raw = parsed[name];
        if (raw === undefined) return undefined;
        if (!/^\d+(\.\d+)?$/.test(raw)) fail(`--${name} must be a non-negative number, got "${raw}"`);
        return Number(raw);
    };
    const fixedMs = latency('page-latency-ms');
    const perUserMs = latency('per-user-latency-ms');
    if (fixedMs !== undefined || perUserMs !== undefined) options.graph = { latency: { fixedMs, perUserMs } };
    const stackFile = resolve(parsed['stack-file'] ?? DEFAULT_STACK_FILE);
    options.stateDir = resolve(parsed['state-dir'] ?? dirname(stackFile));
    if (parsed.reset === true) options.reset = true;
    return { options, stackFile };
}

/** Replaces the simulator's keys in the stack file, keeping everything else; 0600, atomic rename. */
function writeStackFile(path: string, info: StackInfo): void {
    let existing: Record<string, unknown> = {};
    if (existsSync(path)) {
        try {
            const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
            if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
                existing = parsed as Record<string, unknown>;
        } catch {
            console.error(`simulator: ${path} was not valid JSON; rewriting it`);
        }
    }
    const merged: Record<string, unknown> = { ...existing };
    for (const key of SIMULATOR_KEYS) merged[key] = info[key];
    writeJsonFileAtomic(path, merged);
}

/**
 * The SIMULATOR_READY payload, built field by field (an allow-list, so a secret added to StackInfo later
 * does not reach stdout by default): no operations client, no app settings, no tenant credentials.
 */
function readyPayload(info: StackInfo, stackFile: string, state: { dir: string; restored: boolean } | undefined) {
    return {
        simulator: info.simulator,
        publisher: { tenantId: info.publisher.tenantId, appClientId: info.publisher.appClientId },
        tenants: info.tenants.map((t) => ({ id: t.id, displayName: t.displayName, userCount: t.userCount })),
        stackFile,
        ...(state ? { state } : {}),
    };
}

async function main(): Promise<void> {
    const { options, stackFile } = parseOptions(process.argv.slice(2));
    let simulator;
    try {
        simulator = await startSimulator(options);
    } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
    }
    let stopping = false;
    const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`simulator: ${signal}, closing ports`);
        simulator.stop().then(
            () => process.exit(0),
            (error: unknown) => {
                console.error('simulator: error while stopping', error);
                process.exit(1);
            },
        );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));

    const info = simulator.stackInfo;
    try {
        writeStackFile(stackFile, info);
    } catch (error) {
        await simulator.stop();
        fail(`could not write ${stackFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const state = simulator.state ? { dir: simulator.state.dir, restored: simulator.restored } : undefined;
    process.stdout.write(`SIMULATOR_READY ${JSON.stringify(readyPayload(info, stackFile, state))}\n`);
    const lines = [
        '',
        'Local cloud simulator is running (Ctrl-C to stop)',
        `  Sign-in (authority host)  ${info.simulator.authorityHost}`,
        `  Microsoft Graph           ${info.simulator.graphBaseUrl}/v1.0`,
        `  Key Vault                 ${info.simulator.keyVaultUrl}`,
        `  Managed identity          ${info.simulator.managedIdentityEndpoint}`,
        `  Control API               ${info.simulator.controlUrl}/control/state`,
        `  Trust this CA             NODE_EXTRA_CA_CERTS=${info.simulator.caCertPath}`,
        `  Stack file                ${stackFile}`,
        simulator.restored
            ? `  State                     continued from ${simulator.state?.dir ?? '?'} (--reset starts over)`
            : `  State                     new, kept in ${simulator.state?.dir ?? '?'}`,
        '',
        // The admin sign-in names and passwords are fixtures the simulator generated from its seed for its
        // fake tenants, not secrets of any real system; a person needs them to try the product. The other
        // credentials (operations client secret, IDENTITY_HEADER, ordinary users) stay in the stack file.
        'Customer tenants (sign in as the admin; other credentials are in the stack file):',
        ...info.tenants.flatMap((t) => [
            `  ${t.displayName} (${t.userCount} users) ${t.id}`,
            `    admin ${t.admin?.username ?? '-'} / ${t.admin?.password ?? '-'}`,
        ]),
        '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
}

void main();
