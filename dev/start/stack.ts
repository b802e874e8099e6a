/**
 * The local stack behind `npm start`: Azurite, the cloud simulator and the local Functions host, each a
 * child process, wired together through environment variables and described in `<state>/stack.json`.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { type RunningAzurite, startAzurite } from '../azurite/azurite';
import { type ChildExit, describeExit, ManagedChild } from '../shared/childProcess';
import { ensureTlsMaterial, type TlsMaterial } from '../tls/certificates';
import { acquireLock, type HeldLock, isProcessAlive, lockHolder, LockHeldError } from '../shared/lockFile';
import { type SimulatorStackPart, simulatorAvailable, startSimulatorProcess } from './simulatorProcess';
import { buildStackFile, removeStackFile, type StackFile, writeStackFile } from './stackFile';

export interface StackOptions {
    /** The app's HTTP port (PUBLIC_BASE_URL is built from it, so it cannot be 0). */
    appPort: number;
    /** Absolute; holds tls/, azurite/, sim/, stack.json and stack.lock. One running stack per state directory. */
    stateDir: string;
    /** Azurite and the simulator on free ports instead of their fixed defaults (tests, parallel stacks). */
    freePorts: boolean;
    /** Discard Azurite's data and the simulator's saved state first. */
    reset: boolean;
    /** Simulated Graph page latency (passed to the simulator; saved with its settings). */
    latency?: { pageMs?: number; perUserMs?: number };
    repoRoot: string;
    /** Where the launcher's and the children's lines go. */
    print: (line: string) => void;
}

type PartName = 'azurite' | 'simulator' | 'host';

interface Part {
    name: PartName;
    pid: number;
    exited: Promise<ChildExit>;
    stop(): Promise<unknown>;
    recentLines(): string[];
}

export interface PartCrash {
    name: PartName;
    pid: number;
    exit: ChildExit;
    lastLines: string[];
}

export interface RunningStack {
    /** Seconds each part took to become ready, in start order. */
    timings: Record<string, number>;
    appUrl: string;
    stackFile: string;
    stack: StackFile;
    /** Whether the simulator continued from its saved state (false: a new world, or no simulator). */
    restored: boolean;
    /** Settles when a part stops on its own; by then the others are being stopped. */
    crashed: Promise<PartCrash>;
    stop(): Promise<void>;
}

/** A startup failure that already names the part and the reason; the CLI prints only the message. */
export class StackError extends Error {
    override readonly name = 'StackError';
}

const PREFIX: Record<PartName, string> = { azurite: '[azurite]  ', simulator: '[simulator]', host: '[host]     ' };

function assertPortFree(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        const probe = createServer();
        probe.once('error', (error: NodeJS.ErrnoException) =>
            reject(
                error.code === 'EADDRINUSE'
                    ? new StackError(`port ${port} is already in use; stop the other process or pass --port`)
                    : error,
            ),
        );
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
}

/**
 * Polls `url` until it answers 200 or the deadline passes. Hand-written rather than a retry library
 * (none is a dependency): this is a readiness poll against a deadline, where "not yet" is the expected
 * answer for a while, not a retry of a failed operation with backoff; ten lines say exactly that.
 */
