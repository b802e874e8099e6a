/**
 * Start-up time of the whole local stack (`npm start` without its build step): how long a developer
 * waits from launching the stack to a working app, and proof that Ctrl-C leaves nothing behind.
 *
 *   node --import tsx bench/startup.ts [--json <file>]      (after `npm run build`)
 *
 * Spawns `tsx dev/start/main.ts --free-ports --port <free port> --state-dir <temp dir>` three times
 * (the launcher refuses port 0: the app's public URL is built from it) and times spawn → first 200
 * from /api/health (polled every 20 ms) and spawn → STACK_READY. The first run also creates the TLS
 * material and Azurite folder in the temp state dir; later runs reuse them, as `npm start` reuses
 * .local. After each run: SIGINT, then every pid in STACK_READY must be gone.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManagedChild } from '../dev/shared/childProcess';
import { getFreePort } from '../test/support/freePort';
import { type Figure, median, publish, since } from './support/report';

const REPO_ROOT = join(__dirname, '..');
const RUNS = 3;

interface StartupRun {
    healthMs: number;
    readyMs: number;
    stopMs: number;
}

async function main(): Promise<void> {
    if (!existsSync(join(REPO_ROOT, 'dist', 'src')))
        throw new Error('dist/ is missing: run `npm run build` first (`npm run bench` does)');
    const stateDir = mkdtempSync(join(tmpdir(), 'tenant-sync-bench-'));
    try {
        const runs: StartupRun[] = [];
        for (let i = 0; i < RUNS; i++) {
            runs.push(await startOnce(stateDir));
            console.log(`run ${i + 1}: health 200 after ${runs.at(-1)?.healthMs} ms`);
        }
        const pick = (key: keyof StartupRun) => runs.map((r) => r[key]);
        const figures: Figure[] = [
            { name: 'spawn → /api/health 200: min', value: Math.min(...pick('healthMs')), unit: 'ms' },
            { name: 'spawn → /api/health 200: median', value: median(pick('healthMs')), unit: 'ms' },
            { name: 'spawn → STACK_READY: median', value: median(pick('readyMs')), unit: 'ms' },
            { name: 'SIGINT → all processes gone: median', value: median(pick('stopMs')), unit: 'ms' },
        ];
        publish({
            bench: 'startup',
            figures,
            notes: [
                `${RUNS} runs; the first also creates TLS material in a fresh state dir (health ms per run: ${pick('healthMs').join(', ')})`,
            ],
        });
    } finally {
        rmSync(stateDir, { recursive: true, force: true });
    }
}

async function startOnce(stateDir: string): Promise<StartupRun> {
    const port = await getFreePort();
    const started = performance.now();
    const launcher = new ManagedChild({
        name: 'launcher',
        nodeArgs: [
            ...['--import', 'tsx', join(REPO_ROOT, 'dev/start/main.ts')],
            ...['--free-ports', '--port', String(port), '--state-dir', stateDir],
        ],
        cwd: REPO_ROOT,
    });
    try {
        const healthMs = await firstOk(`http://127.0.0.1:${port}/api/health`, launcher, started);
        const [, json = '{}'] = await launcher.waitForLine(/^STACK_READY (.*)$/, 30_000);
        const readyMs = since(started);
        const pids = Object.values((JSON.parse(json) as { pids: Record<string, number> }).pids);

        const stopping = performance.now();
        process.kill(launcher.pid, 'SIGINT');
        let timer: NodeJS.Timeout | undefined;
        const exited = await Promise.race([
            launcher.exited.then(() => true),
            new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 15_000))),
        ]);
        clearTimeout(timer);
        if (!exited) throw new Error('the launcher did not exit within 15 s of SIGINT');
        while (pids.some(alive)) {
            if (performance.now() - stopping > 5_000)
                throw new Error(`still running 5 s after SIGINT: pids ${pids.filter(alive).join(', ')}`);
            await sleep(20);
        }
        return { healthMs, readyMs, stopMs: since(stopping) };
    } catch (error) {
        console.error(launcher.recentLines(30).join('\n'));
        throw error;
    } finally {
        await launcher.stop();
    }
}

/** Polls `url` until it answers 200; fails if the launcher exits or 60 s pass. */
async function firstOk(url: string, launcher: ManagedChild, started: number): Promise<number> {
    while (performance.now() - started < 60_000) {
        if (launcher.exitInfo !== undefined)
            throw new Error(`the launcher exited: ${JSON.stringify(launcher.exitInfo)}`);
        try {
            const response = await fetch(url);
            await response.arrayBuffer();
            if (response.status === 200) return since(started);
        } catch {
            // not listening yet
        }
        await sleep(20);
    }
    throw new Error(`${url} did not answer 200 within 60 s`);
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
