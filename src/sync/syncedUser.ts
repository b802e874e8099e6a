/** The Graph user properties Tenant Sync copies (the delta query's `$select`). */
export const USER_PROPERTIES = [
    'id',
    'displayName',
    'givenName',
    'surname',
    'userPrincipalName',
    'mail',
    'jobTitle',
    'department',
    'officeLocation',
    'accountEnabled',
    'userType',
] as const;

/** One synced user, as stored and served; a property Graph has no value for is null. */
export interface SyncedUser {
    id: string;
    displayName: string | null;
    givenName: string | null;
    surname: string | null;
    userPrincipalName: string | null;
    mail: string | null;
    jobTitle: string | null;
    department: string | null;
    officeLocation: string | null;
    accountEnabled: boolean | null;
    userType: string | null;
}

/** Every property but the id and the one boolean is text. */
const STRING_PROPERTIES = USER_PROPERTIES.filter(
    (name): name is Exclude<(typeof USER_PROPERTIES)[number], 'id' | 'accountEnabled'> =>
        name !== 'id' && name !== 'accountEnabled',
);

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user object from Graph, checked: a user without a valid id cannot be stored; wrong types become null. */
export function toSyncedUser(value: Record<string, unknown>): SyncedUser | undefined {
    const id = value.id;
    if (typeof id !== 'string' || !OBJECT_ID.test(id)) return undefined;
    const user: SyncedUser = {
        id: id.toLowerCase(),
        displayName: null,
        givenName: null,
        surname: null,
        userPrincipalName: null,
        mail: null,
        jobTitle: null,
        department: null,
        officeLocation: null,
        accountEnabled: typeof value.accountEnabled === 'boolean' ? value.accountEnabled : null,
        userType: null,
    };
    for (const name of STRING_PROPERTIES) {
        const property = value[name];
        if (typeof property === 'string') user[name] = property;
    }
    return user;
}

/** The key the users page searches by: the display name, case- and width-folded. */
export function nameKeyOf(displayName: string | null): string {
    return (displayName ?? '').normalize('NFKC').toLowerCase();
}
