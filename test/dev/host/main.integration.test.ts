import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FIXTURE_APP_DIR, type FixtureHost, startFixtureHost } from '../../support/hostFixture';
import { isProcessAlive } from '../../support/poll';
import { REPO_ROOT, TestProcess } from '../../support/processes';

/** A clean environment: nothing from the developer's shell or local.settings.json leaks in. */
function bareEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test' };
}

let tempDir: string;
const running: TestProcess[] = [];

beforeAll(() => {
    tempDir = mkdtempSync(join(tmpdir(), 'host-cli-'));
});

afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    rmSync(tempDir, { recursive: true, force: true });
});

function runHost(args: string[], env: NodeJS.ProcessEnv = bareEnv()): TestProcess {
    const host = new TestProcess('host', 'dev/host/main.ts', args, env);
    running.push(host);
    return host;
}

describe('local host CLI', () => {
    it("exits 1 printing only the app's ConfigurationError when this repo's app is missing settings", async () => {
        if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'index.js'))) {
            throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
        }
        const emptySettings = join(tempDir, 'empty.settings.json');
        writeFileSync(emptySettings, JSON.stringify({ IsEncrypted: false, Values: {} }));
        const host = runHost(['--app-dir', '.', '--port', '0', '--settings', emptySettings]);
        const exit = await host.child.exited;
        expect(exit.code).toBe(1);
        const output = host.output();
        expect(output).toContain('Error: The app failed to load dist/src/index.js:');
        expect(output).toContain('Invalid configuration (');
        for (const variable of [
            'APP_CLIENT_ID',
            'APP_TENANT_ID',
            'PUBLIC_BASE_URL',
            'KEY_VAULT_URL',
            'AzureWebJobsStorage',
        ]) {
            expect(output).toMatch(new RegExp(`^  - ${variable}: `, 'm'));
        }
        expect(output).not.toMatch(/^\s+at /m); // a message, not a stack trace
    });

    it('exits 1 with a clear message when the port is in use', async () => {
        const blocker: Server = createServer();
        await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
        const address = blocker.address();
        const port = typeof address === 'object' && address !== null ? address.port : 0;
        try {
            const host = runHost([
                '--app-dir',
                FIXTURE_APP_DIR,
                '--settings',
                `${FIXTURE_APP_DIR}/fixture.settings.json`,
                '--port',
                String(port),
            ]);
            const exit = await host.child.exited;
            expect(exit.code).toBe(1);
            expect(host.output()).toContain(
                `Error: port ${port} is already in use; stop the other process or pass --port`,
            );
        } finally {
            await new Promise((resolve) => blocker.close(resolve));
        }
    });

    it('refuses unknown options with the usage text', async () => {
        const host = runHost(['--app-dir', FIXTURE_APP_DIR, '--prot', '7071']);
        expect((await host.child.exited).code).toBe(1);
        expect(host.output()).toContain("Unknown option '--prot'");
        expect(host.output()).toContain('Usage: tsx dev/host/main.ts');
    });

    describe('on SIGINT', () => {
        let fixture: FixtureHost;
        afterAll(async () => {
            await fixture?.stop();
        });

        it('stops polling, closes the server, runs appTerminate hooks and exits 0', async () => {
            fixture = await startFixtureHost();
            const { host } = fixture;
            process.kill(host.pid, 'SIGINT');
            const exit = await host.child.exited;
            expect(exit).toEqual({ code: 0, signal: null });
            expect(host.output()).toMatch(/host: SIGINT received/);
            expect(host.output()).toContain('fixture: appTerminate hook ran');
            expect(host.output()).toMatch(/host: Stopped$/m);
            expect(isProcessAlive(host.pid)).toBe(false);
            await expect(fetch(`${host.url}/api/files/x`)).rejects.toThrow();
        });
    });
});
