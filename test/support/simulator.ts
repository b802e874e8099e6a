/**
 * The one test harness for the local cloud simulator: started in-process for one test file on free ports
 * with a small seeded world, plus what the suites need to drive it through the real client libraries
 * (MSAL for tokens, fetch for Graph and the control API) and the seeded credentials to sign in with.
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
import { type ControlAnswer, type Json, simulatorControl } from './simulatorControl';

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

/** Redirect URIs registered for our app in the seeded world: sign-in, and the connect (admin consent) flow. */
export const REDIRECT_URI = 'http://localhost:7071/auth/callback';
export const CONNECT_REDIRECT_URI = 'http://localhost:7071/connect/callback';

export type { ControlAnswer, Json } from './simulatorControl';

export interface Credentials {
    username: string;
    password: string;
}

/** A seeded customer tenant with its admin and an ordinary user. */
export interface TenantInfo {
    id: string;
    displayName: string;
    admin: Credentials;
    user: Credentials;
}

/** Which app an MSAL client is for and where it asks; our multi-tenant app at `organizations` by default. */
export interface MsalApp {
    clientId?: string;
    clientSecret?: string;
    /** The authority's tenant segment: a tenant id, `organizations` or `common`. */
    tenant?: string;
}

export interface TestSimulator {
    sim: RunningSimulator;
    origins: RunningSimulator['origins'];
    /** The login origin and its host (MSAL's `knownAuthorities`). */
    login: string;
    loginHost: string;
    publisherTenantId: string;
    /** Our multi-tenant app's client id. */
    appClientId: string;
    /** Our app's seeded client secret, read the way the app does: managed identity → Key Vault. */
    appSecret: string;
    /** The managed identity endpoint's `X-IDENTITY-HEADER` value. */
    identityHeader: string;
    customers: TenantInfo[];
    publisherUser: Credentials;
    personalUser: Credentials;
    /** Customer tenant id by display name (from the seeded world or created through the control API). */
    tenantId(displayName: string): string;
    /** JSON call to the control API (an empty body reads as `{}` there). */
    control(method: string, path: string, body?: unknown): Promise<ControlAnswer>;
    /** GET on the control API: the JSON body, or an error unless it answered 200. */
    controlGet(path: string): Promise<Json>;
    /** Requests the simulator answered after sequence number `since` (GET /control/requests). */
    requestsSince(since: number, service?: string): Promise<Json[]>;
    /** The sequence number of the last request logged so far. */
    lastRequestSeq(): Promise<number>;
    /** Moves the simulator's clock forward. */
    advanceClock(seconds: number): Promise<void>;
    /** An app client id and a second client secret minted for it (the seeded one stays valid). */
    appCredentials(): Promise<{ clientId: string; clientSecret: string }>;
    /** Admin consent for our app in a tenant (Graph `User.Read.All` unless `roles` is given). */
    consent(tenantId: string, roles?: string[]): Promise<void>;
    /** A new MSAL confidential client against the simulator's login origin (MSAL's own log kept quiet). */
    msalClient(app?: MsalApp): ConfidentialClientApplication;
    /** A token for our API as the operations client (client credentials, a new MSAL client: a fresh token each call). */
    operationsToken(): Promise<string>;
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
    try {
        return await harness(sim);
    } catch (error) {
        await sim.stop();
        throw error;
    }
}

