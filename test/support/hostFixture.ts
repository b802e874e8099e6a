import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';

import { type RunningAzurite, startAzurite } from '../../dev/azurite/azurite';
import { type HostProcess, startHostProcess } from './processes';

export const FIXTURE_APP_DIR = 'test/fixtures/host-app';

export interface FixtureHost {
    azurite: RunningAzurite;
    host: HostProcess;
    /** A client for a queue in this test's Azurite, created if missing. */
    queue(name: string): Promise<QueueClient>;
    stop(): Promise<void>;
}

/**
 * In-memory Azurite on free ports plus the local host (a child process) running the fixture app against
 * it. Settings come from the fixture's settings file, overlaid by `env` (the environment wins); `args` are
 * extra host options (e.g. `--verbose`).
 */
export async function startFixtureHost(env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<FixtureHost> {
    const azurite = await startAzurite({ inMemory: true, blobPort: 0, queuePort: 0, tablePort: 0 });
    let host: HostProcess;
    try {
        host = await startHostProcess(
            ['--app-dir', FIXTURE_APP_DIR, '--settings', `${FIXTURE_APP_DIR}/fixture.settings.json`, ...args],
            { AzureWebJobsStorage: azurite.connectionString, ...env },
        );
    } catch (error) {
        await azurite.stop();
        throw error;
    }
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    return {
        azurite,
        host,
        queue: async (name) => {
            const client = service.getQueueClient(name);
            await client.createIfNotExists();
            return client;
        },
        stop: async () => {
            await host.stop();
            await azurite.stop();
        },
    };
}

export function base64Json(value: unknown): string {
    return Buffer.from(JSON.stringify(value)).toString('base64');
}

export function fromBase64(text: string): string {
    return Buffer.from(text, 'base64').toString('utf8');
}
