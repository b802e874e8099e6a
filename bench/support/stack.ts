/**
 * The product's benchmarks run the real local stack — Azurite, the cloud simulator and the local
 * Functions host running the built app (dist/), started exactly as `npm start` starts them
 * (dev/start/stack.ts) — in a temporary state directory on free ports, with the simulator's Graph
 * page latency on. The benchmark process also builds the app's own services (src/app/services.ts)
 * against the same Azurite and simulator, to measure the ceilings with the product's own code and to
 * read what the worker wrote.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';

import { DEFAULT_TLS_DIR, ensureTlsMaterial } from '../../dev/tls/certificates';
import { type RunningStack, startStack } from '../../dev/start/stack';
import { buildServices, type ServiceOverrides, type Services } from '../../src/app/services';
import { type AppConfig, loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/logging';
import { getFreePort } from '../../test/support/freePort';
import { type SimulatorControl, simulatorControl } from '../../test/support/simulatorControl';

const REPO_ROOT = join(__dirname, '..', '..');

/** Graph page latency: a fixed part per page plus a part per user on the page (simulator settings). */
export interface Latency {
    fixedMs: number;
    perUserMs: number;
}

/**
 * What a page of Graph's delta query costs here: 150 ms + 0.5 ms per user, 250 ms for a full page of
 * 200 users — in the range a `/users/delta` page with `$select` takes against graph.microsoft.com.
 */
export const GRAPH_LATENCY: Latency = { fixedMs: 150, perUserMs: 0.5 };

/** Every sync size of a benchmark comes in two flavours: the default run and `--large`. */
export const LARGE = process.argv.includes('--large');

/** `--reps N` (bench/run.ts passes it on), else the benchmark's own default. */
export function repetitions(defaultCount: number): number {
    const at = process.argv.indexOf('--reps');
    const count = at === -1 ? defaultCount : Number(process.argv[at + 1]);
    if (!Number.isInteger(count) || count < 1)
        throw new Error(`--reps takes a whole number from 1, not ${process.argv[at + 1]}`);
    return count;
}

export type { Json } from '../../test/support/simulatorControl';

/** A control API call that must succeed: its JSON body (SimulatorControl.controlOk). */
export type Control = SimulatorControl['controlOk'];

export interface BenchStack {
    running: RunningStack;
    appUrl: string;
    control: Control;
    /** The app's services in this process, on the same Azurite and simulator as the host. */
    services: Services;
    settings: Record<string, string>;
    /** Another instance of the app's services (its own MSAL client and throttle gate). */
    newServices(overrides?: ServiceOverrides): Services;
    /** The pid of the host's current worker process (the one running the app). */
    workerPid(): number;
    /** The stack's processes by name: azurite, simulator, host, worker. */
    pids: () => Record<string, number>;
    /** Kills the worker process; resolves with the pid of the worker the host starts in its place. */
    restartWorker(): Promise<number>;
    /** The last lines the stack printed (for errors). */
    recentLines(count?: number): string[];
    /** Calls `listener` with each line the stack prints from now on (and when it arrived); returns a stop function. */
    watchLines(listener: (line: string, at: number) => void): () => void;
    /** A token for the operations API (all its roles), from the simulator's identity platform. */
    apiToken(): Promise<string>;
    stop(): Promise<void>;
}

