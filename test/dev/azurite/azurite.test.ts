import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { QueueServiceClient } from '@azure/storage-queue';

import { type RunningAzurite, startAzurite } from '../../../dev/azurite/azurite';
import { isPortOpen } from '../../support/freePort';
import { isProcessAlive, waitFor } from '../../support/poll';
import { TestProcess } from '../../support/processes';

const FREE = { blobPort: 0, queuePort: 0, tablePort: 0 };
const started: RunningAzurite[] = [];
let dataDir: string;

beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'azurite-data-'));
});

afterAll(async () => {
    await Promise.all(started.map((a) => a.stop()));
    rmSync(dataDir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startAzurite>[0]): Promise<RunningAzurite> {
    const azurite = await startAzurite(options);
    started.push(azurite);
    return azurite;
}

const port = (url: string) => Number(new URL(url).port);

describe('startAzurite', () => {
    it('starts all three services on free loopback ports and stops without leaving a process', async () => {
        const azurite = await start({ inMemory: true, ...FREE });
        expect(azurite.queueUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
        const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('launcher-test');
        await queue.createIfNotExists();
        await queue.sendMessage('hello');
        expect((await queue.peekMessages()).peekedMessageItems[0]?.messageText).toBe('hello');

        await azurite.stop();
        expect(isProcessAlive(azurite.pid)).toBe(false);
        for (const url of [azurite.blobUrl, azurite.queueUrl, azurite.tableUrl])
            expect(await isPortOpen(port(url))).toBe(false);
    });

    it('keeps data in a persisted location across restarts', async () => {
        const first = await start({ location: dataDir, ...FREE });
        const queueIn = (a: RunningAzurite) =>
            QueueServiceClient.fromConnectionString(a.connectionString).getQueueClient('persisted');
        await queueIn(first).createIfNotExists();
        await queueIn(first).sendMessage('kept');
        await first.stop();

        const second = await start({ location: dataDir, ...FREE });
        expect((await queueIn(second).peekMessages()).peekedMessageItems[0]?.messageText).toBe('kept');
        await second.stop();
    });

    it('says which port is in use', async () => {
        const running = await start({ inMemory: true, ...FREE });
        const busy = port(running.queueUrl);
        await expect(start({ inMemory: true, ...FREE, queuePort: busy })).rejects.toThrow(
            `Azurite could not start: port ${busy} on 127.0.0.1 is already in use`,
        );
    });

    it('does not outlive a parent that is killed outright', async () => {
        const parent = new TestProcess('azurite-parent', 'test/support/azuriteParent.ts', []);
        const [, pid] = await parent.waitForLine(/^AZURITE_PID (\d+)$/, 20_000);
        const azuritePid = Number(pid);
        expect(isProcessAlive(azuritePid)).toBe(true);
        process.kill(parent.pid, 'SIGKILL');
        await waitFor('Azurite to exit after its parent died', () => (isProcessAlive(azuritePid) ? undefined : true));
    });
});
