/**
 * The directory roles that may act for a whole organization in Tenant Sync: connect it (grant admin
 * consent for an application permission), sync it now and disconnect it. Entra ID puts the template
 * ids of a user's directory roles in the id token's `wids` claim when the app registration's
 * `groupMembershipClaims` includes directory roles (docs/deploy.md, infra/app-registration.bicep).
 * Template ids are the same in every tenant:
 * https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
 */
export const ADMIN_DIRECTORY_ROLES = {
    globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
    privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
} as const;

const ADMIN_ROLE_IDS: ReadonlySet<string> = new Set(Object.values(ADMIN_DIRECTORY_ROLES));

/** Whether the `wids` claim names a role that may act for the tenant. Anything but an array of strings holds none. */
export function holdsAdminRole(wids: unknown): boolean {
    if (!Array.isArray(wids)) return false;
    return wids.some((id) => typeof id === 'string' && ADMIN_ROLE_IDS.has(id.toLowerCase()));
}
