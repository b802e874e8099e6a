/**
 * HTTP overhead of the local Functions host: requests/s and latency of a trivial HTTP function, so a
 * change to the host's routing, invocation or logging path that slows every request shows up here.
 *
 *   node --import tsx bench/host-http.ts [--json <file>]
 *
 * Starts an in-memory Azurite (the fixture app has queue functions) and the host as a child process
 * (dev/host/main.ts, port 0) with the fixture app of test/fixtures/host-app, then sends 2,000 GETs
 * to /api/files/{path} (no logging, plain-text body) at concurrency 1 and 16 with fetch.
 * Everything is stopped at the end, also on error.
 */
import { join } from 'node:path';

import { type RunningAzurite, startAzurite } from '../dev/azurite/azurite';
import { ManagedChild } from '../dev/shared/childProcess';
import { type Figure, percentile, publish, since } from './support/report';

const REPO_ROOT = join(__dirname, '..');
const FIXTURE = join(REPO_ROOT, 'test/fixtures/host-app');
const REQUESTS = 2_000;
const WARM_UP = 200;
const CONCURRENCY = [1, 16];

async function main(): Promise<void> {
    let azurite: RunningAzurite | undefined;
    let host: ManagedChild | undefined;
    try {
        azurite = await startAzurite({ inMemory: true, blobPort: 0, queuePort: 0, tablePort: 0 });
        host = new ManagedChild({
            name: 'host',
            nodeArgs: [
                ...['--import', 'tsx', join(REPO_ROOT, 'dev/host/main.ts')],
                ...['--app-dir', FIXTURE, '--settings', join(FIXTURE, 'fixture.settings.json'), '--port', '0'],
            ],
            cwd: REPO_ROOT,
            // The fixture's timer fires every second by default; once a year keeps it out of the figures.
            env: { ...process.env, AzureWebJobsStorage: azurite.connectionString, TICK_SCHEDULE: '0 0 0 1 1 *' },
        });
        const [, ready = '{}'] = await host.waitForLine(/^HOST_READY (.*)$/, 30_000);
        const url = `${(JSON.parse(ready) as { url: string }).url}/api/files/bench/item.txt`;

        await load(url, WARM_UP, 4);
        const figures: Figure[] = [];
        for (const concurrency of CONCURRENCY) {
            const run = await load(url, REQUESTS, concurrency);
            figures.push(
                { name: `concurrency ${concurrency}: throughput`, value: run.perSecond, unit: 'requests/s' },
                { name: `concurrency ${concurrency}: p50 latency`, value: run.p50, unit: 'ms' },
                { name: `concurrency ${concurrency}: p95 latency`, value: run.p95, unit: 'ms' },
            );
        }
        publish({
            bench: 'host-http',
            figures,
            notes: [
                `${REQUESTS} GET ${new URL(url).pathname} per concurrency level after ${WARM_UP} warm-up requests; fixture app, client in another process on the same 2 cores`,
            ],
        });
    } catch (error) {
        if (host) console.error(`last host output:\n${host.recentLines(30).join('\n')}`);
        throw error;
    } finally {
        await host?.stop();
        await azurite?.stop();
    }
}

/** `count` GETs from `concurrency` loops sharing one counter; every response must be a 200. */
async function load(url: string, count: number, concurrency: number) {
    const latencies: number[] = [];
    let sent = 0;
    const loop = async () => {
        while (sent < count) {
            sent++;
            const started = performance.now();
            const response = await fetch(url);
            await response.arrayBuffer();
            latencies.push(performance.now() - started);
            if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
        }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, loop));
    const ms = since(started);
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
        perSecond: Math.round(count / (ms / 1000)),
        p50: round(percentile(latencies, 50)),
        p95: round(percentile(latencies, 95)),
    };
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
