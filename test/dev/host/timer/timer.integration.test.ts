import { BlobServiceClient } from '@azure/storage-blob';

import { FIXTURE_APP_DIR, type FixtureHost, startFixtureHost } from '../../../support/hostFixture';
import { waitFor } from '../../../support/poll';
import { type HostProcess, startHostProcess } from '../../../support/processes';

let fixture: FixtureHost;
let restarted: HostProcess | undefined;

beforeAll(async () => {
    fixture = await startFixtureHost();
}, 60_000);

afterAll(async () => {
    await restarted?.stop();
    await fixture?.stop();
});

const HOURLY_STATUS = /^timers\/[^/]+\/Host\.Functions\.hourly\/status$/;

async function hourlyStatusBlob() {
    const container = BlobServiceClient.fromConnectionString(fixture.azurite.connectionString).getContainerClient(
        'azure-webjobs-hosts',
    );
    const name = await waitFor('the hourly timer status blob', async () => {
        if (!(await container.exists())) return undefined;
        for await (const blob of container.listBlobsFlat({ prefix: 'timers/' })) {
            if (HOURLY_STATUS.test(blob.name)) return blob.name;
        }
        return undefined;
    });
    return container.getBlockBlobClient(name);
}

async function readStatus(blob: Awaited<ReturnType<typeof hourlyStatusBlob>>) {
    return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Record<string, string>;
}

describe('local host: timer triggers', () => {
    it('fires on its NCRONTAB schedule taken from a %SETTING% (every second here), unmonitored: scheduleStatus null', async () => {
        const ticks = await waitFor('two ticks', () => {
            const found = fixture.host.matching(
                /tick\[[0-9a-f-]{36}\] fixture: tick isPastDue=(\w+) adjustForDST=(\w+) scheduleStatus=(\S+)$/,
            );
            return found.length >= 2 ? found : undefined;
        });
        for (const [, isPastDue, adjustForDST, scheduleStatus] of ticks) {
            expect(isPastDue).toBe('false');
            expect(adjustForDST).toBe('true');
            expect(scheduleStatus).toBe('null');
        }
        expect(fixture.host.output()).toMatch(/tick: timerTrigger \(\* \* \* \* \* \* UTC\)/);
    });

    it('runs a runOnStartup timer once at start-up even though its schedule is a year away', async () => {
        await fixture.host.waitForLine(
            /onStartup\[[0-9a-f-]{36}\] Executing \(Reason='Timer fired on startup \(runOnStartup\)'\)/,
        );
        expect(fixture.host.matching(/fixture: runOnStartup timer ran/)).toHaveLength(1);
    });

    it('retries a failing timer by its fixedDelay policy, passing context.retryContext, until it succeeds', async () => {
        const attempts = await waitFor('three flaky attempts', () => {
            const found = fixture.host.matching(/fixture: flaky attempt (.*)$/);
            return found.length >= 3
                ? found.map(([, json]) => JSON.parse(json ?? '{}') as Record<string, unknown>)
                : undefined;
        });
        expect(attempts.map((a) => [a.retryCount, a.maxRetryCount])).toEqual([
            [0, 3],
            [1, 3],
            [2, 3],
        ]);
        expect(attempts[1]?.exception).toMatchObject({ message: 'flaky failure 0' });
        expect(attempts[2]?.exception).toMatchObject({ message: 'flaky failure 1' });
        await fixture.host.waitForLine(/flaky\[[0-9a-f-]{36}\] Executed \(Succeeded/);
        expect(fixture.host.output()).toContain(
            "flaky: Waiting for `00:00:01` before retrying function execution. Next attempt: '1'. Max retry count: '3'.",
        );
        expect(fixture.host.matching(/fixture: flaky attempt/)).toHaveLength(3);
    });

    it('records a monitored schedule in storage and, after downtime, runs the missed occurrence with isPastDue', async () => {
        // The host recorded the hourly timer's status at start-up (ScheduleMonitor.CheckPastDueAsync).
        const blob = await hourlyStatusBlob();
        const initial = await readStatus(blob);
        expect(new Date(initial.Next ?? '').getUTCMinutes()).toBe(0);

        // Downtime: the host stops; its last run was two hours ago, the next one was due an hour ago.
        await fixture.host.stop();
        const hour = 3600_000;
        const last = new Date(Math.floor(Date.now() / hour) * hour - 2 * hour);
        const missed = new Date(last.getTime() + hour);
        const seeded = { Last: last.toISOString(), Next: missed.toISOString(), LastUpdated: last.toISOString() };
        const body = JSON.stringify(seeded);
        await blob.upload(body, Buffer.byteLength(body));

        restarted = await startHostProcess(
            ['--app-dir', FIXTURE_APP_DIR, '--settings', `${FIXTURE_APP_DIR}/fixture.settings.json`],
            { AzureWebJobsStorage: fixture.azurite.connectionString },
        );
        const host = restarted;
        const [, json] = await host.waitForLine(
            /hourly\[[0-9a-f-]{36}\] fixture: hourly isPastDue=true scheduleStatus=(.*)$/,
        );
        expect(JSON.parse(json ?? '')).toEqual({
            last: seeded.Last,
            next: seeded.Next,
            lastUpdated: seeded.LastUpdated,
        });
        expect(host.output()).toMatch(/hourly\[[0-9a-f-]{36}\] Executing \(Reason='Timer is past due/);
        // After the run the status names this run as Last and the next hour as Next.
        const updated = await waitFor('the status to record the past-due run', async () => {
            const status = await readStatus(blob);
            return status.Last !== seeded.Last ? status : undefined;
        });
        expect(new Date(updated.Last ?? '').getTime()).toBeGreaterThan(missed.getTime());
        expect(new Date(updated.Next ?? '').getTime() - Math.floor(Date.now() / hour) * hour).toBe(hour);
    });
});
