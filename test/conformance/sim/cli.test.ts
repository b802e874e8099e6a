/**
 * `npm run sim` (dev/sim/main.ts) as the stack launcher uses it: one SIMULATOR_READY line on stdout,
 * the stack file merged, clean exit on SIGTERM, a clear one-line error when a port is taken.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Json } from '../../support/simulator';

const ROOT = join(__dirname, '..', '..', '..');
const started: ChildProcess[] = [];
let dir: string;

beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
});
afterEach(() => {
    for (const child of started.splice(0))
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
});

interface Run {
    child: ChildProcess;
    stdout: string[];
    stderr: string[];
    exited: Promise<number | null>;
}

function runSim(args: string[]): Run {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'dev/sim/main.ts'), ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    const run: Run = {
        child,
        stdout: [],
        stderr: [],
        exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    };
    const collect = (stream: NodeJS.ReadableStream | null, into: string[]) => {
        let buffer = '';
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
            buffer += chunk;
            const lines = buffer.split('\n');
            buffer = lines.pop() ?? '';
            into.push(...lines);
        });
    };
    collect(child.stdout, run.stdout);
    collect(child.stderr, run.stderr);
    return run;
}

async function readyLine(run: Run): Promise<Json> {
    for (let waited = 0; waited < 30_000; waited += 50) {
        const line = run.stdout.find((l) => l.startsWith('SIMULATOR_READY '));
        if (line) return JSON.parse(line.slice('SIMULATOR_READY '.length));
        if (run.child.exitCode !== null) throw new Error(`simulator exited: ${run.stderr.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no SIMULATOR_READY line within 30 s');
}

it('prints one SIMULATOR_READY line, merges the stack file, serves, and exits 0 on SIGTERM', async () => {
    const stackFile = join(dir, 'stack.json');
    writeFileSync(stackFile, JSON.stringify({ app: { url: 'http://localhost:7071' }, tenants: ['stale'] }));
    const run = runSim(['--ports', '0', '--stack-file', stackFile, '--seed', 'cli-test']);
    const ready = await readyLine(run);

    expect(Object.keys(ready).sort()).toEqual(['appSettings', 'operationsClient', 'publisher', 'simulator', 'tenants']);
    expect(ready.simulator).toEqual({
        authorityHost: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        graphBaseUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        keyVaultUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        controlUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        caCertPath: expect.stringMatching(/ca\.pem$/),
        managedIdentityEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
    });
    expect(ready.tenants.map((x: Json) => [x.displayName, x.userCount])).toEqual([
        ['Fabrikam', 25],
        ['Contoso', 250],
        ['Northwind Traders', 5000],
    ]);
    for (const tenant of ready.tenants) {
        expect(tenant.admin).toEqual({ username: expect.stringContaining('@'), password: expect.any(String) });
        expect(tenant.user).toEqual({ username: expect.stringContaining('@'), password: expect.any(String) });
    }
    expect(ready.appSettings.GRAPH_BASE_URL).toBe(ready.simulator.graphBaseUrl);
    expect(run.stdout.filter((l) => l.startsWith('SIMULATOR_READY'))).toHaveLength(1);

    const stack = JSON.parse(readFileSync(stackFile, 'utf8'));
    expect(stack.app).toEqual({ url: 'http://localhost:7071' });
    expect(stack.simulator).toEqual(ready.simulator);
    expect(stack.tenants).toEqual(ready.tenants);

    const state = await (await fetch(`${ready.simulator.controlUrl as string}/control/state`)).json();
    expect(state.seed).toBe('cli-test');

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await expect(fetch(`${ready.simulator.controlUrl as string}/control/state`)).rejects.toThrow();
});

it('exits 1 with a one-line message when a port is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
        const run = runSim(['--ports', String(port), '--stack-file', join(dir, 'stack.json')]);
        expect(await run.exited).toBe(1);
        const errors = run.stderr.filter((l) => l.trim() !== '' && !l.includes('npm warn'));
        expect(errors).toEqual([
            `simulator: login port ${port} is already in use; stop the other process or choose another port`,
        ]);
        expect(run.stdout.some((l) => l.startsWith('SIMULATOR_READY'))).toBe(false);
    } finally {
        await new Promise((resolve) => blocker.close(resolve));
    }
});

it('refuses unknown flags and bad values with exit 1', async () => {
    for (const args of [
        ['--colour', 'blue'],
        ['--ports', 'many'],
    ]) {
        const run = runSim(args);
        expect(await run.exited).toBe(1);
        expect(run.stderr.join('\n')).toMatch(/^simulator: /m);
    }
});
