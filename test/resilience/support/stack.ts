/**
 * The product as it runs locally, for the resilience suite: Azurite, the cloud simulator and one or more
 * local Functions hosts, each a real child process (the hosts run the built app — `npm run build` — in a
 * worker child of their own). The test process reads and writes the tables with the product's own
 * services built against the same Azurite, and drives the simulator through its control API.
 *
 *   let stack: ResilienceStack;
 *   beforeAll(async () => (stack = await startStack({ suite: 'crash' })));
 *   afterAll(() => stack.stop());
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';

import { startAzurite, type RunningAzurite } from '../../../dev/azurite/azurite';
import { buildServices, type Services } from '../../../src/app/services';
import { loadConfig } from '../../../src/config';
import { newTenantRecord, type TenantRecord, TenantStatus, changeStatus } from '../../../src/tenants';
import { getFreePort } from '../../support/freePort';
import { waitFor } from '../../support/poll';
import { REPO_ROOT, TestProcess } from '../../support/processes';
import type { Credentials } from '../../support/simulator';
import { type ControlAnswer, type Json, simulatorControl } from '../../support/simulatorControl';
import { LogCollector } from './logs';

/** Never within a test run: scenarios that want the timer say so. */
export const TIMER_NEVER = '0 0 0 1 1 *';

export interface StackOptions {
    /** Names the log folder (`.local/resilience/logs/<suite>`) and seeds the simulator. */
    suite: string;
    hosts?: number;
    /** App settings for every host, over the defaults below. */
    settings?: Record<string, string>;
    /** Simulated Graph page latency: a fixed part per page and a part per user on it. */
    latency?: { fixedMs: number; perUserMs: number };
    /** Azurite keeps its data on disk (so it can be stopped and started again with everything in it). */
    persistedAzurite?: boolean;
    /** The hosts' message lease (`--message-lease-seconds`): how soon a dead host's messages come back. */
    messageLeaseSeconds?: number;
}

interface OperationsClient {
    clientId: string;
    clientSecret: string;
    tenantId: string;
    scope: string;
}

interface SimulatorStack {
    simulator: { authorityHost: string; graphBaseUrl: string; controlUrl: string; caCertPath: string };
    publisher: { tenantId: string; appClientId: string };
    operationsClient: OperationsClient;
    appSettings: Record<string, string>;
}

export interface KilledWorker {
    pid: number;
    /** When the SIGKILL was sent (ms since the epoch). */
    at: number;
    /** The replacement worker's pid, once it has loaded the app. */
    replacementPid: number;
}

/** One local Functions host process serving the app. */
export class AppHost {
    readonly url: string;
    #workerPid = 0;

    constructor(
        readonly name: string,
        readonly process: TestProcess,
        readonly port: number,
    ) {
        this.url = `http://localhost:${port}`;
    }

    async ready(): Promise<void> {
        const [, json = '{}'] = await this.process.waitForLine(/^HOST_READY (.*)$/, 60_000);
        this.#workerPid = (JSON.parse(json) as { workerPid: number }).workerPid;
    }

    /** The pid of the worker process that runs the app now. */
    get workerPid(): number {
        const workers = this.process.matching(/^HOST_WORKER (.*)$/);
        const last = workers[workers.length - 1];
        return last === undefined ? this.#workerPid : (JSON.parse(last[1] ?? '{}') as { pid: number }).pid;
    }

    /** SIGKILL to the worker process; resolves once the host has a new worker with the app loaded. */
    async killWorker(): Promise<KilledWorker> {
        const pid = this.workerPid;
        const before = this.process.matching(/^HOST_WORKER /).length;
        const at = Date.now();
        process.kill(pid, 'SIGKILL');
        const replacementPid = await waitFor(
            () => `a new worker in ${this.name} after killing ${pid}\n${this.process.output(20)}`,
            () => (this.process.matching(/^HOST_WORKER /).length > before ? this.workerPid : undefined),
            { timeoutMs: 60_000, whileRunning: this.process.child },
        );
        return { pid, at, replacementPid };
    }

    stop(): Promise<void> {
        return this.process.stop();
    }
}

export interface ApiAnswer {
    status: number;
    headers: Headers;
    text: string;
    body: Json;
}

