/** Control-API routes of the identity half (mounted on the control server by the composition root). */
import { z } from 'zod';

import type { SimClock } from '../core/clock';
import { GRAPH_APP_ID, type DirectoryView } from '../core/contracts';
import { badInput, bodyOf, notFound, reply } from '../core/controlReply';
import type { Route, SimRequest, SimResponse } from '../core/http';
import type { SecretStore } from '../vault/store';
import type { SigningKeys } from './keys';
import { type AppRegistration, GROUP_MEMBERSHIP_CLAIMS, type IdentityState, type ServicePrincipal } from './state';

export interface ControlDeps {
    state: IdentityState;
    keys: SigningKeys;
    directory: DirectoryView;
    clock: SimClock;
    secrets: SecretStore;
    /** Our multi-tenant app: the default `appId` of tenant-scoped routes. */
    appClientId: string;
    /** Where our app's client secret is kept in the vault (rotation writes a new version). */
    clientSecretName: string;
}

const appOption = z.object({ appId: z.string().min(1).optional() }).strict();
const consentBody = z
    .object({
        appId: z.string().min(1).optional(),
        /** Graph app roles to grant; default: what the app registration requires. */
        roles: z.array(z.string().min(1)).optional(),
        /** Override the consent propagation delay for this grant. */
        delayMs: z.number().int().nonnegative().optional(),
        /** Override the service principal propagation delay, when consent creates the service principal. */
        servicePrincipalDelayMs: z.number().int().nonnegative().optional(),
    })
    .strict();
const revokeBody = z
    .object({
        appId: z.string().min(1).optional(),
        /** Keep the service principal, remove only its app-role grants (tokens then carry no roles). */
        rolesOnly: z.boolean().optional(),
    })
    .strict();
const rotateBody = z.object({ keepPrevious: z.boolean().optional() }).strict();
const redirectBody = z.object({ uri: z.url() }).strict();
/** The app registration's "Token configuration": groups claim and ID token optional claims. */
const tokenConfigurationBody = z
    .object({
        groupMembershipClaims: z.enum(GROUP_MEMBERSHIP_CLAIMS).optional(),
        idTokenOptionalClaims: z.array(z.enum(['email'])).optional(),
    })
    .strict();
const settingsBody = z
    .object({
        servicePrincipalPropagationDelayMs: z.number().int().nonnegative().optional(),
        consentPropagationDelayMs: z.number().int().nonnegative().optional(),
        tokenLifetimeSeconds: z.number().int().min(60).max(86400).optional(),
    })
    .strict();
const vaultSecretBody = z
    .object({
        value: z.string().optional(),
        version: z.string().optional(),
        enabled: z.boolean().optional(),
        /** Unix seconds; null removes the attribute. */
        nbf: z.number().int().nullable().optional(),
        exp: z.number().int().nullable().optional(),
    })
    .strict();

export function describeApp(app: AppRegistration): Record<string, unknown> {
    return {
        clientId: app.clientId,
        objectId: app.objectId,
        displayName: app.displayName,
        kind: app.kind,
        homeTenantId: app.homeTenantId,
        signInAudience: app.signInAudience,
        disabled: app.disabled,
        redirectUris: app.redirectUris,
        identifierUris: app.identifierUris,
        appRoles: app.appRoles.map((r) => r.value),
        requiredResourceAccess: app.requiredResourceAccess,
        groupMembershipClaims: app.groupMembershipClaims,
        optionalClaims: app.optionalClaims,
        // Hints only: secret values never appear in the state view.
        secrets: app.secrets.map((s) => ({
            keyId: s.keyId,
            hint: s.hint,
            startsAt: new Date(s.startsAt).toISOString(),
            expiresAt: new Date(s.expiresAt).toISOString(),
        })),
        ...(app.resourceId === undefined ? {} : { resourceId: app.resourceId }),
    };
}

export function describeServicePrincipal(sp: ServicePrincipal, state: IdentityState): Record<string, unknown> {
    return {
        objectId: sp.objectId,
        appId: sp.appId,
        appDisplayName: state.app(sp.appId)?.displayName ?? null,
        tenantId: sp.tenantId,
        enabled: sp.enabled,
        createdAt: new Date(sp.createdAt).toISOString(),
        visibleAt: new Date(sp.visibleAt).toISOString(),
        grants: sp.grants.map((g) => ({
            resourceAppId: g.resourceAppId,
            role: g.role,
            grantedAt: new Date(g.grantedAt).toISOString(),
            visibleAt: new Date(g.visibleAt).toISOString(),
        })),
    };
}

