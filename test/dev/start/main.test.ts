/**
 * End to end: `npm start`'s launcher (dev/start/main.ts) as a child process, on a free app port, with
 * Azurite and the simulator on free ports and a temporary state directory, so it never collides with a
 * developer's running stack.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { getFreePort, isPortOpen } from '../../support/freePort';
import { isProcessAlive, waitFor } from '../../support/poll';
import { REPO_ROOT, TestProcess } from '../../support/processes';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HTTPS_LOOPBACK = /^https:\/\/127\.0\.0\.1:\d+$/;
const STARTUP_TIMEOUT_MS = 120_000;

interface Ready {
    appUrl: string;
    stackFile: string;
    pids: { launcher: number; azurite: number; simulator?: number; host: number };
}

const launchers: TestProcess[] = [];
const stateDirs: string[] = [];

afterAll(async () => {
    await Promise.all(launchers.map((l) => l.stop()));
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

function launch(port: number): TestProcess {
    const stateDir = mkdtempSync(join(tmpdir(), 'stack-e2e-'));
    stateDirs.push(stateDir);
    const launcher = new TestProcess('launcher', 'dev/start/main.ts', [
        ...['--port', String(port), '--state-dir', stateDir, '--free-ports'],
    ]);
    launchers.push(launcher);
    return launcher;
}

async function launchReady(): Promise<{ launcher: TestProcess; ready: Ready; port: number }> {
    const port = await getFreePort();
    const launcher = launch(port);
    const [, json = '{}'] = await launcher.waitForLine(/^STACK_READY (.*)$/, STARTUP_TIMEOUT_MS);
    return { launcher, ready: JSON.parse(json) as Ready, port };
}

function children(ready: Ready): number[] {
    return [ready.pids.azurite, ready.pids.host, ...(ready.pids.simulator === undefined ? [] : [ready.pids.simulator])];
}

describe('npm start (dev/start/main.ts)', () => {
    it(
        'starts Azurite, the simulator and the host, serves /api/health, writes stack.json, and stops every child on SIGINT',
        async () => {
            const { launcher, ready, port } = await launchReady();
            expect(ready.appUrl).toBe(`http://localhost:${port}`);

            const health = await fetch(`${ready.appUrl}/api/health`);
            expect(health.status).toBe(200);
            const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
                .version;
            expect(await health.json()).toEqual({ status: 'ok', version });

            const stack = JSON.parse(readFileSync(ready.stackFile, 'utf8'));
            expect(statSync(ready.stackFile).mode & 0o777).toBe(0o600);
            expect(stack.app).toEqual({ url: ready.appUrl });
            expect(stack.storage.connectionString).toMatch(
                /AccountName=devstoreaccount1;.*QueueEndpoint=http:\/\/127\.0\.0\.1:\d+\//,
            );
            expect(stack.simulator).toMatchObject({
                authorityHost: expect.stringMatching(HTTPS_LOOPBACK),
                graphBaseUrl: expect.stringMatching(HTTPS_LOOPBACK),
                keyVaultUrl: expect.stringMatching(HTTPS_LOOPBACK),
                controlUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
                caCertPath: expect.stringMatching(/ca\.pem$/),
            });
            expect(stack.publisher).toMatchObject({
                tenantId: expect.stringMatching(GUID),
                appClientId: expect.stringMatching(GUID),
            });
            expect(stack.operationsClient).toMatchObject({
                tenantId: expect.stringMatching(GUID),
                clientId: expect.stringMatching(GUID),
                clientSecret: expect.any(String),
                scope: expect.stringMatching(/^api:\/\/.+\/\.default$/),
            });
            expect(stack.tenants.length).toBeGreaterThan(0);
            for (const tenant of stack.tenants) {
                expect(tenant).toMatchObject({
                    id: expect.stringMatching(GUID),
                    displayName: expect.any(String),
                    userCount: expect.any(Number),
                });
            }
            expect(stack.tenants).toContainEqual(
                expect.objectContaining({
                    admin: { username: expect.any(String), password: expect.any(String) },
                    user: { username: expect.any(String), password: expect.any(String) },
                }),
            );
            expect(stack.pids).toEqual(ready.pids);

            // The secrets reached the host through the stack file, and never the launcher's output (which
            // includes the children's). The admins' simulated sign-ins are in the banner, for people.
            const output = launcher.output();
            const hidden: string[] = [stack.operationsClient.clientSecret, stack.appSettings.IDENTITY_HEADER];
            for (const tenant of stack.tenants) if (tenant.user) hidden.push(tenant.user.password);
            for (const secret of hidden) {
                expect(secret.length).toBeGreaterThanOrEqual(8);
                expect(output).not.toContain(secret);
            }
            expect(output).not.toMatch(/SIMULATOR_READY|clientSecret|IDENTITY_HEADER/);
            for (const tenant of stack.tenants) {
                if (tenant.admin) expect(output).toContain(`admin ${tenant.admin.username} / ${tenant.admin.password}`);
            }
            if (process.platform === 'linux') {
                const hostEnv = readFileSync(`/proc/${ready.pids.host}/environ`, 'utf8').split('\0');
                expect(hostEnv).toContain(`IDENTITY_HEADER=${stack.appSettings.IDENTITY_HEADER}`);
                expect(hostEnv).toContain(`APP_CLIENT_ID=${stack.publisher.appClientId}`);
            }
            expect(launcher.output()).toContain(`open ${ready.appUrl}`);
            expect(launcher.output()).toMatch(/Started in \d+\.\d s/);

            process.kill(ready.pids.launcher, 'SIGINT');
            expect(await launcher.child.exited).toEqual({ code: 0, signal: null });
            for (const pid of children(ready)) expect(isProcessAlive(pid)).toBe(false);
            expect(await isPortOpen(port)).toBe(false);
        },
        STARTUP_TIMEOUT_MS,
    );

    it(
        'stops the rest and names the child when one dies',
        async () => {
            const { launcher, ready } = await launchReady();
            process.kill(ready.pids.azurite, 'SIGKILL');
            expect((await launcher.child.exited).code).toBe(1);
            expect(launcher.output()).toContain(
                `azurite (pid ${ready.pids.azurite}) stopped unexpectedly (signal SIGKILL); stopping the rest.`,
            );
            await waitFor('every child to be gone', () => (children(ready).some(isProcessAlive) ? undefined : true));
        },
        STARTUP_TIMEOUT_MS,
    );

    it('refuses a busy app port before starting anything', async () => {
        const blocker: Server = createServer();
        await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
        const address = blocker.address();
        const port = typeof address === 'object' && address !== null ? address.port : 0;
        try {
            const launcher = launch(port);
            expect((await launcher.child.exited).code).toBe(1);
            expect(launcher.output()).toContain(
                `port ${port} is already in use; stop the other process or pass --port`,
            );
            expect(launcher.output()).not.toContain('[azurite]');
        } finally {
            await new Promise((resolve) => blocker.close(resolve));
        }
    });
});