async function healthy(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
        try {
            const response = await fetch(url);
            if (response.status === 200) return;
            last = `HTTP ${response.status}`;
        } catch (error) {
            last = (error as Error).message;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new StackError(`the app did not answer 200 on ${url} within ${timeoutMs} ms (last: ${last})`);
}

function azuritePart(azurite: RunningAzurite, lines: string[]): Part {
    return {
        name: 'azurite',
        pid: azurite.pid,
        exited: azurite.exited,
        stop: () => azurite.stop(),
        recentLines: () => lines.slice(-20),
    };
}

function childPart(name: PartName, child: ManagedChild): Part {
    return {
        name,
        pid: child.pid,
        exited: child.exited,
        stop: () => child.stop(),
        recentLines: () => child.recentLines(),
    };
}

/** Records how long one start-up step took, in seconds with one decimal. */
async function timed<T>(timings: Record<string, number>, name: string, work: Promise<T>): Promise<T> {
    const begin = performance.now();
    const value = await work;
    timings[name] = Math.round((performance.now() - begin) / 100) / 10;
    return value;
}

interface Launch {
    options: StackOptions;
    parts: Part[];
    timings: Record<string, number>;
    echo: (name: PartName) => (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Azurite and the simulator start side by side; both settle before a failure is reported, so neither is left behind. */
async function startBackingServices(launch: Launch, tls: TlsMaterial, stackFile: string) {
    const { options, parts, timings, echo } = launch;
    const azuriteLines: string[] = [];
    const withSimulator = simulatorAvailable();
    if (!withSimulator) {
        options.print(
            'Notice: dev/sim/main.ts does not exist yet, so the cloud simulator is skipped (sign-in, Graph and Key Vault will not work).',
        );
    }
    const azuriteStart = startAzurite({
        location: join(options.stateDir, 'azurite'),
        ...(options.freePorts ? { blobPort: 0, queuePort: 0, tablePort: 0 } : {}),
        onLine: (line) => {
            azuriteLines.push(line);
            echo('azurite')(line, 'stdout');
        },
    }).then((azurite) => {
        parts.push(azuritePart(azurite, azuriteLines));
        return azurite;
    });
    const simulatorStart = withSimulator
        ? startSimulatorProcess({
              tlsDir: tls.dir,
              stackFile,
              stateDir: options.stateDir,
              reset: options.reset,
              freePorts: options.freePorts,
              ...(options.latency ? { latency: options.latency } : {}),
              onLine: echo('simulator'),
          }).then((simulator) => {
              parts.push(childPart('simulator', simulator.child));
              return simulator;
          })
        : Promise.resolve(undefined);
    const [azurite, simulator] = await Promise.allSettled([
        timed(timings, 'Azurite', azuriteStart),
        timed(timings, 'simulator', simulatorStart),
    ]);
    if (azurite.status === 'rejected') {
        const message = (azurite.reason as Error).message;
        throw new StackError(options.freePorts ? message : `${message} (or start with --free-ports)`);
    }
    if (simulator.status === 'rejected') {
        const message = (simulator.reason as Error).message;
        throw new StackError(`the cloud simulator did not start: ${message} (its output is above)`);
    }
    return { azurite: azurite.value, simulator: simulator.value };
}

/**
 * The seeded app registration knows http://localhost:7071's callbacks; on another port the app's own
 * must be registered too, or sign-in stops at AADSTS50011 (as Entra would for an unregistered URI).
 */
async function registerRedirectUris(sim: SimulatorStackPart, appUrl: string): Promise<void> {
    const clientId = sim.publisher.appClientId;
    if (typeof clientId !== 'string') return;
    for (const path of ['/auth/callback', '/connect/callback']) {
        const response = await fetch(`${sim.simulator.controlUrl}/control/identity/apps/${clientId}/redirect-uris`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ uri: `${appUrl}${path}` }),
        });
        if (!response.ok)
            throw new StackError(`could not register ${appUrl}${path} with the simulator (HTTP ${response.status})`);
    }
}

/** The local Functions host as a child, configured through its environment, up once /api/health answers 200. */
async function startHostChild(launch: Launch, env: NodeJS.ProcessEnv, appUrl: string): Promise<ManagedChild> {
    const { options, parts, echo } = launch;
    const host = new ManagedChild({
        name: 'host',
        nodeArgs: [
            ...['--import', 'tsx', join(options.repoRoot, 'dev', 'host', 'main.ts')],
            ...['--app-dir', options.repoRoot, '--port', String(options.appPort)],
        ],
        cwd: options.repoRoot,
        env,
        onLine: echo('host'),
    });
    parts.push(childPart('host', host));
    await host.waitForLine(/^HOST_READY /, 60_000).catch((error: unknown) => {
        const why = host.exitInfo === undefined ? (error as Error).message : describeExit(host.exitInfo);
        throw new StackError(`the local Functions host did not start (${why}); its output is above`);
    });
    await healthy(`${appUrl}/api/health`, 10_000);
    return host;
}

async function stopParts(parts: Part[]): Promise<void> {
    // The app first (it polls storage and calls the simulator), then what it depends on.
    for (const name of ['host', 'simulator', 'azurite'] as const) {
        await Promise.all(parts.filter((p) => p.name === name).map((p) => p.stop()));
    }
}

/**
 * This launcher's claim on the state directory. A second stack there would share Azurite's data folder,
 * the simulator's state and stack.json with the running one, so it is refused before anything is touched.
 */
