/**
 * `npm start` and its state directory (dev/start): the local world survives a restart (the simulator's
 * consent and directory changes, Azurite's data), `--reset` clears both, and one state directory serves one
 * running stack: a second start there (busy ports or --free-ports) is refused before it touches anything, so
 * the running stack's stack.json, Azurite data and simulator state stay as they are.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { QueueServiceClient } from '@azure/storage-queue';

import { getFreePort } from '../../support/freePort';
import type { Json } from '../../support/simulator';
import { TestProcess } from '../../support/processes';

const STARTUP_TIMEOUT_MS = 120_000;
const QUEUE = 'survives-restarts';

interface Ready {
    appUrl: string;
    stackFile: string;
}

let stateDir: string;
const launchers: TestProcess[] = [];

beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'stack-state-'));
});
afterAll(async () => {
    await Promise.all(launchers.map((l) => l.stop()));
    rmSync(stateDir, { recursive: true, force: true });
});

function launch(args: string[]): TestProcess {
    const launcher = new TestProcess('launcher', 'dev/start/main.ts', ['--state-dir', stateDir, ...args]);
    launchers.push(launcher);
    return launcher;
}

async function launchReady(args: string[]): Promise<{ launcher: TestProcess; ready: Ready; stack: Json }> {
    const launcher = launch(args);
    const [, json = '{}'] = await launcher.waitForLine(/^STACK_READY (.*)$/, STARTUP_TIMEOUT_MS);
    const ready = JSON.parse(json) as Ready;
    return { launcher, ready, stack: JSON.parse(readFileSync(ready.stackFile, 'utf8')) };
}

async function stop(launcher: TestProcess): Promise<void> {
    process.kill(launcher.pid, 'SIGINT');
    expect(await launcher.child.exited).toEqual({ code: 0, signal: null });
}

async function control(stack: Json, method: string, path: string): Promise<Json> {
    const response = await fetch(`${stack.simulator.controlUrl as string}${path}`, { method });
    return response.json();
}

function contoso(stack: Json): string {
    return (stack.tenants as Array<{ id: string; displayName: string }>).find((t) => t.displayName === 'Contoso')!.id;
}

async function hasConsent(stack: Json): Promise<boolean> {
    const state = await control(stack, 'GET', '/control/state');
    return (state.servicePrincipals as Array<{ tenantId: string }>).some((sp) => sp.tenantId === contoso(stack));
}

async function queueNames(stack: Json): Promise<string[]> {
    const names: string[] = [];
    for await (const queue of QueueServiceClient.fromConnectionString(stack.storage.connectionString).listQueues())
        names.push(queue.name);
    return names;
}

it(
    'keeps the local world across restarts, refuses a second stack on the same state directory, and resets on request',
    async () => {
        const port = await getFreePort();
        const first = await launchReady(['--port', String(port), '--free-ports']);
        expect(first.launcher.output()).toContain(
            `Local state in ${stateDir}: a new world (npm start -- --reset starts over)`,
        );
        expect(first.launcher.output()).toContain(
            "First sign-in: the browser warns about the sign-in pages' certificate (local CA); run npm run trust-ca once to trust it (npm run untrust-ca undoes it).",
        );
        await control(first.stack, 'POST', `/control/tenants/${contoso(first.stack)}/consent`);
        await QueueServiceClient.fromConnectionString(first.stack.storage.connectionString).createQueue(QUEUE);

        // A second start on the same state directory: refused before it touches anything, with busy ports or free ones.
        const before = {
            text: readFileSync(first.ready.stackFile, 'utf8'),
            mtime: statSync(first.ready.stackFile).mtimeMs,
        };
        for (const args of [
            ['--port', String(port)],
            ['--port', String(await getFreePort()), '--free-ports'],
        ]) {
            const second = launch(args);
            expect((await second.child.exited).code).toBe(1);
            expect(second.output()).toContain(
                `a stack is already running from ${stateDir} (launcher pid ${first.launcher.pid}); stop it (Ctrl-C in its terminal), or start a second stack with its own state directory, e.g. npm start -- --state-dir .local-2 --free-ports --port 7072`,
            );
            expect(second.output()).not.toMatch(/\[azurite\]|\[simulator\]/);
        }
        expect(readFileSync(first.ready.stackFile, 'utf8')).toBe(before.text);
        expect(statSync(first.ready.stackFile).mtimeMs).toBe(before.mtime);
        expect((await fetch(`${first.ready.appUrl}/api/health`)).status).toBe(200);
        expect(await hasConsent(first.stack)).toBe(true);
        await stop(first.launcher);

        // Restarted: Contoso is still connected and Azurite still has its queue.
        // (With the simulated Graph latency given on the command line this time.)
        const again = await launchReady([
            ...['--port', String(port), '--free-ports'],
            ...['--page-latency-ms', '5', '--per-user-latency-ms', '0.5'],
        ]);
        expect(again.launcher.output()).toContain(`Local state in ${stateDir}: continued from the last run`);
        expect(await hasConsent(again.stack)).toBe(true);
        expect(await queueNames(again.stack)).toContain(QUEUE);
        expect((await control(again.stack, 'GET', '/control/graph')).settings.latency).toEqual({
            fixedMs: 5,
            perUserMs: 0.5,
        });
        await stop(again.launcher);

        // --reset: a new world, in the simulator and in Azurite.
        const reset = await launchReady(['--port', String(port), '--free-ports', '--reset']);
        expect(reset.launcher.output()).toContain(`Local state in ${stateDir}: a new world`);
        expect(await hasConsent(reset.stack)).toBe(false);
        expect((await control(reset.stack, 'GET', '/control/graph')).settings.latency).toEqual({
            fixedMs: 0,
            perUserMs: 0,
        });
        expect(await queueNames(reset.stack)).not.toContain(QUEUE);
        await stop(reset.launcher);
    },
    4 * STARTUP_TIMEOUT_MS,
);
