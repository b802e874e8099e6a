/**
 * Composition root of the local cloud: one ServiceHost per service (its own origin), the seeded
 * directory, identity (login, Key Vault, managed identity), Graph and the control API.
 */
import { DEFAULT_TLS_DIR, ensureTlsMaterial, type TlsMaterial } from '../tls/certificates';
import { createControl } from './control';
import { SimClock } from './core/clock';
import { FaultRegistry } from './core/faults';
import { type ServiceDefinition, ServiceHost, type ServiceName } from './core/http';
import { IdFactory } from './core/ids';
import { RequestLog } from './core/requestLog';
import {
    DEFAULT_WORLD,
    Directory,
    type SeededWorld,
    seedWorld,
    type TenantDirectory,
    type WorldSpec,
} from './directory';
import { createGraph, type GraphService, type GraphSettingsInput } from './graph';
import { createIdentity, type IdentityModule, type IdentityOptions } from './identity';
import { applyState, captureState, type SavedState } from './state/savedState';
import { SimulatorStateDirectory } from './state/stateDirectory';

/** Ports used by `npm start` / `npm run sim`; tests pass 0 for free ports. */
export const DEFAULT_PORTS: Record<ServiceName, number> = {
    login: 8443,
    graph: 8444,
    vault: 8445,
    msi: 8446,
    control: 8447,
};

export interface SimulatorOptions {
    /** Everything generated (ids, users, passwords, secrets) derives from it. Default 'tenant-sync'. */
    seed?: string;
    world?: WorldSpec;
    /** 0 = free ports for every service; or per service. Default DEFAULT_PORTS. */
    ports?: 0 | Partial<Record<ServiceName, number>>;
    /** TLS material to serve with; otherwise made or reused under `tlsDir` (default .local/tls). */
    tls?: TlsMaterial;
    tlsDir?: string;
    graph?: GraphSettingsInput;
    /**
     * Keep the mutable state in `<stateDir>/sim/state.json` across runs (restored at start, saved as it
     * changes and on stop); without it every start rebuilds the world from the seed.
     */
    stateDir?: string;
    /** With stateDir: discard the saved state first. */
    reset?: boolean;
    /** Seam for tests of one half without the other; defaults to the real identity module. */
    createIdentity?: (options: IdentityOptions) => IdentityModule;
}

export interface StackTenant {
    id: string;
    displayName: string;
    userCount: number;
    admin: { username: string; password: string } | null;
    user: { username: string; password: string } | null;
}

/** What `npm run sim` prints after SIMULATOR_READY and writes into .local/stack.json. */
export interface StackInfo {
    simulator: {
        authorityHost: string;
        graphBaseUrl: string;
        keyVaultUrl: string;
        controlUrl: string;
        caCertPath: string;
        managedIdentityEndpoint: string;
    };
    publisher: IdentityModule['publisher'];
    operationsClient: IdentityModule['operationsClient'];
    tenants: StackTenant[];
    appSettings: IdentityModule['appSettings'];
}

export interface RunningSimulator {
    origins: Record<ServiceName, string>;
    seed: string;
    ids: IdFactory;
    clock: SimClock;
    faults: FaultRegistry;
    log: RequestLog;
    directory: Directory;
    world: SeededWorld;
    identity: IdentityModule;
    graph: GraphService;
    /** The control API's routes (for tools and tests that walk them). */
    control: ServiceDefinition;
    tls: TlsMaterial;
    stackInfo: StackInfo;
    /** The state directory in use (stateDir given), with `flush()` to save now. */
    state: SimulatorStateDirectory | undefined;
    /** Whether this start continued from saved state. */
    restored: boolean;
    stop(): Promise<void>;
}

/** Requests that may change what is saved: control writes, sign-in and consent forms, Key Vault writes. */
function mayChangeState(service: ServiceName, method: string): boolean {
    return (
        method !== 'GET' && method !== 'HEAD' && (service === 'control' || service === 'login' || service === 'vault')
    );
}