function claimStateDir(stateDir: string): HeldLock {
    const second =
        'start a second stack with its own state directory, e.g. npm start -- --state-dir .local-2 --free-ports --port 7072';
    let lock: HeldLock;
    try {
        lock = acquireLock(join(stateDir, 'stack.lock'));
    } catch (error) {
        if (!(error instanceof LockHeldError)) throw error;
        throw new StackError(
            `a stack is already running from ${stateDir} (launcher pid ${error.pid}); stop it (Ctrl-C in its terminal), or ${second}`,
        );
    }
    const simulator = lockHolder(join(stateDir, 'sim', 'lock'));
    if (simulator !== undefined && isProcessAlive(simulator)) {
        lock.release();
        throw new StackError(`a simulator (npm run sim, pid ${simulator}) is using ${stateDir}; stop it, or ${second}`);
    }
    return lock;
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
    const parts: Part[] = [];
    let started = false;
    const launch: Launch = {
        options,
        parts,
        timings: {},
        // Until the stack is up, children's standard output is summarized by the launcher instead of echoed.
        echo: (name) => (line, stream) => {
            if (line.trim() === '' || /^(HOST|SIMULATOR)_READY /.test(line)) return;
            if (started || stream === 'stderr' || name === 'host') options.print(`${PREFIX[name]} ${line}`);
        },
    };
    const stackFile = join(options.stateDir, 'stack.json');
    const appUrl = `http://localhost:${options.appPort}`;
    const lock = claimStateDir(options.stateDir);
    try {
        await assertPortFree(options.appPort);
        // Nothing else runs from this directory (the lock says so): a stack file here is a stopped stack's.
        removeStackFile(stackFile);
        if (options.reset) {
            rmSync(join(options.stateDir, 'azurite'), { recursive: true, force: true });
            options.print(
                `Reset: Azurite's data and the simulator's saved state in ${options.stateDir} are discarded.`,
            );
        }
        const tls = await timed(launch.timings, 'TLS', ensureTlsMaterial(join(options.stateDir, 'tls')));
        const { azurite, simulator } = await startBackingServices(launch, tls, stackFile);
        if (simulator !== undefined) await registerRedirectUris(simulator.stackPart, appUrl);
        const hostEnv = {
            ...process.env,
            NODE_EXTRA_CA_CERTS: simulator?.ready.simulator.caCertPath ?? tls.caCertPath,
            AzureWebJobsStorage: azurite.connectionString,
            PUBLIC_BASE_URL: appUrl,
            // The sync timer's %SYNC_SCHEDULE% must resolve (Bicep sets it in Azure): every 15 minutes
            // locally, so a connected tenant is seen to sync by itself; the environment may say otherwise.
            SYNC_SCHEDULE: process.env.SYNC_SCHEDULE ?? '0 */15 * * * *',
            // The simulator's endpoints and app registration win over anything in the environment.
            ...(simulator?.stackPart.appSettings ?? {}),
        };
        const host = await timed(launch.timings, 'host', startHostChild(launch, hostEnv, appUrl));

        const stack = buildStackFile({
            appUrl,
            storage: {
                connectionString: azurite.connectionString,
                blobUrl: azurite.blobUrl,
                queueUrl: azurite.queueUrl,
                tableUrl: azurite.tableUrl,
            },
            simulator: simulator?.stackPart,
            pids: {
                launcher: process.pid,
                azurite: azurite.pid,
                ...(simulator === undefined ? {} : { simulator: simulator.child.pid }),
                host: host.pid,
            },
        });
        writeStackFile(stackFile, stack);
        started = true;

        let stopping: Promise<void> | undefined;
        const stop = () => (stopping ??= stopParts(parts).finally(() => lock.release()));
        const crashed = new Promise<PartCrash>((resolve) => {
            for (const part of parts) {
                void part.exited.then((exit) => {
                    if (stopping !== undefined) return;
                    resolve({ name: part.name, pid: part.pid, exit, lastLines: part.recentLines() });
                    void stop();
                });
            }
        });
        const restored = simulator?.ready.state?.restored ?? false;
        return { timings: launch.timings, appUrl, stackFile, stack, restored, crashed, stop };
    } catch (error) {
        await stopParts(parts);
        // The directory is ours: leave no stack file describing processes that never came up.
        removeStackFile(stackFile);
        lock.release();
        throw error;
    }
}
