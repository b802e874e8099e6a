import { ADMIN_DIRECTORY_ROLES, holdsAdminRole } from '../../../src/auth/roles';

const USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';

describe('holdsAdminRole', () => {
    it('is true for Global Administrator and for Privileged Role Administrator', () => {
        expect(holdsAdminRole([USER_ROLE, ADMIN_DIRECTORY_ROLES.globalAdministrator])).toBe(true);
        expect(holdsAdminRole(['E8611AB8-C189-46E8-94E1-60213AB1F814'])).toBe(true);
    });

    it('is false for other roles, no roles, and anything that is not a list of ids', () => {
        expect(holdsAdminRole([USER_ROLE])).toBe(false);
        // User Administrator may manage users but not grant admin consent for application permissions.
        expect(holdsAdminRole(['fe930be7-5e62-47db-91af-98c3a49a38b1'])).toBe(false);
        expect(holdsAdminRole([])).toBe(false);
        expect(holdsAdminRole(undefined)).toBe(false);
        expect(holdsAdminRole(ADMIN_DIRECTORY_ROLES.globalAdministrator)).toBe(false);
        expect(holdsAdminRole([42, null])).toBe(false);
    });
});