const SERVICES: readonly ServiceName[] = ['login', 'graph', 'vault', 'msi', 'control'];

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
    const seed = options.seed ?? 'tenant-sync';
    const worldSpec = options.world ?? DEFAULT_WORLD;
    const tls = options.tls ?? (await ensureTlsMaterial(options.tlsDir ?? DEFAULT_TLS_DIR));
    const ids = new IdFactory(seed);
    const clock = new SimClock();
    const faults = new FaultRegistry(seed);
    const log = new RequestLog();

    // Taken before anything listens, so a second simulator on the same state directory fails at once.
    const parts: { current?: Parameters<typeof captureState>[0] } = {};
    const stateDir =
        options.stateDir === undefined
            ? undefined
            : new SimulatorStateDirectory(options.stateDir, () => {
                  if (!parts.current) throw new Error('the simulator is not started yet');
                  return captureState(parts.current);
              });
    let saved: SavedState | undefined;
    if (stateDir) {
        stateDir.open();
        try {
            if (options.reset) stateDir.reset();
            saved = stateDir.load(seed, worldSpec);
        } catch (error) {
            stateDir.release();
            throw error;
        }
    }

    const hosts = {} as Record<ServiceName, ServiceHost>;
    for (const service of SERVICES) {
        const port = options.ports === 0 ? 0 : (options.ports?.[service] ?? DEFAULT_PORTS[service]);
        const secure = service === 'login' || service === 'graph' || service === 'vault';
        hosts[service] = new ServiceHost({
            service,
            port,
            clock,
            log,
            ...(secure ? { tls: { key: tls.key, cert: tls.cert } } : {}),
            ...(service === 'control' ? {} : { faults }),
            ...(stateDir
                ? { onAnswered: (request) => mayChangeState(service, request.method) && stateDir.changed() }
                : {}),
        });
    }
    const stopAll = () => Promise.all(SERVICES.map((s) => hosts[s].close())).then(() => undefined);
    try {
        // Listen first: issuers, links and secret ids all carry the origins.
        for (const service of SERVICES) await hosts[service].listen();
    } catch (error) {
        await stopAll();
        stateDir?.release();
        throw error;
    }
    const origins = Object.fromEntries(SERVICES.map((s) => [s, hosts[s].origin])) as Record<ServiceName, string>;

    const directory = new Directory(ids, clock, seed);
    const world = seedWorld(directory, ids, worldSpec);
    const identity = (options.createIdentity ?? createIdentity)({
        ids,
        clock,
        directory,
        origins: { login: origins.login, vault: origins.vault, msi: origins.msi, graph: origins.graph },
        publisherTenantId: world.publisher.record.id,
    });
    const graph = createGraph({
        origin: origins.graph,
        loginOrigin: origins.login,
        clock,
        ids,
        directory,
        tokens: identity.tokens,
        ...(options.graph ? { settings: options.graph } : {}),
    });
    parts.current = { seed, world: worldSpec, clock, ids, directory, identity, graph };
    if (saved) applyState(parts.current, saved, options.graph);
    hosts.login.mount(identity.login);
    hosts.vault.mount(identity.vault);
    hosts.msi.mount(identity.managedIdentity);
    hosts.graph.mount(graph.definition);
    const control = createControl({ seed, origins, clock, directory, faults, log, graph, contributors: [identity] });
    hosts.control.mount(control);

    const stackInfo: StackInfo = {
        simulator: {
            authorityHost: origins.login,
            graphBaseUrl: origins.graph,
            keyVaultUrl: origins.vault,
            controlUrl: origins.control,
            caCertPath: tls.caCertPath,
            managedIdentityEndpoint: identity.appSettings.IDENTITY_ENDPOINT,
        },
        publisher: identity.publisher,
        operationsClient: identity.operationsClient,
        tenants: world.customers.map(stackTenant),
        appSettings: identity.appSettings,
    };

    // The file exists (with this seed and world) from the first start on.
    stateDir?.changed();
    const stop = async () => {
        await stopAll();
        await stateDir?.close();
    };

    return {
        origins,
        seed,
        ids,
        clock,
        faults,
        log,
        directory,
        world,
        identity,
        graph,
        control,
        tls,
        stackInfo,
        state: stateDir,
        restored: saved !== undefined,
        stop,
    };
}

function stackTenant(tenant: TenantDirectory): StackTenant {
    return {
        id: tenant.record.id,
        displayName: tenant.record.displayName,
        userCount: tenant.userCount,
        admin: tenant.seededCredentials(0) ?? null,
        user: tenant.seededCredentials(1) ?? null,
    };
}
