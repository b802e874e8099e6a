/**
 * The README's operator walkthrough against `npm start`'s stack (Azurite, the simulator and the
 * local Functions host running the built app, on free ports): a token for the operations client,
 * Northwind Traders connected after its admin's consent, a sync triggered and watched to its end,
 * its users read back. Plain HTTP, as curl would do it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { getFreePort } from '../support/freePort';
import { waitFor } from '../support/poll';
import { REPO_ROOT, TestProcess } from '../support/processes';
import type { Json } from '../support/simulator';

jest.setTimeout(180_000);

interface Stack {
    app: { url: string };
    simulator: { controlUrl: string; authorityHost: string };
    operationsClient: { tenantId: string; clientId: string; clientSecret: string; scope: string };
    tenants: { id: string; displayName: string; userCount: number }[];
}

let launcher: TestProcess;
let stateDir: string;
let stack: Stack;
let token: string;

beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'operations-e2e-'));
    // The stack's HTTPS origins use this test run's CA (the one NODE_EXTRA_CA_CERTS names), as curl would with --cacert.
    cpSync(join(REPO_ROOT, '.local', 'tls'), join(stateDir, 'tls'), { recursive: true });
    const port = await getFreePort();
    launcher = new TestProcess('launcher', 'dev/start/main.ts', [
        '--port',
        String(port),
        '--state-dir',
        stateDir,
        '--free-ports',
    ]);
    await launcher.waitForLine(/^STACK_READY /, 120_000);
    stack = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as Stack;
}, 150_000);

afterAll(async () => {
    await launcher?.stop();
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
});

async function api(method: string, path: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(path.startsWith('http') ? path : `${stack.app.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function finished(statusUrl: string): Promise<Json> {
    return waitFor(
        `run ${statusUrl} to finish`,
        async () => {
            const run = await api('GET', statusUrl);
            return run.body?.finishedAt !== null && run.body?.finishedAt !== undefined ? run.body : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, whileRunning: launcher.child },
    );
}

describe('the operator walkthrough from the README', () => {
    it('gets a token, connects Northwind Traders, syncs it and reads its users', async () => {
        const ops = stack.operationsClient;
        const tokenResponse = await fetch(`${stack.simulator.authorityHost}/${ops.tenantId}/oauth2/v2.0/token`, {
            method: 'POST',
            body: new URLSearchParams({
                grant_type: 'client_credentials',
                client_id: ops.clientId,
                client_secret: ops.clientSecret,
                scope: ops.scope,
            }),
        });
        token = ((await tokenResponse.json()) as { access_token: string }).access_token;
        expect(token).toMatch(/^ey/);

        const northwind = stack.tenants.find((t) => t.displayName === 'Northwind Traders');
        if (northwind === undefined) throw new Error('no Northwind Traders in the stack');
        expect((await api('PUT', `/api/tenants/${northwind.id}`)).status).toBe(409);

        // Its admin consents (in the browser, or here with the simulator's shortcut for "the admin said yes").
        await fetch(`${stack.simulator.controlUrl}/control/tenants/${northwind.id}/consent`, { method: 'POST' });
        const connected = await api('PUT', `/api/tenants/${northwind.id}`);
        expect(connected.status).toBe(201);
        expect(connected.body).toMatchObject({ displayName: 'Northwind Traders', status: 'active' });
        const first = await finished(connected.body.firstRun.statusUrl);
        expect(first).toMatchObject({ outcome: 'succeeded', mode: 'full', usersAdded: northwind.userCount });

        const requested = await api('POST', `/api/tenants/${northwind.id}/sync`);
        expect(requested.status).toBe(202);
        const second = await finished(requested.body.statusUrl);
        expect(second).toMatchObject({ outcome: 'succeeded', mode: 'delta', usersAdded: 0, usersRemoved: 0 });

        const tenant = await api('GET', `/api/tenants/${northwind.id}`);
        expect(tenant.body).toMatchObject({ status: 'active', userCount: northwind.userCount, syncing: false });
        const users = await api('GET', `/api/tenants/${northwind.id}/users?top=5`);
        expect(users.body.value).toHaveLength(5);
        expect(users.body.nextLink).toContain('continuationToken=');
    });
});
