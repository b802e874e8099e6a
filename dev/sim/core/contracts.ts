/**
 * The seam between the two halves of the simulator:
 * - the directory (dev/sim/directory, dev/sim/graph) owns tenants and users;
 * - identity (dev/sim/identity, dev/sim/vault, dev/sim/managedIdentity) owns app registrations,
 *   service principals, consent, keys, tokens and secrets.
 * Each half depends only on these interfaces of the other.
 */
import type { Route } from './http';

export const MSA_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const VAULT_RESOURCE = 'https://vault.azure.net';
export const STORAGE_RESOURCE = 'https://storage.azure.com';

/**
 * Directory role template ids (Microsoft Learn, "Microsoft Entra built-in roles"), as tokens carry them in
 * `wids`. Every member also holds the implicit User role, and every guest the Guest User role.
 */
export const DIRECTORY_ROLES = {
    globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
    privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    user: 'b79fbf4d-3ef9-4689-8143-76b194e85509',
    guestUser: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
} as const;

/** Roles that may grant tenant-wide admin consent to application permissions of Microsoft Graph. */
export const ADMIN_CONSENT_ROLES: readonly string[] = [
    DIRECTORY_ROLES.globalAdministrator,
    DIRECTORY_ROLES.privilegedRoleAdministrator,
];

export type TenantSize = 'small' | 'medium' | 'large';
export type TenantStatus = 'active' | 'deleted' | 'decommissioned';

export interface TenantRecord {
    id: string;
    displayName: string;
    /** `<name>.onmicrosoft.com`; also accepted in identity URLs in place of the id. */
    defaultDomain: string;
    /** All verified domains, including defaultDomain. */
    domains: string[];
    /** Graph throttling tier: small < 50 users, medium 50-500, large > 500. */
    size: TenantSize;
    status: TenantStatus;
    /** The personal-account (MSA) tenant is special: no admin consent, no Graph directory. */
    kind: 'organization' | 'personal';
    region: string;
}

/** What identity needs to know about a user in order to sign them in and issue tokens. */
export interface SignInUser {
    /** Object id (Graph `id`, token `oid`). */
    id: string;
    tenantId: string;
    userPrincipalName: string;
    displayName: string;
    givenName: string | null;
    surname: string | null;
    mail: string | null;
    userType: 'Member' | 'Guest';
    /** Plain text: this is a test fixture, printed in .local/stack.json. */
    password: string;
    /** Holds a directory role that can grant tenant-wide admin consent (one of ADMIN_CONSENT_ROLES). */
    isAdmin: boolean;
    /** Template ids of the built-in directory roles assigned to the user (without the implicit User role). */
    directoryRoles: string[];
    accountEnabled: boolean;
}

/** Implemented by the directory; used by identity. */
export interface DirectoryView {
    listTenants(): TenantRecord[];
    /** By GUID or verified domain, case-insensitive. Includes deleted/decommissioned tenants. */
    findTenant(idOrDomain: string): TenantRecord | undefined;
    /** By sign-in name (UPN), case-insensitive, across all tenants. */
    findSignInUser(username: string): SignInUser | undefined;
    /** Users that can sign in for a tenant (for `login_hint` and the sign-in page's hints). */
    userCount(tenantId: string): number;
}

/** Claims of an access token issued by the simulator, after its signature and lifetime were checked. */
export interface AccessTokenClaims {
    aud: string;
    iss: string;
    tid: string;
    oid: string;
    appid?: string;
    azp?: string;
    roles?: string[];
    scp?: string;
    idtyp?: string;
    exp: number;
    nbf: number;
    iat: number;
    [claim: string]: unknown;
}

export type TokenCheck =
    | { ok: true; claims: AccessTokenClaims }
    | { ok: false; reason: 'missing' | 'malformed' | 'signature' | 'expired' | 'audience'; message: string };

/** Implemented by identity; used by Graph (and anything else that accepts bearer tokens). */
export interface TokenVerifier {
    /** Verifies signature (current or previous key), lifetime against the simulator clock, and audience. */
    verify(authorizationHeader: string | undefined, audience: string): TokenCheck;
}

/** A part of the simulator that contributes control-API routes and a section of GET /control/state. */
export interface ControlContributor {
    controlRoutes(): Route[];
    describeState(): Record<string, unknown>;
}
