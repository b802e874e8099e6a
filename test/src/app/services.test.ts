/**
 * The composition root against the real neighbours: Azurite for tables and queues, the simulator's
 * managed identity and Key Vault for the client secret, its identity platform for MSAL and its Graph.
 */
import { newTenantRecord, TenantStatus } from '../../../src/tenants';
import { startProductWorld, type ProductWorld } from '../../support/productWorld';

let world: ProductWorld;
beforeAll(async () => (world = await startProductWorld()));
afterAll(() => world.stop());

describe('buildServices', () => {
    it('reads the client secret from Key Vault through the managed identity', async () => {
        const secret = await world.services.secrets.get(world.config.keyVault.clientSecretName);
        expect(secret.length).toBeGreaterThan(20);
        // Cached: the second read is the same promise's value.
        await expect(world.services.secrets.get(world.config.keyVault.clientSecretName)).resolves.toBe(secret);
    });

    it('gets an app-only Graph token for a consented tenant and calls Graph with it', async () => {
        const tenantId = world.sim.tenantId('Contoso');
        await world.sim.consent(tenantId);
        const token = await world.services.appTokens.graphToken(tenantId);
        expect(token.roles).toEqual(['User.Read.All']);
        const organization = await world.services.graph
            .forTenant(tenantId)
            .getJson<{ value: { id: string; displayName: string }[] }>('/v1.0/organization');
        expect(organization.value[0]).toMatchObject({ id: tenantId, displayName: 'Contoso' });
    });

    it('reports a tenant without consent as the customer admin’s problem', async () => {
        const tenantId = world.sim.tenantId('Fabrikam');
        await expect(world.services.appTokens.graphToken(tenantId, { forceRefresh: true })).rejects.toMatchObject({
            code: 'consent_required',
            category: 'customer',
            remoteCode: 'AADSTS700016',
        });
    });

    it('creates the tables, and tenant rows round-trip through the registry', async () => {
        const tenantId = '12345678-1234-1234-1234-123456789012';
        const created = await world.services.tenants.upsert(
            tenantId,
            () => newTenantRecord(tenantId, 'Example', TenantStatus.pending, new Date()),
            (current) => current,
        );
        expect(created.record).toMatchObject({ tenantId, displayName: 'Example', status: 'pending' });
        const read = await world.services.tenants.get(tenantId);
        expect(read?.record).toEqual(created.record);
    });
});
