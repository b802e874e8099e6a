import type { SimClock } from '../core/clock';
import { GRAPH_APP_ID } from '../core/contracts';
import type { IdFactory } from '../core/ids';
import type { PermissionDefinition } from './resources';

const DAY_MS = 24 * 60 * 60 * 1000;

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs' | 'AzureADandPersonalMicrosoftAccount';

export interface ClientSecret {
    /** `keyId` in Graph's passwordCredential. */
    keyId: string;
    /** First three characters, as the portal shows. */
    hint: string;
    value: string;
    startsAt: number;
    expiresAt: number;
}

export interface RequiredResourceAccess {
    resourceAppId: string;
    /** Application permissions (app role values). */
    roles: string[];
    /** Delegated permissions (scope values). */
    scopes: string[];
}

export interface AppRegistration {
    clientId: string;
    objectId: string;
    displayName: string;
    homeTenantId: string;
    signInAudience: SignInAudience;
    redirectUris: string[];
    /** Application ID URIs (`api://<clientId>`); the audience of tokens for this app's API. */
    identifierUris: string[];
    secrets: ClientSecret[];
    appRoles: PermissionDefinition[];
    requiredResourceAccess: RequiredResourceAccess[];
    /** Disabled by Microsoft or the publisher: no sign-in, no tokens anywhere (AADSTS7000112). */
    disabled: boolean;
    /**
     * `managedIdentity`: a user-assigned identity. It has no app registration in Entra, only a
     * service principal; this record carries its client id and its own ARM resource id.
     */
    kind: 'application' | 'managedIdentity';
    /** ARM resource id of a user-assigned identity (`…/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`). */
    resourceId?: string;
    /**
     * The manifest's `groupMembershipClaims`: `DirectoryRole` or `All` makes tokens for signed-in users carry
     * `wids` (Microsoft Learn, "Access token claims reference"; "Microsoft Entra app manifest").
     */
    groupMembershipClaims: GroupMembershipClaims;
    /** The manifest's `optionalClaims` for ID tokens (e.g. `email`). */
    optionalClaims: { idToken: string[] };
}

export const GROUP_MEMBERSHIP_CLAIMS = ['None', 'SecurityGroup', 'ApplicationGroup', 'DirectoryRole', 'All'] as const;
export type GroupMembershipClaims = (typeof GROUP_MEMBERSHIP_CLAIMS)[number];

/** Whether tokens for this app's signed-in users carry `wids`. */
export function emitsDirectoryRoles(app: AppRegistration): boolean {
    return app.groupMembershipClaims === 'DirectoryRole' || app.groupMembershipClaims === 'All';
}

export interface RoleGrant {
    resourceAppId: string;
    role: string;
    grantedAt: number;
    /** Consent propagation: tokens carry the role only from this simulator time on. */
    visibleAt: number;
}

export interface ServicePrincipal {
    objectId: string;
    appId: string;
    tenantId: string;
    /** Disabled by the tenant's admin ("Enabled for users to sign-in?" = No): AADSTS7000112. */
    enabled: boolean;
    grants: RoleGrant[];
    createdAt: number;
    /**
     * Replication: a new service principal is not visible everywhere at once. Until this simulator time the
     * token endpoint answers client credentials for the tenant as if it did not exist (AADSTS700016).
     */
    visibleAt: number;
}

export interface IdentityTunables {
    /** How long a new service principal stays invisible to client credentials (AADSTS700016). */
    servicePrincipalPropagationDelayMs: number;
    /** How long after its service principal becomes visible a grant stays out of tokens (no `roles`). */
    consentPropagationDelayMs: number;
    tokenLifetimeSeconds: number;
}

export const APP_ROLE_VALUES = ['Sync.Run', 'Tenants.Read', 'Users.Read', 'Tenants.Manage'] as const;

export interface IdentityStateSnapshot {
    apps: AppRegistration[];
    servicePrincipals: ServicePrincipal[];
    tunables: IdentityTunables;
}

/**
 * App registrations and service principals: the identity platform's view of who may get which
 * tokens where. Tenants and users belong to the directory (DirectoryView).
 */
export class IdentityState {
    readonly apps = new Map<string, AppRegistration>();
    /** Keyed by `${tenantId}|${appId}` (lower-case). */
    private readonly servicePrincipals = new Map<string, ServicePrincipal>();
    readonly tunables: IdentityTunables = {
        servicePrincipalPropagationDelayMs: 0,
        consentPropagationDelayMs: 0,
        tokenLifetimeSeconds: 3599,
    };

    constructor(
        private readonly ids: IdFactory,
        private readonly clock: SimClock,
    ) {}