export async function startBenchStack(
    options: { latency?: Latency; env?: Record<string, string> } = {},
): Promise<BenchStack> {
    if (!existsSync(join(REPO_ROOT, 'dist', 'src')))
        throw new Error('dist/ is missing: run `npm run build` first (`npm run bench` does)');
    if (!process.env.NODE_EXTRA_CA_CERTS)
        throw new Error('set NODE_EXTRA_CA_CERTS=.local/tls/ca.pem (bench/run.ts does)');
    // The benchmark process trusts the CA of .local/tls (NODE_EXTRA_CA_CERTS is read at start-up): the
    // stack in its temporary state directory serves certificates of that same CA.
    const tls = await ensureTlsMaterial(DEFAULT_TLS_DIR);
    const stateDir = mkdtempSync(join(tmpdir(), 'tenant-sync-bench-'));
    cpSync(tls.dir, join(stateDir, 'tls'), { recursive: true });

    const lines: string[] = [];
    const watchers = new Set<(line: string, at: number) => void>();
    let workerPid = 0;
    const workerWaiters = new Set<(pid: number) => void>();
    const print = (line: string) => {
        for (const watcher of watchers) watcher(line, Date.now());
        lines.push(line);
        if (lines.length > 400) lines.splice(0, lines.length - 200);
        const worker = /HOST_WORKER (\{.*\})/.exec(line);
        if (worker?.[1] !== undefined) {
            workerPid = (JSON.parse(worker[1]) as { pid: number }).pid;
            for (const waiter of workerWaiters) waiter(workerPid);
        }
    };
    const saved = { ...process.env };
    // The host's timer fan-out would enqueue syncs of the benchmark's tenants by itself: once a year.
    process.env.SYNC_SCHEDULE = '0 0 0 1 1 *';
    Object.assign(process.env, options.env ?? {});
    let running: RunningStack;
    try {
        running = await startStack({
            appPort: await getFreePort(),
            stateDir,
            freePorts: true,
            reset: false,
            ...(options.latency
                ? { latency: { pageMs: options.latency.fixedMs, perUserMs: options.latency.perUserMs } }
                : {}),
            repoRoot: REPO_ROOT,
            print,
        });
    } catch (error) {
        console.error(lines.slice(-40).join('\n'));
        rmSync(stateDir, { recursive: true, force: true });
        throw error;
    } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
    }
    const stack = running.stack;
    const simulator = stack.simulator;
    const app = stack.appSettings;
    const ops = stack.operationsClient as { tenantId: string; clientId: string; clientSecret: string; scope: string };
    if (simulator === undefined || app === undefined) throw new Error('the stack started without the simulator');

    const control = simulatorControl(simulator.controlUrl).controlOk;

    const settings: Record<string, string> = {
        ...app,
        AzureWebJobsStorage: stack.storage.connectionString,
        PUBLIC_BASE_URL: stack.app.url,
        SYNC_SCHEDULE: '0 0 0 1 1 *',
    };
    const config: AppConfig = loadConfig(settings);
    const credential = managedIdentity(app);
    const newServices = (overrides: ServiceOverrides = {}) =>
        buildServices(config, { credential, processLogger: quietLogger(), ...overrides });
    const services = newServices();
    await services.storage.ensureCreated();

    const msal = new ConfidentialClientApplication({
        auth: {
            clientId: ops.clientId,
            clientSecret: ops.clientSecret,
            authority: `${simulator.authorityHost}/${ops.tenantId}`,
            knownAuthorities: [new URL(simulator.authorityHost).host],
        },
        system: { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => undefined } },
    });

    return {
        running,
        appUrl: stack.app.url,
        control,
        services,
        settings,
        newServices,
        workerPid: () => workerPid,
        pids: () => ({
            azurite: stack.pids.azurite,
            ...(stack.pids.simulator === undefined ? {} : { simulator: stack.pids.simulator }),
            host: stack.pids.host,
            worker: workerPid,
        }),
        async restartWorker() {
            const old = workerPid;
            const next = new Promise<number>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error('no new worker within 30 s')), 30_000);
                const waiter = (pid: number) => {
                    if (pid === old) return;
                    clearTimeout(timer);
                    workerWaiters.delete(waiter);
                    resolve(pid);
                };
                workerWaiters.add(waiter);
            });
            process.kill(old, 'SIGKILL');
            return next;
        },
        recentLines: (count = 40) => lines.slice(-count),
        watchLines(listener) {
            watchers.add(listener);
            return () => watchers.delete(listener);
        },
        async apiToken() {
            const result = await msal.acquireTokenByClientCredential({ scopes: [ops.scope] });
            if (!result) throw new Error('no token for the operations API');
            return result.accessToken;
        },
        async stop() {
            await running.stop();
            rmSync(stateDir, { recursive: true, force: true });
        },
    };
}

/** The managed identity endpoint of the simulator, asked as @azure/identity asks it (without its process-wide cache). */
function managedIdentity(app: Record<string, string>): TokenCredential {
    return {
        async getToken(scopes): Promise<AccessToken> {
            const resource = (Array.isArray(scopes) ? scopes[0] : scopes)?.replace(/\/\.default$/, '') ?? '';
            const query = new URLSearchParams({
                'api-version': '2019-08-01',
                resource,
                ...(app.AZURE_CLIENT_ID ? { client_id: app.AZURE_CLIENT_ID } : {}),
            });
            const response = await fetch(`${app.IDENTITY_ENDPOINT}?${query.toString()}`, {
                headers: { 'X-IDENTITY-HEADER': app.IDENTITY_HEADER ?? '' },
            });
            const body = (await response.json()) as { access_token: string; expires_on: string };
            return { token: body.access_token, expiresOnTimestamp: Number(body.expires_on) * 1000 };
        },
    };
}

/** Only the benchmark's own lines belong on its output. */
export function quietLogger(): Logger {
    return createLogger(() => undefined, 'bench');
}

/** Peak and current resident set size of a process, from /proc (Linux). */
export function memoryOf(pid: number): { rssMB: number; peakMB: number } {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
}