async function harness(sim: RunningSimulator): Promise<TestSimulator> {
    const { stackInfo } = sim;
    const login = sim.origins.login;
    const loginHost = new URL(login).host;
    const appClientId = stackInfo.publisher.appClientId;
    const customers = stackInfo.tenants.map((t) => {
        if (!t.admin || !t.user) throw new Error(`tenant ${t.displayName} has no seeded credentials`);
        return { id: t.id, displayName: t.displayName, admin: t.admin, user: t.user };
    });
    const publisherUser = sim.world.publisher.seededCredentials(0);
    const personalUser = sim.world.personal ? sim.directory.findSignInUser('jo.personal@outlook.com') : undefined;
    if (!publisherUser || !personalUser) throw new Error('seeded world lacks a publisher or personal user');
    const seededSecret = await readSeededAppSecret(sim);

    const consented = new Set<string>();
    let credentials: Promise<{ clientId: string; clientSecret: string }> | undefined;
    let appOnlyClient: Promise<ConfidentialClientApplication> | undefined;

    const controlApi = simulatorControl(sim.origins.control);
    const { control, controlGet } = controlApi;

    const msalClient = (app: MsalApp = {}) =>
        new ConfidentialClientApplication({
            auth: {
                clientId: app.clientId ?? appClientId,
                clientSecret: app.clientSecret ?? seededSecret,
                authority: `${login}/${app.tenant ?? 'organizations'}`,
                knownAuthorities: [loginHost],
            },
            system: { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => undefined } },
        });

    const appCredentials = () => {
        credentials ??= (async () => {
            // A secret minted through the control API for graphToken(); keepPrevious leaves the seeded one valid.
            const rotated = await control('POST', `/control/identity/apps/${appClientId}/secrets/rotate`, {
                keepPrevious: true,
            });
            if (rotated.status !== 200) throw new Error(`could not get an app secret: ${JSON.stringify(rotated.body)}`);
            return { clientId: appClientId, clientSecret: rotated.body.secret.value as string };
        })();
        return credentials;
    };

    const consent = async (tenantId: string, roles?: string[]) => {
        const answer = await control('POST', `/control/tenants/${tenantId}/consent`, roles ? { roles } : {});
        if (answer.status !== 200) throw new Error(`consent failed: ${JSON.stringify(answer.body)}`);
        consented.add(tenantId);
    };

    const graphToken = async (tenantId: string, tokenOptions: { skipCache?: boolean } = {}) => {
        if (!consented.has(tenantId)) await consent(tenantId);
        appOnlyClient ??= appCredentials().then((app) => msalClient(app));
        const result = await (
            await appOnlyClient
        ).acquireTokenByClientCredential({
            scopes: [GRAPH_SCOPE],
            authority: `${login}/${tenantId}`,
            ...(tokenOptions.skipCache ? { skipCache: true } : {}),
        });
        if (!result) throw new Error('MSAL returned no token');
        return result.accessToken;
    };

    return {
        sim,
        origins: sim.origins,
        login,
        loginHost,
        publisherTenantId: stackInfo.publisher.tenantId,
        appClientId,
        appSecret: seededSecret,
        identityHeader: stackInfo.appSettings.IDENTITY_HEADER,
        customers,
        publisherUser,
        personalUser: { username: personalUser.userPrincipalName, password: personalUser.password },
        tenantId(displayName) {
            const tenant = sim.directory.tenants().find((t) => t.record.displayName === displayName);
            if (!tenant) throw new Error(`no tenant named ${displayName}`);
            return tenant.record.id;
        },
        control,
        controlGet,
        requestsSince: controlApi.requestsSince,
        lastRequestSeq: controlApi.lastRequestSeq,
        async advanceClock(seconds) {
            const answer = await control('POST', '/control/clock', { advanceSeconds: seconds });
            if (answer.status !== 200) throw new Error(`clock: ${answer.status}`);
        },
        appCredentials,
        consent,
        msalClient,
        async operationsToken() {
            const ops = stackInfo.operationsClient;
            const result = await msalClient({
                clientId: ops.clientId,
                clientSecret: ops.clientSecret,
                tenant: ops.tenantId,
            }).acquireTokenByClientCredential({ scopes: [ops.scope] });
            if (!result) throw new Error('MSAL returned no token');
            return result.accessToken;
        },
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

async function readSeededAppSecret(sim: RunningSimulator): Promise<string> {
    const {
        IDENTITY_ENDPOINT: endpoint,
        IDENTITY_HEADER: header,
        AZURE_CLIENT_ID: clientId,
    } = sim.stackInfo.appSettings;
    // The function app's identity is user-assigned: requests name it by client id.
    const query = new URLSearchParams({
        'api-version': '2019-08-01',
        resource: 'https://vault.azure.net',
        client_id: clientId,
    });
    const tokenResponse = await fetch(`${endpoint}?${query.toString()}`, { headers: { 'X-IDENTITY-HEADER': header } });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const secret = await fetch(`${sim.origins.vault}/secrets/graph-client-secret/?api-version=2025-07-01`, {
        headers: { authorization: `Bearer ${token}` },
    });
    if (secret.status !== 200) throw new Error(`could not read the seeded app secret: ${secret.status}`);
    return ((await secret.json()) as { value: string }).value;
}

/** Our app's service principal in a tenant, from GET /control/state. */
export function servicePrincipal(state: Json, tenantId: string, appId: string): Json {
    return (state.servicePrincipals as Json[]).find((sp) => sp.tenantId === tenantId && sp.appId === appId);
}
