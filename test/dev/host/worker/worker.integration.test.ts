import type { QueueClient } from '@azure/storage-queue';

import { base64Json, type FixtureHost, startFixtureHost } from '../../../support/hostFixture';
import { isProcessAlive, waitFor } from '../../../support/poll';

/**
 * The worker process: timeouts, crashes and kills end it and the host starts a new one, as the real host
 * restarts its Node.js worker. functionTimeout is shortened through an app setting, as in Azure.
 */
let fixture: FixtureHost;
let work: QueueClient;

beforeAll(async () => {
    fixture = await startFixtureHost({ AzureFunctionsJobHost__functionTimeout: '00:00:03' }, [
        '--message-lease-seconds',
        '1',
    ]);
    work = await fixture.queue('fixture-work');
}, 60_000);

afterAll(async () => {
    await fixture?.stop();
});

const url = (path: string) => `${fixture.host.url}${path}`;

function workerPids(): number[] {
    return fixture.host
        .matching(/^HOST_WORKER (.*)$/)
        .map(([, json]) => (JSON.parse(json ?? '{}') as { pid: number }).pid);
}

async function nextWorker(after: number[]): Promise<number> {
    return waitFor('a new worker process', () => {
        const pids = workerPids();
        return pids.length > after.length ? pids[pids.length - 1] : undefined;
    });
}

async function servedByWorker(): Promise<number> {
    const response = await fetch(url('/api/worker-pid'));
    expect(response.status).toBe(200);
    return ((await response.json()) as { pid: number }).pid;
}

describe('local host: the worker process', () => {
    it('runs the app in a separate process whose pid HOST_READY and HOST_WORKER announce', async () => {
        const [, ready] = fixture.host.matching(/^HOST_READY (.*)$/)[0] ?? [];
        const { pid, workerPid } = JSON.parse(ready ?? '{}') as { pid: number; workerPid: number };
        expect(workerPid).not.toBe(pid);
        expect(workerPids()).toEqual([workerPid]);
        expect(await servedByWorker()).toBe(workerPid);
    });

    it('fails an invocation past functionTimeout and restarts its worker, which stops the handler', async () => {
        const before = workerPids();
        const oldPid = before[before.length - 1] ?? 0;
        const started = Date.now();
        const response = await fetch(url('/api/hang/timeout-test'));
        expect(response.status).toBe(500);
        expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
        await fixture.host.waitForLine(/Timeout value of 00:00:03 was exceeded by function: Functions\.hang/);
        const newPid = await nextWorker(before);
        expect(newPid).not.toBe(oldPid);
        await waitFor('the old worker to be gone', () => (isProcessAlive(oldPid) ? undefined : true));
        expect(fixture.host.output()).toContain('A function timeout has occurred. Restarting worker process');
        // The handler printed while it ran; nothing is printed once its process has ended.
        const printed = fixture.host.matching(/fixture: hang timeout-test still running/).length;
        expect(printed).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 800));
        expect(fixture.host.matching(/fixture: hang timeout-test still running/)).toHaveLength(printed);
        expect(await servedByWorker()).toBe(newPid);
    });

    it('ends the worker on an unhandled promise rejection, failing every invocation running in it', async () => {
        const before = workerPids();
        const slow = fetch(url('/api/slow/2000'));
        await fixture.host.waitForLine(/slow\[[0-9a-f-]{36}\] Executing/);
        await fetch(url('/api/stray-rejection')).catch(() => undefined);
        expect((await slow).status).toBe(500);
        await fixture.host.waitForLine(/Worker uncaught exception .*fixture: a rejection nobody handles/);
        const newPid = await nextWorker(before);
        expect(await servedByWorker()).toBe(newPid);
    });

    it('survives a SIGKILL of the worker mid-message: the message is delivered again and handled by the new worker', async () => {
        const before = workerPids();
        const victim = before[before.length - 1] ?? 0;
        const sent = await work.sendMessage(base64Json({ tag: 'killed-mid-flight', slowMs: 2000 }));
        await fixture.host.waitForLine(/fixture: received .*"killed-mid-flight".*"dequeueCount":1/);
        process.kill(victim, 'SIGKILL');
        const newPid = await nextWorker(before);
        await fixture.host.waitForLine(/fixture: received .*"killed-mid-flight".*"dequeueCount":2/, 20_000);
        await fixture.host.waitForLine(/fixture: finished killed-mid-flight/, 20_000);
        expect(fixture.host.output()).toMatch(
            new RegExp(
                `Executed \\(Failed, \\d+ ms\\): Error: The worker process \\(pid ${victim}\\) exited \\(signal SIGKILL\\)`,
            ),
        );
        await waitFor('the message to be deleted', async () =>
            (await work.getProperties()).approximateMessagesCount === 0 ? true : undefined,
        );
        expect(sent.messageId).toBeTruthy();
        expect(await servedByWorker()).toBe(newPid);
    });

    it('keeps a message that runs longer than its lease invisible, so it is handled once', async () => {
        // Lease 1 s, renewed every 0.5 s; the handler takes 2.5 s.
        await work.sendMessage(base64Json({ tag: 'outlives-lease', slowMs: 2500 }));
        await fixture.host.waitForLine(/fixture: finished outlives-lease/, 20_000);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const received = fixture.host.matching(/fixture: received .*"outlives-lease"/);
        expect(received).toHaveLength(1);
        expect(fixture.host.output()).not.toMatch(/Handling message \S+ failed in the host/);
        await waitFor('the message to be deleted', async () =>
            (await work.getProperties()).approximateMessagesCount === 0 ? true : undefined,
        );
    });
});
