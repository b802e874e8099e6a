/**
 * The product's services built by the real composition root against Azurite (in memory, free
 * ports) and the in-process simulator, as `npm start` wires them:
 *
 *   let world: ProductWorld;
 *   beforeAll(async () => (world = await startProductWorld()));
 *   afterAll(() => world.stop());
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';

import { startAzurite, type RunningAzurite } from '../../dev/azurite/azurite';
import type { SimulatorOptions } from '../../dev/sim/simulator';
import { buildServices, type ServiceOverrides, type Services } from '../../src/app/services';
import { type AppConfig, loadConfig } from '../../src/config';
import { startTestSimulator, type TestSimulator } from './simulator';

export const PUBLIC_BASE_URL = 'http://localhost:7071';

export interface ProductWorld {
    sim: TestSimulator;
    azurite: RunningAzurite;
    /** The app settings `npm start` would give the host. */
    settings: Record<string, string>;
    config: AppConfig;
    services: Services;
    /**
     * Another set of services (a second instance of the app), with other settings, or with
     * `tune` changing the validated configuration beyond what the schema allows (a 1-second time budget).
     */
    newServices(
        overrides?: ServiceOverrides,
        settings?: Record<string, string>,
        tune?: (config: AppConfig) => AppConfig,
    ): Services;
    stop(): Promise<void>;
}

export async function startProductWorld(
    options: { simulator?: SimulatorOptions; settings?: Record<string, string> } = {},
): Promise<ProductWorld> {
    const [sim, azurite] = await Promise.all([
        startTestSimulator(options.simulator),
        startAzurite({ inMemory: true, blobPort: 0, queuePort: 0, tablePort: 0 }),
    ]);
    const app = sim.sim.stackInfo.appSettings;
    // @azure/identity reads the managed-identity endpoint from the environment, as on App Service.
    process.env.IDENTITY_ENDPOINT = app.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = app.IDENTITY_HEADER;
    const settings: Record<string, string> = {
        AzureWebJobsStorage: azurite.connectionString,
        PUBLIC_BASE_URL,
        APP_CLIENT_ID: app.APP_CLIENT_ID,
        APP_TENANT_ID: app.APP_TENANT_ID,
        KEY_VAULT_URL: app.KEY_VAULT_URL,
        AUTHORITY_HOST: app.AUTHORITY_HOST,
        GRAPH_BASE_URL: app.GRAPH_BASE_URL,
        AZURE_CLIENT_ID: app.AZURE_CLIENT_ID,
        ...options.settings,
    };
    // The real credential caches tokens by the real clock (process-wide, in MSAL); tests that move the
    // simulator's clock by days need tokens that are fresh for it. This one asks the same managed
    // identity endpoint every time, exactly as @azure/identity does, without the cache.
    const managedIdentity: TokenCredential = {
        async getToken(scopes): Promise<AccessToken> {
            const resource = (Array.isArray(scopes) ? scopes[0] : scopes)?.replace(/\/\.default$/, '') ?? '';
            const query = new URLSearchParams({
                'api-version': '2019-08-01',
                resource,
                client_id: app.AZURE_CLIENT_ID,
            });
            const response = await fetch(`${app.IDENTITY_ENDPOINT}?${query.toString()}`, {
                headers: { 'X-IDENTITY-HEADER': app.IDENTITY_HEADER },
            });
            const body = (await response.json()) as { access_token: string; expires_on: string };
            return { token: body.access_token, expiresOnTimestamp: Number(body.expires_on) * 1000 };
        },
    };
    const build = (
        overrides: ServiceOverrides = {},
        extra: Record<string, string> = {},
        tune: (config: AppConfig) => AppConfig = (config) => config,
    ) => {
        const config = tune(loadConfig({ ...settings, ...extra }));
        return buildServices(config, { credential: managedIdentity, ...overrides });
    };
    const services = build();
    await services.storage.ensureCreated();
    return {
        sim,
        azurite,
        settings,
        config: services.config,
        services,
        newServices: build,
        async stop() {
            await Promise.all([sim.stop(), azurite.stop()]);
        },
    };
}