    /** App registrations, service principals and settings, for the simulator's saved state. */
    snapshot(): IdentityStateSnapshot {
        return structuredClone({
            apps: [...this.apps.values()],
            servicePrincipals: [...this.servicePrincipals.values()],
            tunables: this.tunables,
        });
    }

    restore(saved: IdentityStateSnapshot): void {
        this.apps.clear();
        for (const app of saved.apps) this.addApp(app);
        this.servicePrincipals.clear();
        for (const sp of saved.servicePrincipals) this.servicePrincipals.set(spKey(sp.tenantId, sp.appId), sp);
        Object.assign(this.tunables, saved.tunables);
    }

    app(clientId: string): AppRegistration | undefined {
        return this.apps.get(clientId.toLowerCase());
    }

    /** An app by client id or Application ID URI. */
    appByIdentifier(identifier: string): AppRegistration | undefined {
        const wanted = identifier.replace(/\/+$/, '').toLowerCase();
        return (
            this.app(wanted) ??
            [...this.apps.values()].find((a) => a.identifierUris.some((u) => u.toLowerCase() === wanted))
        );
    }

    addApp(app: AppRegistration): AppRegistration {
        this.apps.set(app.clientId.toLowerCase(), app);
        return app;
    }

    newSecret(name: string, lifetimeDays = 730): ClientSecret {
        // Real secrets are 40 characters with a "8Q~"-style marker after a 3-character hint.
        const body = this.ids.secret(`identity/secret/${name}`, 37);
        const value = `${body.slice(0, 3)}8Q~${body.slice(3)}`.replace(/[-_]/g, '.');
        const now = this.clock.now();
        return {
            keyId: this.ids.named(`identity/secret-id/${name}`),
            hint: value.slice(0, 3),
            value,
            startsAt: now,
            expiresAt: now + lifetimeDays * DAY_MS,
        };
    }

    servicePrincipal(tenantId: string, appId: string): ServicePrincipal | undefined {
        return this.servicePrincipals.get(spKey(tenantId, appId));
    }

    servicePrincipalByObjectId(objectId: string): ServicePrincipal | undefined {
        return [...this.servicePrincipals.values()].find((sp) => sp.objectId === objectId.toLowerCase());
    }

    listServicePrincipals(): ServicePrincipal[] {
        return [...this.servicePrincipals.values()];
    }

    /**
     * Creates the app's service principal in the tenant (visible to client credentials after the
     * propagation delay, or `delayMs`), or re-enables the existing one.
     */
    ensureServicePrincipal(tenantId: string, appId: string, delayMs?: number): ServicePrincipal {
        const existing = this.servicePrincipal(tenantId, appId);
        if (existing) {
            existing.enabled = true;
            return existing;
        }
        const now = this.clock.now();
        const sp: ServicePrincipal = {
            objectId: this.ids.guid('identity/service-principal'),
            appId: appId.toLowerCase(),
            tenantId: tenantId.toLowerCase(),
            enabled: true,
            grants: [],
            createdAt: now,
            visibleAt: now + (delayMs ?? this.tunables.servicePrincipalPropagationDelayMs),
        };
        this.servicePrincipals.set(spKey(tenantId, appId), sp);
        return sp;
    }

    /** Whether client credentials for the service principal's tenant can see it yet. */
    isVisible(sp: ServicePrincipal): boolean {
        return sp.visibleAt <= this.clock.now();
    }

    /**
     * Records app-role grants; tokens carry them once the service principal is visible and the consent
     * propagation delay (or `delayMs`) has passed after that.
     */
    grantRoles(sp: ServicePrincipal, resourceAppId: string, roles: readonly string[], delayMs?: number): void {
        const now = this.clock.now();
        const visibleAt = Math.max(now, sp.visibleAt) + (delayMs ?? this.tunables.consentPropagationDelayMs);
        for (const role of roles) {
            if (sp.grants.some((g) => g.resourceAppId === resourceAppId.toLowerCase() && g.role === role)) continue;
            sp.grants.push({ resourceAppId: resourceAppId.toLowerCase(), role, grantedAt: now, visibleAt });
        }
    }

    /** Roles of `resourceAppId` granted to the principal that tokens issued now carry. */
    effectiveRoles(sp: ServicePrincipal, resourceAppId: string): string[] {
        const now = this.clock.now();
        return sp.grants
            .filter((g) => g.resourceAppId === resourceAppId.toLowerCase() && g.visibleAt <= now)
            .map((g) => g.role);
    }

    /** Consent revocation: delete the service principal, or (rolesOnly) just its app-role grants. */
    revoke(tenantId: string, appId: string, options: { rolesOnly: boolean }): ServicePrincipal | undefined {
        const sp = this.servicePrincipal(tenantId, appId);
        if (!sp) return undefined;
        if (options.rolesOnly) sp.grants = [];
        else this.servicePrincipals.delete(spKey(tenantId, appId));
        return sp;
    }
}

