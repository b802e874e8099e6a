/**
 * The user object as the simulated directory holds it: the Graph `user` properties the app syncs,
 * plus sign-in facts that Graph never returns.
 */

export type UserType = 'Member' | 'Guest';

/** Graph `user` properties held by the directory (names and JSON types exactly as in Graph v1.0). */
export interface GraphUser {
    id: string;
    displayName: string;
    givenName: string | null;
    surname: string | null;
    userPrincipalName: string;
    mail: string | null;
    jobTitle: string | null;
    department: string | null;
    officeLocation: string | null;
    mobilePhone: string | null;
    businessPhones: string[];
    preferredLanguage: string | null;
    accountEnabled: boolean;
    userType: UserType;
    /** ISO 8601 UTC with a `Z` suffix, as Graph sends it. */
    createdDateTime: string;
    employeeId: string | null;
    otherMails: string[];
}

/** A directory user: Graph properties plus facts only the identity platform sees. */
export interface DirectoryUser extends GraphUser {
    /** Plain text: a test fixture, printed for seeded admins and users. */
    password: string;
    /** Holds a directory role that may grant tenant-wide admin consent. */
    isAdmin: boolean;
    /**
     * Directory role template ids, when set through the control API; otherwise an admin holds Global
     * Administrator and everyone else no role (see `directoryRolesOf`).
     */
    directoryRoles?: string[];
}

/** Where a user is in its lifecycle: soft-deleted users sit in "deleted items" and can be restored. */
export type UserState = 'active' | 'softDeleted' | 'hardDeleted';

export type GraphUserProperty = keyof GraphUser;

/** What GET /users and /users/delta return without `$select` (Graph's documented default set). */
export const DEFAULT_USER_PROPERTIES: readonly GraphUserProperty[] = [
    'businessPhones',
    'displayName',
    'givenName',
    'jobTitle',
    'mail',
    'mobilePhone',
    'officeLocation',
    'preferredLanguage',
    'surname',
    'userPrincipalName',
    'id',
];

/** Every Graph property the directory stores, in Graph's metadata order (used for full projections). */
export const GRAPH_USER_PROPERTIES: readonly GraphUserProperty[] = [
    ...DEFAULT_USER_PROPERTIES,
    'accountEnabled',
    'createdDateTime',
    'department',
    'employeeId',
    'otherMails',
    'userType',
];

/** Properties that may be changed through the control API (everything but `id` and `createdDateTime`). */
export const MUTABLE_USER_PROPERTIES = GRAPH_USER_PROPERTIES.filter(
    (p) => p !== 'id' && p !== 'createdDateTime',
) as readonly Exclude<GraphUserProperty, 'id' | 'createdDateTime'>[];

/** The user's directory roles: as assigned, else Global Administrator for an admin. */
export function directoryRolesOf(user: DirectoryUser, globalAdministrator: string): string[] {
    return user.directoryRoles ?? (user.isAdmin ? [globalAdministrator] : []);
}

export function graphPropertiesOf(user: DirectoryUser): GraphUser {
    const out = {} as Record<string, unknown>;
    for (const property of GRAPH_USER_PROPERTIES) out[property] = user[property];
    return out as unknown as GraphUser;
}