export interface ResilienceStack {
    logs: LogCollector;
    azurite: RunningAzurite;
    hosts: AppHost[];
    /** The product's services in the test process, on the same Azurite (tables and queue). */
    services: Services;
    /** What the harness in test/support/syncHarness.ts needs: the simulator's control API. */
    sim: {
        control(method: string, path: string, body?: unknown): Promise<ControlAnswer>;
        controlGet(path: string): Promise<Json>;
        /** Requests the simulator answered after `since` (its request log). */
        requestsSince(since: number, service?: string): Promise<Json[]>;
        lastRequestSeq(): Promise<number>;
    };
    simulator: TestProcess;
    /** The simulator's stack file: endpoints, our app, the operations client (with its secret), app settings. */
    simStack: SimulatorStack;
    /** Files the simulator keeps its state in (signing keys included). */
    simStateFile: string;
    /** App settings every host got. */
    settings: Record<string, string>;
    /** A token for the operations API (client credentials of the operations client); remembered as a secret. */
    operationsToken(): Promise<string>;
    /** Secrets the scenario saw (tokens, cookies, codes), by name: no log may contain them. */
    secrets: Map<string, string>;
    /** One HTTP request to a host. */
    request(host: AppHost, method: string, path: string, init?: RequestInit): Promise<ApiAnswer>;
    /** A new customer tenant in the simulator. */
    createTenant(displayName: string, userCount: number): Promise<string>;
    /** A new customer tenant with its seeded administrator and ordinary user. */
    createTenantWithPeople(
        displayName: string,
        userCount: number,
    ): Promise<{ id: string; admin: Credentials; user: Credentials }>;
    /** Consent in the simulator and an `active` Tenants row, as the connect flow leaves them. */
    connectTenant(tenantId: string, options?: { consentedAt?: Date }): Promise<void>;
    tenant(tenantId: string): Promise<TenantRecord | undefined>;
    /** Stops Azurite (its data stays on disk with persistedAzurite). */
    stopAzurite(): Promise<void>;
    /** Starts Azurite again on the same ports (and, with persistedAzurite, the same data). */
    startAzuriteAgain(): Promise<void>;
    /** Starts one more host with the same settings. */
    addHost(): Promise<AppHost>;
    stop(): Promise<void>;
}

async function startSimulatorProcess(
    options: StackOptions,
    logs: LogCollector,
    stateDir: string,
): Promise<{ process: TestProcess; stack: SimulatorStack }> {
    const stackFile = join(stateDir, 'stack.json');
    const latency = options.latency
        ? [
              ...['--page-latency-ms', String(options.latency.fixedMs)],
              ...['--per-user-latency-ms', String(options.latency.perUserMs)],
          ]
        : [];
    const simulator = new TestProcess('simulator', 'dev/sim/main.ts', [
        ...['--ports', '0', '--seed', `resilience-${options.suite}`],
        ...['--stack-file', stackFile, '--state-dir', stateDir, '--reset'],
        ...latency,
    ]);
    logs.track('simulator', simulator.lines);
    try {
        await simulator.waitForLine(/^SIMULATOR_READY /, 60_000);
    } catch (error) {
        await simulator.stop();
        throw error;
    }
    return { process: simulator, stack: JSON.parse(readFileSync(stackFile, 'utf8')) as SimulatorStack };
}