export function identityControlRoutes(deps: ControlDeps): Route[] {
    const { state, directory } = deps;

    const tenantOf = (request: SimRequest): string => {
        const tenant = directory.findTenant(request.params.tid ?? '');
        if (!tenant) throw notFound(`No tenant '${request.params.tid ?? ''}'.`);
        return tenant.id.toLowerCase();
    };
    const appOf = (id: string | undefined): AppRegistration => {
        const app = state.app(id ?? deps.appClientId);
        if (!app) throw notFound(`No app registration '${id ?? ''}'.`);
        return app;
    };

    const setServicePrincipalEnabled =
        (enabled: boolean) =>
        (request: SimRequest): SimResponse => {
            const tenantId = tenantOf(request);
            const body = bodyOf(request, appOption);
            const app = appOf(body.appId);
            const sp = state.servicePrincipal(tenantId, app.clientId);
            if (!sp) throw notFound(`${app.displayName} has no service principal in ${tenantId}.`);
            sp.enabled = enabled;
            return reply(200, { servicePrincipal: describeServicePrincipal(sp, state) });
        };

    const setAppDisabled =
        (disabled: boolean) =>
        (request: SimRequest): SimResponse => {
            const app = appOf(request.params.clientId);
            app.disabled = disabled;
            return reply(200, { app: describeApp(app) });
        };

    return [
        {
            method: 'POST',
            path: '/control/tenants/:tid/consent',
            handler: (request) => {
                const tenantId = tenantOf(request);
                const body = bodyOf(request, consentBody);
                const app = appOf(body.appId);
                const sp = state.ensureServicePrincipal(tenantId, app.clientId, body.servicePrincipalDelayMs);
                for (const access of app.requiredResourceAccess) {
                    const roles = access.resourceAppId === GRAPH_APP_ID && body.roles ? body.roles : access.roles;
                    state.grantRoles(sp, access.resourceAppId, roles, body.delayMs);
                }
                return reply(200, { servicePrincipal: describeServicePrincipal(sp, state) });
            },
        },
        {
            method: 'POST',
            path: '/control/tenants/:tid/consent/revoke',
            handler: (request) => {
                const tenantId = tenantOf(request);
                const body = bodyOf(request, revokeBody);
                const app = appOf(body.appId);
                const rolesOnly = body.rolesOnly ?? false;
                const sp = state.revoke(tenantId, app.clientId, { rolesOnly });
                return reply(200, { revoked: sp !== undefined, rolesOnly, tenantId, appId: app.clientId });
            },
        },
        {
            method: 'POST',
            path: '/control/tenants/:tid/service-principal/disable',
            handler: setServicePrincipalEnabled(false),
        },
        {
            method: 'POST',
            path: '/control/tenants/:tid/service-principal/enable',
            handler: setServicePrincipalEnabled(true),
        },
        { method: 'POST', path: '/control/identity/apps/:clientId/disable', handler: setAppDisabled(true) },
        { method: 'POST', path: '/control/identity/apps/:clientId/enable', handler: setAppDisabled(false) },
        {
            method: 'POST',
            path: '/control/identity/apps/:clientId/secrets/expire',
            handler: (request) => {
                const app = appOf(request.params.clientId);
                const now = deps.clock.now();
                for (const secret of app.secrets) secret.expiresAt = Math.min(secret.expiresAt, now - 1000);
                return reply(200, { app: describeApp(app) });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/apps/:clientId/secrets/rotate',
            handler: (request) => {
                const app = appOf(request.params.clientId);
                if (app.kind !== 'application') throw badInput('A managed identity has no client secrets.');
                const body = bodyOf(request, rotateBody);
                const secret = state.newSecret(`${app.clientId}/${app.secrets.length + 1}/${deps.clock.now()}`);
                app.secrets = body.keepPrevious === true ? [...app.secrets, secret] : [secret];
                // The operator's rotation procedure also stores the new value in Key Vault.
                if (app.clientId === deps.appClientId) deps.secrets.set(deps.clientSecretName, secret.value);
                return reply(200, {
                    secret: {
                        keyId: secret.keyId,
                        value: secret.value,
                        expiresAt: new Date(secret.expiresAt).toISOString(),
                    },
                });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/apps/:clientId/redirect-uris',
            handler: (request) => {
                const app = appOf(request.params.clientId);
                const body = bodyOf(request, redirectBody);
                if (!app.redirectUris.includes(body.uri)) app.redirectUris.push(body.uri);
                return reply(200, { app: describeApp(app) });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/apps/:clientId/token-configuration',
            handler: (request) => {
                const app = appOf(request.params.clientId);
                const body = bodyOf(request, tokenConfigurationBody);
                if (body.groupMembershipClaims !== undefined) app.groupMembershipClaims = body.groupMembershipClaims;
                if (body.idTokenOptionalClaims !== undefined)
                    app.optionalClaims = { idToken: [...new Set(body.idTokenOptionalClaims)] };
                return reply(200, { app: describeApp(app) });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/keys/roll',
            handler: async () => reply(200, await deps.keys.roll()),
        },
        {
            method: 'POST',
            path: '/control/identity/settings',
            handler: (request) => {
                const body = bodyOf(request, settingsBody);
                if (body.servicePrincipalPropagationDelayMs !== undefined)
                    state.tunables.servicePrincipalPropagationDelayMs = body.servicePrincipalPropagationDelayMs;
                if (body.consentPropagationDelayMs !== undefined)
                    state.tunables.consentPropagationDelayMs = body.consentPropagationDelayMs;
                if (body.tokenLifetimeSeconds !== undefined)
                    state.tunables.tokenLifetimeSeconds = body.tokenLifetimeSeconds;
                return reply(200, { settings: state.tunables });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/vault/secrets/:name',
            handler: (request) => {
                const body = bodyOf(request, vaultSecretBody);
                const name = request.params.name ?? '';
                const attributes = {
                    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
                    ...(body.nbf === undefined ? {} : { nbf: body.nbf }),
                    ...(body.exp === undefined ? {} : { exp: body.exp }),
                };
                if (body.value !== undefined) {
                    const created = deps.secrets.set(name, body.value, { attributes });
                    return reply(200, { name, version: created.version });
                }
                const updated = deps.secrets.update(name, body.version, attributes);
                if (!updated) throw notFound(`No secret '${name}'${body.version ? ` version ${body.version}` : ''}.`);
                return reply(200, { name, version: updated.version });
            },
        },
    ];
}
