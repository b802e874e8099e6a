import {
    IDENTITY_NOT_FOUND,
    NO_IDENTITY_NAMED,
    selectIdentity,
    type ManagedIdentityDescription,
} from '../../../../dev/sim/managedIdentity';

const identity: ManagedIdentityDescription = {
    clientId: '11111111-1111-4111-8111-111111111111',
    principalId: '22222222-2222-4222-8222-222222222222',
    resourceId:
        '/subscriptions/33333333-3333-4333-8333-333333333333/resourcegroups/rg-tenant-sync/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-tenant-sync',
};
const select = (query: Record<string, string>) => selectIdentity(new URLSearchParams(query), [identity]);

describe('selectIdentity (App Service, user-assigned identities only)', () => {
    it('finds the identity by client_id, mi_res_id, object_id or principal_id, in any case', () => {
        for (const query of [
            { client_id: identity.clientId.toUpperCase() },
            { mi_res_id: identity.resourceId.toLowerCase() },
            { object_id: identity.principalId },
            { principal_id: identity.principalId },
            { client_id: identity.clientId, object_id: identity.principalId },
        ])
            expect(select(query)).toEqual({ identity });
    });

    it('without a name there is no system-assigned identity to fall back to', () => {
        expect(select({})).toEqual({ message: NO_IDENTITY_NAMED });
        expect(select({ client_id: '' })).toEqual({ message: NO_IDENTITY_NAMED });
    });

    it('another identity, or names that disagree, find nothing', () => {
        expect(select({ client_id: identity.principalId })).toEqual({ message: IDENTITY_NOT_FOUND });
        expect(select({ client_id: identity.clientId, principal_id: identity.clientId })).toEqual({
            message: IDENTITY_NOT_FOUND,
        });
    });
});