export async function startStack(options: StackOptions): Promise<ResilienceStack> {
    const logs = new LogCollector(options.suite);
    const stateDir = mkdtempSync(join(tmpdir(), `resilience-${options.suite}-`));
    const azuriteDir = options.persistedAzurite ? join(stateDir, 'azurite') : undefined;
    let azuriteStarts = 0;
    const launchAzurite = (ports: { blobPort: number; queuePort: number; tablePort: number }) => {
        azuriteStarts += 1;
        return startAzurite({
            ...(azuriteDir === undefined ? { inMemory: true } : { location: azuriteDir }),
            ...ports,
            onLine: logs.sink(`azurite-${azuriteStarts}`),
        });
    };
    const stopping: (() => Promise<unknown>)[] = [];
    let stopped: Promise<void> | undefined;
    const stopAll = () =>
        (stopped ??= (async () => {
            for (const stop of [...stopping].reverse()) await stop().catch(() => undefined);
            logs.flush();
            rmSync(stateDir, { recursive: true, force: true });
        })());

    try {
        const [first, sim] = await Promise.all([
            launchAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
            startSimulatorProcess(options, logs, stateDir),
        ]);
        let azurite = first;
        stopping.push(() => azurite.stop());
        stopping.push(() => sim.process.stop());
        const simStack = sim.stack;
        const controlUrl = simStack.simulator.controlUrl;

        const settings: Record<string, string> = {
            AzureWebJobsStorage: azurite.connectionString,
            SYNC_SCHEDULE: TIMER_NEVER,
            // A failed delivery comes back after a second, not host.json's 30 (the retry count stays as configured).
            AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:01',
            ...simStack.appSettings,
            ...options.settings,
        };

        const hosts: AppHost[] = [];
        let hostsStarted = 0;
        const addHost = async (): Promise<AppHost> => {
            hostsStarted += 1;
            const name = `host-${hostsStarted}`;
            const port = await getFreePort();
            const child = new TestProcess(
                name,
                'dev/host/main.ts',
                [
                    ...['--app-dir', REPO_ROOT, '--port', String(port)],
                    ...['--message-lease-seconds', String(options.messageLeaseSeconds ?? 2)],
                ],
                {
                    ...settings,
                    PUBLIC_BASE_URL: `http://localhost:${port}`,
                    NODE_EXTRA_CA_CERTS: simStack.simulator.caCertPath,
                },
            );
            const host = new AppHost(name, child, port);
            stopping.push(() => host.stop());
            logs.track(name, child.lines);
            // The app registration must know this host's redirect URIs (the seeded ones are on port 7071).
            for (const path of ['auth/callback', 'connect/callback']) {
                const registered = await fetch(
                    `${simStack.simulator.controlUrl}/control/identity/apps/${simStack.publisher.appClientId}/redirect-uris`,
                    { method: 'POST', body: JSON.stringify({ uri: `http://localhost:${port}/${path}` }) },
                );
                if (!registered.ok) throw new Error(`registering a redirect URI: ${registered.status}`);
            }
            await host.ready();
            hosts.push(host);
            return host;
        };
        // Started side by side; all settle before a failure is reported, so none is left running untracked.
        const starts = await Promise.allSettled(Array.from({ length: options.hosts ?? 1 }, () => addHost()));
        const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
        hosts.sort((a, b) => a.name.localeCompare(b.name));

        const services = buildServices(
            loadConfig({ ...settings, PUBLIC_BASE_URL: hosts[0]?.url ?? 'http://localhost:7071' }),
        );

        const controlApi = simulatorControl(controlUrl);
        const { control, controlGet } = controlApi;

        const ops = simStack.operationsClient;
        const loginHost = new URL(simStack.simulator.authorityHost).host;
        const opsClient = new ConfidentialClientApplication({
            auth: {
                clientId: ops.clientId,
                clientSecret: ops.clientSecret,
                authority: `${simStack.simulator.authorityHost}/${ops.tenantId}`,
                knownAuthorities: [loginHost],
            },
            system: { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => undefined } },
        });

        const stack: ResilienceStack = {
            logs,
            get azurite() {
                return azurite;
            },
            hosts,
            services,
            sim: {
                control,
                controlGet,
                requestsSince: controlApi.requestsSince,
                lastRequestSeq: controlApi.lastRequestSeq,
            },
            simulator: sim.process,
            simStack,
            simStateFile: join(stateDir, 'sim', 'state.json'),
            settings,
            async operationsToken() {
                const result = await opsClient.acquireTokenByClientCredential({ scopes: [ops.scope] });
                if (!result) throw new Error('MSAL returned no token');
                stack.secrets.set(`operations token ${result.accessToken.slice(-8)}`, result.accessToken);
                return result.accessToken;
            },
            secrets: new Map(),
            async request(host, method, path, init = {}) {
                const response = await fetch(`${host.url}${path}`, { method, redirect: 'manual', ...init });
                const text = await response.text();
                let body: Json;
                try {
                    body = text === '' ? undefined : JSON.parse(text);
                } catch {
                    body = undefined;
                }
                return { status: response.status, headers: response.headers, text, body };
            },
            async createTenant(displayName, userCount) {
                return (await stack.createTenantWithPeople(displayName, userCount)).id;
            },
            async createTenantWithPeople(displayName, userCount) {
                const answer = await control('POST', '/control/tenants', { displayName, userCount });
                if (answer.status !== 201)
                    throw new Error(`create tenant: ${answer.status} ${JSON.stringify(answer.body)}`);
                return answer.body as { id: string; admin: Credentials; user: Credentials };
            },
            async connectTenant(tenantId, connectOptions = {}) {
                const consent = await control('POST', `/control/tenants/${tenantId}/consent`, {});
                if (consent.status !== 200) throw new Error(`consent failed: ${JSON.stringify(consent.body)}`);
                // Outside the consent grace window unless asked otherwise: a refusal means what it says.
                const at = connectOptions.consentedAt ?? new Date(Date.now() - 24 * 3600_000);
                await services.tenants.upsert(
                    tenantId,
                    () => ({
                        ...newTenantRecord(tenantId, tenantId, TenantStatus.active, at),
                        consentedAt: at.toISOString(),
                    }),
                    (current) => ({
                        ...current,
                        ...changeStatus(current, { status: TenantStatus.active }, new Date()),
                        consentedAt: at.toISOString(),
                    }),
                );
            },
            async tenant(tenantId) {
                return (await services.tenants.get(tenantId))?.record;
            },
            async stopAzurite() {
                await azurite.stop();
            },
            async startAzuriteAgain() {
                const ports = {
                    blobPort: Number(new URL(azurite.blobUrl).port),
                    queuePort: Number(new URL(azurite.queueUrl).port),
                    tablePort: Number(new URL(azurite.tableUrl).port),
                };
                azurite = await launchAzurite(ports);
            },
            addHost,
            stop: stopAll,
        };
        return stack;
    } catch (error) {
        await stopAll();
        throw error;
    }
}
