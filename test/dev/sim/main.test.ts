/**
 * `npm run sim` (dev/sim/main.ts) as the stack launcher uses it: one SIMULATOR_READY line on stdout
 * with no secrets in it, the stack file (with the secrets) merged and 0600 before that line, clean exit
 * on SIGTERM, a clear one-line error when a port is taken.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** The READY line's raw text (to search for secrets) and its payload. */
async function readyLine(run: Run): Promise<{ text: string; ready: Json }> {
    for (let waited = 0; waited < 30_000; waited += 50) {
        const line = run.stdout.find((l) => l.startsWith('SIMULATOR_READY '));
        if (line) return { text: line, ready: JSON.parse(line.slice('SIMULATOR_READY '.length)) };
        if (run.child.exitCode !== null) throw new Error(`simulator exited: ${run.stderr.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no SIMULATOR_READY line within 30 s');
}

it('prints one SIMULATOR_READY line without secrets, merges the stack file, serves, and exits 0 on SIGTERM', async () => {
    const stackFile = join(dir, 'stack.json');
    // A stack file left readable by others (0644) must come back owner-only.
    writeFileSync(stackFile, JSON.stringify({ app: { url: 'http://localhost:7071' }, tenants: ['stale'] }), {
        mode: 0o644,
    });
    const run = runSim(['--ports', '0', '--stack-file', stackFile, '--seed', 'cli-test']);
    const { text, ready } = await readyLine(run);

    // The stack file is complete and 0600 by the time READY is printed.
    expect(statSync(stackFile).mode & 0o777).toBe(0o600);
    const stack = JSON.parse(readFileSync(stackFile, 'utf8'));
    // Beside it only the simulator's state directory (<dir>/sim: state and lock), nothing half-written.
    expect(readdirSync(dir).sort()).toEqual(['sim', 'stack.json']);

    expect(Object.keys(ready).sort()).toEqual(['publisher', 'simulator', 'stackFile', 'state', 'tenants']);
    expect(ready.state).toEqual({ dir: join(dir, 'sim'), restored: false });
    expect(ready.stackFile).toBe(stackFile);
    expect(ready.simulator).toEqual({
        authorityHost: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        graphBaseUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        keyVaultUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        controlUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        caCertPath: expect.stringMatching(/ca\.pem$/),
        managedIdentityEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
    });
    expect(ready.publisher).toEqual(stack.publisher);
    expect(ready.tenants).toEqual(
        stack.tenants.map((t: Json) => ({ id: t.id, displayName: t.displayName, userCount: t.userCount })),
    );
    expect(ready.tenants.map((x: Json) => [x.displayName, x.userCount])).toEqual([
        ['Fabrikam', 25],
        ['Contoso', 250],
        ['Northwind Traders', 5000],
    ]);
    expect(run.stdout.filter((l) => l.startsWith('SIMULATOR_READY'))).toHaveLength(1);

    // The secrets are in the stack file, and nowhere in the READY line.
    const secrets: string[] = [stack.operationsClient.clientSecret, stack.appSettings.IDENTITY_HEADER];
    for (const tenant of stack.tenants) {
        expect(tenant.admin).toEqual({ username: expect.stringContaining('@'), password: expect.any(String) });
        expect(tenant.user).toEqual({ username: expect.stringContaining('@'), password: expect.any(String) });
        secrets.push(tenant.admin.password, tenant.user.password);
    }
    for (const secret of secrets) {
        expect(secret).toEqual(expect.any(String));
        expect(secret.length).toBeGreaterThanOrEqual(8);
        expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/clientSecret|IDENTITY_HEADER|password|operationsClient|appSettings/i);
    // Nothing on stdout shows the client secret, the identity header or an ordinary user's password; the
    // admins' simulated sign-ins are printed for people to try the product.
    const stdout = run.stdout.join('\n');
    expect(stdout).not.toContain(stack.operationsClient.clientSecret);
    expect(stdout).not.toContain(stack.appSettings.IDENTITY_HEADER);
    for (const tenant of stack.tenants) {
        expect(stdout).not.toContain(tenant.user.password);
        expect(stdout).toContain(`admin ${tenant.admin.username as string} / ${tenant.admin.password as string}`);
    }

    expect(stack.app).toEqual({ url: 'http://localhost:7071' });
    expect(stack.simulator).toEqual(ready.simulator);
    expect(stack.operationsClient).toMatchObject({ clientId: expect.any(String), clientSecret: expect.any(String) });
    expect(stack.appSettings.GRAPH_BASE_URL).toBe(ready.simulator.graphBaseUrl);

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
