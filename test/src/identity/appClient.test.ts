/**
 * The process's MSAL client and the client secret's rotation, against the simulator: the secret is
 * read from Key Vault once; when the identity platform rejects it, it is read again once.
 */
import { startProductWorld, type ProductWorld } from '../../support/productWorld';

let world: ProductWorld;
let contoso: string;
beforeAll(async () => {
    world = await startProductWorld();
    contoso = world.sim.tenantId('Contoso');
    await world.sim.consent(contoso);
});
afterAll(() => world.stop());

async function vaultReads(since: number): Promise<number> {
    const requests = await world.sim.requestsSince(since, 'vault');
    return requests.filter((r: { path: string }) => r.path.startsWith('/secrets/graph-client-secret')).length;
}

describe('client secret rotation', () => {
    it('reads the secret again once after AADSTS7000215 and carries on with the new one', async () => {
        const services = world.newServices();
        await services.appTokens.graphToken(contoso);
        const since = await world.sim.lastRequestSeq();
        // The operator rotates the secret (the old one stops working) and stores the new one in Key Vault.
        const rotated = await world.sim.control(
            'POST',
            `/control/identity/apps/${world.sim.appClientId}/secrets/rotate`,
            {},
        );
        expect(rotated.status).toBe(200);
        const token = await services.appTokens.graphToken(contoso, { forceRefresh: true });
        expect(token.roles).toEqual(['User.Read.All']);
        expect(await vaultReads(since)).toBe(1);
    });

    it('an expired secret that Key Vault still holds is the operator’s problem: client_secret_invalid, after one re-read', async () => {
        const services = world.newServices();
        await services.appTokens.graphToken(contoso);
        const since = await world.sim.lastRequestSeq();
        await world.sim.control('POST', `/control/identity/apps/${world.sim.appClientId}/secrets/expire`, {});
        await expect(services.appTokens.graphToken(contoso, { forceRefresh: true })).rejects.toMatchObject({
            code: 'client_secret_invalid',
            category: 'configuration',
        });
        expect(await vaultReads(since)).toBe(1);
        // A rotation fixes it without a restart.
        await world.sim.control('POST', `/control/identity/apps/${world.sim.appClientId}/secrets/rotate`, {});
        await expect(services.appTokens.graphToken(contoso, { forceRefresh: true })).resolves.toMatchObject({
            roles: ['User.Read.All'],
        });
    });

    it('a tenant that does not exist is the customer’s side: tenant_not_found', async () => {
        await expect(
            world.services.appTokens.graphToken('00000000-0000-4000-8000-000000000009', { forceRefresh: true }),
        ).rejects.toMatchObject({ code: 'tenant_not_found', category: 'customer', remoteCode: 'AADSTS90002' });
    });
});