function spKey(tenantId: string, appId: string): string {
    return `${tenantId.toLowerCase()}|${appId.toLowerCase()}`;
}

/** What the seeded world contains on the identity side. */
export interface SeededIdentities {
    app: AppRegistration;
    operationsClient: AppRegistration;
    managedIdentity: AppRegistration;
    identityHeader: string;
}

export const DEFAULT_PUBLIC_BASE_URL = 'http://localhost:7071';

/** Name of the function app's user-assigned identity (infra/main.bicep names it `id-<resourceToken>`). */
export const MANAGED_IDENTITY_NAME = 'id-tenant-sync';

/**
 * The publisher's registrations: our multi-tenant app (with its service principal in the publisher
 * tenant only; customer tenants onboard through admin consent), the operations client granted our
 * API's app roles, and the function app's user-assigned managed identity (its only identity: like
 * the Bicep deployment, the app has no system-assigned identity).
 */
export function seedIdentities(state: IdentityState, ids: IdFactory, publisherTenantId: string): SeededIdentities {
    const publisher = publisherTenantId.toLowerCase();
    const clientId = ids.named('identity/app/tenant-sync');
    const app = state.addApp({
        clientId,
        objectId: ids.named('identity/app-object/tenant-sync'),
        displayName: 'Tenant Sync',
        homeTenantId: publisher,
        signInAudience: 'AzureADMultipleOrgs',
        redirectUris: [`${DEFAULT_PUBLIC_BASE_URL}/auth/callback`, `${DEFAULT_PUBLIC_BASE_URL}/connect/callback`],
        identifierUris: [`api://${clientId}`],
        secrets: [state.newSecret('tenant-sync/1')],
        appRoles: APP_ROLE_VALUES.map((value) => ({
            id: ids.named(`identity/app-role/${value}`),
            value,
            displayName: value,
            description: appRoleDescriptions[value],
            adminConsentRequired: true,
        })),
        requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, roles: ['User.Read.All'], scopes: ['User.Read'] }],
        disabled: false,
        kind: 'application',
        // Token configuration "Add groups claim → Directory roles": id tokens carry `wids`, which the
        // product reads to know whether the signed-in user may act for the tenant.
        groupMembershipClaims: 'DirectoryRole',
        optionalClaims: { idToken: [] },
    });
    const appSp = state.ensureServicePrincipal(publisher, clientId, 0);
    state.grantRoles(appSp, GRAPH_APP_ID, ['User.Read.All'], 0);

    const opsClientId = ids.named('identity/app/operations-client');
    const operationsClient = state.addApp({
        clientId: opsClientId,
        objectId: ids.named('identity/app-object/operations-client'),
        displayName: 'Tenant Sync Operations',
        homeTenantId: publisher,
        signInAudience: 'AzureADMyOrg',
        redirectUris: [],
        identifierUris: [],
        secrets: [state.newSecret('operations-client/1')],
        appRoles: [],
        requiredResourceAccess: [{ resourceAppId: clientId, roles: [...APP_ROLE_VALUES], scopes: [] }],
        disabled: false,
        kind: 'application',
        groupMembershipClaims: 'None',
        optionalClaims: { idToken: [] },
    });
    const opsSp = state.ensureServicePrincipal(publisher, opsClientId, 0);
    state.grantRoles(opsSp, clientId, APP_ROLE_VALUES, 0);

    const miClientId = ids.named(`identity/managed-identity/${MANAGED_IDENTITY_NAME}`);
    const managedIdentity = state.addApp({
        clientId: miClientId,
        objectId: ids.named('identity/app-object/managed-identity'),
        displayName: MANAGED_IDENTITY_NAME,
        homeTenantId: publisher,
        signInAudience: 'AzureADMyOrg',
        redirectUris: [],
        identifierUris: [],
        secrets: [],
        appRoles: [],
        requiredResourceAccess: [],
        disabled: false,
        kind: 'managedIdentity',
        groupMembershipClaims: 'None',
        optionalClaims: { idToken: [] },
        resourceId: `/subscriptions/${ids.named('identity/subscription')}/resourcegroups/rg-tenant-sync/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${MANAGED_IDENTITY_NAME}`,
    });
    state.ensureServicePrincipal(publisher, miClientId, 0);

    return { app, operationsClient, managedIdentity, identityHeader: ids.named('identity/msi/identity-header') };
}

const appRoleDescriptions: Record<(typeof APP_ROLE_VALUES)[number], string> = {
    'Sync.Run': 'Start a sync of a connected tenant.',
    'Tenants.Read': 'Read the list of connected tenants and their sync status.',
    'Users.Read': 'Read synced users.',
    'Tenants.Manage': 'Connect and disconnect tenants.',
};
