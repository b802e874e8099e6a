/**
 * The local world survives a restart: with a state directory, the simulator saves its mutable state
 * (service principals and grants, directory changes, tenants created later, secret versions and signing keys,
 * settings, the clock, id counters) atomically to <state dir>/sim/state.json and continues from it on the next
 * start; `reset` discards it; two simulators never share one state directory.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { StateDirectoryError } from '../../../../dev/sim/state/stateDirectory';
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let stateDir: string;
const running: TestSimulator[] = [];

beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'sim-state-'));
});
afterEach(async () => {
    await Promise.all(running.splice(0).map((t) => t.stop()));
    rmSync(stateDir, { recursive: true, force: true });
});

async function start(options: { reset?: boolean; seed?: string } = {}): Promise<TestSimulator> {
    const t = await startTestSimulator({ stateDir, ...options });
    running.push(t);
    return t;
}

async function stop(t: TestSimulator): Promise<void> {
    running.splice(running.indexOf(t), 1);
    await t.stop();
}

async function ok(t: TestSimulator, method: string, path: string, body?: unknown): Promise<Json> {
    const answer = await t.control(method, path, body);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
}

/** A token request without MSAL's cache: the raw client-credentials answer. */
async function clientCredentials(t: TestSimulator, tenantId: string, secret: string): Promise<Json> {
    const response = await fetch(`${t.origins.login}/${tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: t.sim.identity.publisher.appClientId,
            client_secret: secret,
            scope: 'https://graph.microsoft.com/.default',
        }).toString(),
    });
    return response.json();
}

function onOrigin(t: TestSimulator, link: string): string {
    const url = new URL(link);
    return `${t.origins.graph}${url.pathname}${url.search}`;
}

it('a restarted simulator finds consent, directory changes, secrets, keys, settings and the clock as they were', async () => {
    const first = await start();
    expect(first.sim.restored).toBe(false);
    const contoso = first.tenantId('Contoso');
    const fabrikam = first.tenantId('Fabrikam');
    const appId = first.sim.identity.publisher.appClientId;

    await ok(first, 'POST', `/control/tenants/${contoso}/consent`);
    await ok(first, 'POST', `/control/tenants/${fabrikam}/consent`);
    const created = await ok(first, 'POST', '/control/tenants', { displayName: 'Wide World Importers', userCount: 7 });
    const newcomer = await ok(first, 'POST', `/control/tenants/${fabrikam}/users`, { displayName: 'Zoë Adler' });
    const users = (await ok(first, 'GET', `/control/tenants/${fabrikam}/users?top=6`)).users as Json[];
    await ok(first, 'PATCH', `/control/tenants/${fabrikam}/users/${users[4].id}`, { jobTitle: 'Chief Restarter' });
    await ok(first, 'DELETE', `/control/tenants/${fabrikam}/users/${users[5].id}`);
    await ok(first, 'PATCH', `/control/tenants/${contoso}`, { displayName: 'Contoso Ltd' });
    const rotated = (await ok(first, 'POST', `/control/identity/apps/${appId}/secrets/rotate`)).secret.value as string;
    await ok(first, 'POST', '/control/identity/settings', {
        consentPropagationDelayMs: 1234,
        tokenLifetimeSeconds: 7200,
    });
    await ok(first, 'PATCH', '/control/graph', { latency: { fixedMs: 3, perUserMs: 0.5 } });
    await ok(first, 'POST', '/control/identity/keys/roll');
    await ok(first, 'POST', '/control/clock', { advanceSeconds: 86_400 });

    // A Graph token and a delta link issued before the restart; one more change after the link.
    const token = (await clientCredentials(first, fabrikam, rotated)).access_token as string;
    let link = '';
    for (let next = '/v1.0/users/delta?$select=displayName,jobTitle'; next !== '';) {
        const page = await (await first.graph(next, { token })).json();
        next = page['@odata.nextLink'] ?? '';
        link = page['@odata.deltaLink'] ?? link;
    }
    await ok(first, 'PATCH', `/control/tenants/${fabrikam}/users/${users[3].id}`, { displayName: 'Renamed Later' });
    const before = await ok(first, 'GET', '/control/state');
    const jwksBefore = await (await fetch(`${first.origins.login}/common/discovery/v2.0/keys`)).json();
    await stop(first);

    // Saved once, owner-only, with nothing half-written left next to it.
    const statePath = join(stateDir, 'sim', 'state.json');
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(stateDir, 'sim')).sort()).toEqual(['state.json']);

    const second = await start();
    expect(second.sim.restored).toBe(true);
    const after = await ok(second, 'GET', '/control/state');
    // Consent: Contoso's service principal, with its object id and grants, and tokens with roles.
    expect(after.servicePrincipals).toEqual(before.servicePrincipals);
    const contosoToken = await clientCredentials(second, contoso, rotated);
    const claims = JSON.parse(Buffer.from(contosoToken.access_token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims.roles).toEqual(['User.Read.All']);
    // Directory: the created tenant, the created, changed and deleted users, the renamed tenant.
    expect(after.tenants).toEqual(before.tenants);
    expect((await ok(second, 'GET', `/control/tenants/${created.id}`)).userCount).toBe(7);
    expect((await ok(second, 'GET', `/control/tenants/${fabrikam}/users/${newcomer.id}`)).displayName).toBe(
        'Zoë Adler',
    );
    expect((await ok(second, 'GET', `/control/tenants/${fabrikam}/users/${users[4].id}`)).jobTitle).toBe(
        'Chief Restarter',
    );
    expect((await ok(second, 'GET', `/control/tenants/${fabrikam}/users/${users[5].id}`)).state).toBe('softDeleted');
    // Secrets, keys, settings, clock.
    expect(after.apps).toEqual(before.apps);
    expect(after.vaultSecrets).toEqual(before.vaultSecrets);
    expect(after.signingKeys).toEqual(before.signingKeys);
    // The same published keys (the issuer field names the new port).
    const jwksAfter = await (await fetch(`${second.origins.login}/common/discovery/v2.0/keys`)).json();
    const withoutIssuer = (jwks: Json) => jwks.keys.map(({ issuer: _issuer, ...key }: Json) => key);
    expect(withoutIssuer(jwksAfter)).toEqual(withoutIssuer(jwksBefore));
    expect(after.settings).toEqual({
        servicePrincipalPropagationDelayMs: 0,
        consentPropagationDelayMs: 1234,
        tokenLifetimeSeconds: 7200,
    });
    expect(after.graph.settings).toEqual(before.graph.settings);
    expect(after.graph.settings.latency).toEqual({ fixedMs: 3, perUserMs: 0.5 });
    expect(after.clock.offsetMs).toBe(before.clock.offsetMs);

    // The token from before the restart is still accepted, and the delta link continues where it was.
    const round = await (await second.graph(onOrigin(second, link), { token })).json();
    expect(round.value).toEqual([{ id: users[3].id, displayName: 'Renamed Later', jobTitle: users[3].jobTitle }]);

    // New ids continue the sequences: nothing made after the restart reuses an earlier id.
    const another = await ok(second, 'POST', '/control/tenants', { displayName: 'Another Corp', userCount: 1 });
    expect(another.id).not.toBe(created.id);
    const secondUser = await ok(second, 'POST', `/control/tenants/${fabrikam}/users`, { displayName: 'Zoë Adler' });
    expect(secondUser.id).not.toBe(newcomer.id);
    expect(secondUser.userPrincipalName).not.toBe(newcomer.userPrincipalName);
});

it('saves changes while running (not only on stop), coalescing a burst into one write', async () => {
    const t = await start();
    const statePath = join(stateDir, 'sim', 'state.json');
    await t.sim.state?.flush();
    const written = () => statSync(statePath).mtimeMs;
    const firstWrite = written();
    for (let i = 0; i < 20; i++)
        await ok(t, 'POST', `/control/tenants/${t.tenantId('Fabrikam')}/users`, { displayName: `Burst ${i}` });
    // At most a second after the first change of the burst.
    const deadline = Date.now() + 3000;
    while (written() === firstWrite && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const saved = JSON.parse(readFileSync(statePath, 'utf8'));
    const fabrikam = saved.directory.tenants.find((x: Json) => x.record.displayName === 'Fabrikam');
    expect(fabrikam.created).toHaveLength(20);
});

it('reset discards the saved state', async () => {
    const first = await start();
    const contoso = first.tenantId('Contoso');
    const secret = (await first.appCredentials()).clientSecret;
    await ok(first, 'POST', `/control/tenants/${contoso}/consent`);
    await stop(first);

    const fresh = await start({ reset: true });
    expect(fresh.sim.restored).toBe(false);
    // No service principal in Contoso any more: not consented.
    expect((await clientCredentials(fresh, contoso, secret)).error_codes).toEqual([700016]);
    const state = await ok(fresh, 'GET', '/control/state');
    expect(state.servicePrincipals.some((sp: Json) => sp.tenantId === contoso)).toBe(false);
});

it('refuses a state directory in use by another simulator, naming its process', async () => {
    await start();
    const error = await startTestSimulator({ stateDir }).then(
        (t) => {
            running.push(t);
            return undefined;
        },
        (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StateDirectoryError);
    expect((error as Error).message).toBe(
        `the state directory ${join(stateDir, 'sim')} is in use by another simulator (process ${process.pid}); stop it, or give this one its own state directory`,
    );
});

it('takes over a lock left by a process that is gone', async () => {
    const first = await start();
    await stop(first);
    // A crashed simulator leaves its lock behind; pid 2^22+1 is above Linux's pid limit, so it is nobody.
    writeFileSync(join(stateDir, 'sim', 'lock'), JSON.stringify({ pid: 4_194_305 }));
    const second = await start();
    expect(second.sim.restored).toBe(true);
});

it('refuses state saved for another seed, or a file that is not JSON, and says how to start over', async () => {
    await stop(await start());
    await expect(startTestSimulator({ stateDir, seed: 'another-seed' })).rejects.toThrow(
        /it was saved by a simulator seeded with "test", not "another-seed"; start with --reset to discard it/,
    );
    writeFileSync(join(stateDir, 'sim', 'state.json'), '{"half": ');
    await expect(startTestSimulator({ stateDir })).rejects.toThrow(/state\.json is not valid JSON; start with --reset/);
    // Neither attempt kept the directory: a good start still works.
    const again = await start({ reset: true });
    expect(again.sim.restored).toBe(false);
});
