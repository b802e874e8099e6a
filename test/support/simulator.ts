/**
 * Starts the local cloud simulator in-process for one test file: free ports, a small seeded world,
 * and helpers that use the real client libraries (MSAL for tokens, fetch for Graph).
 *
 *   let sim: TestSimulator;
 *   beforeAll(async () => (sim = await startTestSimulator()));
 *   afterAll(() => sim.stop());
 *
 * Run jest with NODE_EXTRA_CA_CERTS pointing at the local CA (npm test does), after `npx tsx dev/tls/main.ts`.
 */
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';

import type { WorldSpec } from '../../dev/sim/directory';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '../../dev/sim/simulator';

/** Small enough to start in milliseconds, big enough to page: 25 (small tier) and 120 (medium tier) users. */
export const TEST_WORLD: WorldSpec = {
    publisher: { displayName: 'Tenant Sync Publisher', userCount: 4, customDomain: 'tenantsync.example', region: 'EU' },
    customers: [
        { displayName: 'Fabrikam', userCount: 25, customDomain: 'fabrikam.com', region: 'EU' },
        { displayName: 'Contoso', userCount: 120, customDomain: 'contoso.com', region: 'NA' },
    ],
    personalAccounts: true,
};

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Untyped JSON from the simulator: the suites assert on its shape, which is the point. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ControlAnswer {
    status: number;
    body: Json;
    headers: Headers;
}

export interface TestSimulator {
    sim: RunningSimulator;
    origins: RunningSimulator['origins'];
    /** Customer tenant id by display name (from the seeded world or created through the control API). */
    tenantId(displayName: string): string;
    /** JSON call to the control API. */
    control(method: string, path: string, body?: unknown): Promise<ControlAnswer>;
    /** Our multi-tenant app's client id and a client secret valid for it. */
    appCredentials(): Promise<{ clientId: string; clientSecret: string }>;
    /** Admin consent for our app in a tenant (Graph `User.Read.All` unless `roles` is given). */
    consent(tenantId: string, roles?: string[]): Promise<void>;
    /** A Graph app-only token for the tenant through MSAL client credentials (consents first if needed). */
    graphToken(tenantId: string, options?: { skipCache?: boolean }): Promise<string>;
    /** fetch against the Graph origin; `path` may be absolute (a nextLink) or start with /v1.0. */
    graph(path: string, options?: { token?: string; headers?: Record<string, string> }): Promise<Response>;
    stop(): Promise<void>;
}

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<TestSimulator> {
    if (!process.env.NODE_EXTRA_CA_CERTS)
        throw new Error(
            'Set NODE_EXTRA_CA_CERTS to the simulator CA before jest starts (npm test does; or `NODE_EXTRA_CA_CERTS=.local/tls/ca.pem npx jest …`).',
        );
    const sim = await startSimulator({ seed: 'test', ports: 0, world: TEST_WORLD, ...options });
    const consented = new Set<string>();
    let credentials: Promise<{ clientId: string; clientSecret: string }> | undefined;
    let msal: Promise<ConfidentialClientApplication> | undefined;

    const control = async (method: string, path: string, body?: unknown): Promise<ControlAnswer> => {
        const response = await fetch(`${sim.origins.control}${path}`, {
            method,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        const text = await response.text();
        return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
    };

    const appCredentials = () => {
        credentials ??= (async () => {
            const clientId = sim.identity.publisher.appClientId;
            // The seeded secret lives only in the simulator's Key Vault; add a second one for tests.
            const rotated = await control('POST', `/control/identity/apps/${clientId}/secrets/rotate`, {
                keepPrevious: true,
            });
            if (rotated.status !== 200) throw new Error(`could not get an app secret: ${JSON.stringify(rotated.body)}`);
            return { clientId, clientSecret: rotated.body.secret.value as string };
        })();
        return credentials;
    };

    const consent = async (tenantId: string, roles?: string[]) => {
        const answer = await control('POST', `/control/tenants/${tenantId}/consent`, roles ? { roles } : {});
        if (answer.status !== 200) throw new Error(`consent failed: ${JSON.stringify(answer.body)}`);
        consented.add(tenantId);
    };

    const client = () => {
        msal ??= appCredentials().then(
            ({ clientId, clientSecret }) =>
                new ConfidentialClientApplication({
                    auth: {
                        clientId,
                        clientSecret,
                        authority: `${sim.origins.login}/organizations`,
                        knownAuthorities: [new URL(sim.origins.login).host],
                    },
                    system: { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => undefined } },
                }),
        );
        return msal;
    };

    const graphToken = async (tenantId: string, tokenOptions: { skipCache?: boolean } = {}) => {
        if (!consented.has(tenantId)) await consent(tenantId);
        const result = await (
            await client()
        ).acquireTokenByClientCredential({
            scopes: [GRAPH_SCOPE],
            authority: `${sim.origins.login}/${tenantId}`,
            ...(tokenOptions.skipCache ? { skipCache: true } : {}),
        });
        if (!result) throw new Error('MSAL returned no token');
        return result.accessToken;
    };

    return {
        sim,
        origins: sim.origins,
        tenantId(displayName) {
            const tenant = sim.directory.tenants().find((t) => t.record.displayName === displayName);
            if (!tenant) throw new Error(`no tenant named ${displayName}`);
            return tenant.record.id;
        },
        control,
        appCredentials,
        consent,
        graphToken,
        graph(path, graphOptions = {}) {
            const url = path.startsWith('https://') ? path : `${sim.origins.graph}${path}`;
            return fetch(url, {
                headers: {
                    ...(graphOptions.token ? { authorization: `Bearer ${graphOptions.token}` } : {}),
                    ...graphOptions.headers,
                },
            });
        },
        stop: () => sim.stop(),
    };
}
