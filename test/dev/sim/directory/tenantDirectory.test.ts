import { MSA_TENANT_ID } from '../../../../dev/sim/core/contracts';
import { DirectoryConflictError, sizeForUserCount, UserNotFoundError } from '../../../../dev/sim/directory';
import { fabrikamDirectory, newUser } from '../../../support/users';

const world = (seed = 'unit') => fabrikamDirectory(seed, 25);

describe('generated tenants', () => {
    it('are deterministic from the seed', () => {
        const a = world('same').fabrikam;
        const b = world('same').fabrikam;
        const c = world('different').fabrikam;
        expect(a.record.id).toBe(b.record.id);
        expect(a.entryAt(7).user).toEqual(b.entryAt(7).user);
        expect(c.record.id).not.toBe(a.record.id);
        expect(c.entryAt(7).user.id).not.toBe(a.entryAt(7).user.id);
    });

    it('publish an admin and an ordinary user with passwords', () => {
        const { fabrikam, directory } = world();
        const admin = fabrikam.seededCredentials(0)!;
        const user = fabrikam.seededCredentials(1)!;
        expect(directory.findSignInUser(admin.username)).toMatchObject({ isAdmin: true, password: admin.password });
        expect(directory.findSignInUser(user.username.toUpperCase())).toMatchObject({
            isAdmin: false,
            tenantId: fabrikam.record.id,
        });
    });

    it('contain the awkward cases real directories have', () => {
        const users = world()
            .fabrikam.walk(0, 100, () => true)
            .entries.map((e) => e.user);
        expect(users).toHaveLength(25);
        const guest = users.find((u) => u.userType === 'Guest')!;
        expect(guest.userPrincipalName).toMatch(/#EXT#@fabrikam\.onmicrosoft\.com$/);
        expect(guest.mail).not.toMatch(/fabrikam/);
        expect(users.some((u) => !u.accountEnabled)).toBe(true);
        expect(users.some((u) => u.mail === null && u.userType === 'Member')).toBe(true);
        expect(users.some((u) => /\p{Extended_Pictographic}/u.test(u.displayName))).toBe(true);
        expect(users.some((u) => /[\u0590-\u05ff]/.test(u.displayName))).toBe(true); // Hebrew
        expect(users.some((u) => /[\u0600-\u06ff]/.test(u.displayName))).toBe(true); // Arabic
        expect(users.some((u) => u.displayName === '王芳')).toBe(true);
        expect(users.some((u) => u.surname === "O'Brien")).toBe(true);
        expect(users.some((u) => u.givenName === null && u.surname === null)).toBe(true);
        expect(new Set(users.map((u) => u.userPrincipalName.toLowerCase())).size).toBe(25);
        for (const u of users) expect(u.createdDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    });

    it('has the personal-account tenant with one personal user', () => {
        const { directory } = world();
        expect(directory.findTenant(MSA_TENANT_ID)).toMatchObject({ kind: 'personal' });
        expect(directory.findSignInUser('jo.personal@outlook.com')).toMatchObject({ tenantId: MSA_TENANT_ID });
    });

    it('finds tenants by id or domain, case-insensitively', () => {
        const { directory, fabrikam } = world();
        expect(directory.findTenant(fabrikam.record.id.toUpperCase())?.id).toBe(fabrikam.record.id);
        expect(directory.findTenant('FABRIKAM.onmicrosoft.com')?.id).toBe(fabrikam.record.id);
        expect(directory.findTenant('fabrikam.com')?.id).toBe(fabrikam.record.id);
        expect(directory.findTenant('nowhere.example')).toBeUndefined();
    });

    it('derives the throttling tier from the user count', () => {
        expect([49, 50, 500, 501].map(sizeForUserCount)).toEqual(['small', 'medium', 'medium', 'large']);
    });
});

describe('a large lazily generated tenant', () => {
    it('answers lookups anywhere without storing users', () => {
        const { directory } = world();
        const big = directory.createTenant({ displayName: 'Big Co', userCount: 100_000 });
        const last = big.entryAt(99_999).user;
        expect(big.find(last.id)?.user).toEqual(last);
        expect(big.find(last.userPrincipalName.toUpperCase())?.user.id).toBe(last.id);
        expect(big.walk(99_990, 50, () => true).entries).toHaveLength(10);
        expect(big.userCount).toBe(100_000);
        expect(big.overlaySize).toBe(0);
        expect(big.find(big.codec.idFor(100_000))).toBeUndefined();
    });
});

describe('changes through the directory', () => {
    it('creates, updates, soft-deletes, restores and hard-deletes with a change log', () => {
        const { fabrikam, directory } = world();
        const created = fabrikam.createUser(newUser());
        expect(fabrikam.userCount).toBe(26);
        expect(directory.findSignInUser('ADA@fabrikam.com')?.id).toBe(created.id);

        const { changed } = fabrikam.updateUser(created.id, { jobTitle: 'Analyst', displayName: 'Ada Lovelace' });
        expect(changed).toEqual(['jobTitle']);

        fabrikam.deleteUser(created.id, false);
        expect(fabrikam.userCount).toBe(25);
        expect(fabrikam.find(created.id)?.state).toBe('softDeleted');
        expect(directory.findSignInUser('ada@fabrikam.com')).toBeUndefined();
        expect(() => fabrikam.updateUser(created.id, { jobTitle: 'x' })).toThrow(UserNotFoundError);

        fabrikam.restoreUser(created.id);
        expect(fabrikam.find(created.id)?.state).toBe('active');
        fabrikam.deleteUser(created.id, true);
        expect(fabrikam.find(created.id)?.state).toBe('hardDeleted');
        expect(() => fabrikam.restoreUser(created.id)).toThrow(UserNotFoundError);
        expect(() => fabrikam.deleteUser(created.id, true)).toThrow(UserNotFoundError);

        expect(fabrikam.changes.changedBetween(0, fabrikam.changes.lastSeq)).toHaveLength(1);
        expect(fabrikam.changes.lastSeq).toBe(5);
    });

    it('stores only the users it changed', () => {
        const { fabrikam } = world();
        const target = fabrikam.entryAt(10).user;
        fabrikam.updateUser(target.id, { department: 'Legal' });
        expect(fabrikam.overlaySize).toBe(1);
        expect(fabrikam.entryAt(10).user.department).toBe('Legal');
        expect(fabrikam.entryAt(11).user).toEqual(world().fabrikam.entryAt(11).user);
    });

    it('refuses a sign-in name in use, frees it after a hard delete, and follows renames', () => {
        const { fabrikam } = world();
        const existing = fabrikam.entryAt(5).user;
        expect(() =>
            fabrikam.createUser(newUser({ userPrincipalName: existing.userPrincipalName.toUpperCase() })),
        ).toThrow(DirectoryConflictError);
        fabrikam.updateUser(existing.id, { userPrincipalName: 'renamed@fabrikam.com' });
        expect(fabrikam.find(existing.userPrincipalName)).toBeUndefined();
        expect(fabrikam.find('renamed@fabrikam.com')?.user.id).toBe(existing.id);
        const reuse = fabrikam.createUser(newUser({ userPrincipalName: existing.userPrincipalName }));
        expect(fabrikam.find(existing.userPrincipalName)?.user.id).toBe(reuse.id);

        fabrikam.deleteUser(reuse.id, false);
        expect(() => fabrikam.createUser(newUser({ userPrincipalName: existing.userPrincipalName }))).toThrow(
            DirectoryConflictError,
        );
        fabrikam.deleteUser(reuse.id, true);
        expect(fabrikam.createUser(newUser({ userPrincipalName: existing.userPrincipalName })).id).not.toBe(reuse.id);
    });

    it('rejects bad tenant sizes', () => {
        const { directory } = world();
        expect(() => directory.createTenant({ displayName: 'X', userCount: -1 })).toThrow(RangeError);
        expect(() => directory.createTenant({ displayName: 'X', userCount: 1.5 })).toThrow(RangeError);
    });
});
