/**
 * The product's services built by the real composition root against Azurite (in memory, free
 * ports) and the in-process simulator, as `npm start` wires them:
 *
 *   let world: ProductWorld;
 *   beforeAll(async () => (world = await startProductWorld()));
 *   afterAll(() => world.stop());
 */
import { ManagedIdentityCredential } from '@azure/identity';

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
    /** Another set of services on the same config (a second instance of the app). */
    newServices(overrides?: ServiceOverrides, settings?: Record<string, string>): Services;
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
    const build = (overrides: ServiceOverrides = {}, extra: Record<string, string> = {}) => {
        const config = loadConfig({ ...settings, ...extra });
        return buildServices(config, {
            credential: new ManagedIdentityCredential({ clientId: app.AZURE_CLIENT_ID }),
            ...overrides,
        });
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
