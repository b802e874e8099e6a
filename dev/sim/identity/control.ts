/** Control-API routes of the identity half (mounted on the control server by the composition root). */
import { z } from 'zod';

import type { SimClock } from '../core/clock';
import { GRAPH_APP_ID, type DirectoryView } from '../core/contracts';
import { json, type Route, type SimRequest, type SimResponse } from '../core/http';
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

function problem(status: number, code: string, message: string): SimResponse {
    return json(status, { error: { code, message } });
}

function parse<T>(schema: z.ZodType<T>, request: SimRequest): T | SimResponse {
    const result = schema.safeParse(request.json());
    if (result.success) return result.data;
    return problem(
        400,
        'InvalidBody',
        result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
}

const isResponse = (value: unknown): value is SimResponse =>
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    typeof (value as SimResponse).status === 'number';

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

    const tenantOf = (request: SimRequest): string | SimResponse => {
        const tenant = directory.findTenant(request.params.tid ?? '');
        if (!tenant) return problem(404, 'TenantNotFound', `No tenant '${request.params.tid ?? ''}'.`);
        return tenant.id.toLowerCase();
    };
    const appOf = (id: string | undefined): AppRegistration | SimResponse =>
        state.app(id ?? deps.appClientId) ?? problem(404, 'AppNotFound', `No app registration '${id ?? ''}'.`);

    const setServicePrincipalEnabled =
        (enabled: boolean) =>
        (request: SimRequest): SimResponse => {
            const tenantId = tenantOf(request);
            if (isResponse(tenantId)) return tenantId;
            const body = parse(appOption, request);
            if (isResponse(body)) return body;
            const app = appOf(body.appId);
            if (isResponse(app)) return app;
            const sp = state.servicePrincipal(tenantId, app.clientId);
            if (!sp)
                return problem(
                    404,
                    'ServicePrincipalNotFound',
                    `${app.displayName} has no service principal in ${tenantId}.`,
                );
            sp.enabled = enabled;
            return json(200, { servicePrincipal: describeServicePrincipal(sp, state) });
        };

    const setAppDisabled =
        (disabled: boolean) =>
        (request: SimRequest): SimResponse => {
            const app = appOf(request.params.clientId);
            if (isResponse(app)) return app;
            app.disabled = disabled;
            return json(200, { app: describeApp(app) });
        };

    return [
        {
            method: 'POST',
            path: '/control/tenants/:tid/consent',
            handler: (request) => {
                const tenantId = tenantOf(request);
                if (isResponse(tenantId)) return tenantId;
                const body = parse(consentBody, request);
                if (isResponse(body)) return body;
                const app = appOf(body.appId);
                if (isResponse(app)) return app;
                const sp = state.ensureServicePrincipal(tenantId, app.clientId, body.servicePrincipalDelayMs);
                for (const access of app.requiredResourceAccess) {
                    const roles = access.resourceAppId === GRAPH_APP_ID && body.roles ? body.roles : access.roles;
                    state.grantRoles(sp, access.resourceAppId, roles, body.delayMs);
                }
                return json(200, { servicePrincipal: describeServicePrincipal(sp, state) });
            },
        },
        {
            method: 'POST',
            path: '/control/tenants/:tid/consent/revoke',
            handler: (request) => {
                const tenantId = tenantOf(request);
                if (isResponse(tenantId)) return tenantId;
                const body = parse(revokeBody, request);
                if (isResponse(body)) return body;
                const app = appOf(body.appId);
                if (isResponse(app)) return app;
                const rolesOnly = body.rolesOnly ?? false;
                const sp = state.revoke(tenantId, app.clientId, { rolesOnly });
                return json(200, { revoked: sp !== undefined, rolesOnly, tenantId, appId: app.clientId });
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
                if (isResponse(app)) return app;
                const now = deps.clock.now();
                for (const secret of app.secrets) secret.expiresAt = Math.min(secret.expiresAt, now - 1000);
                return json(200, { app: describeApp(app) });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/apps/:clientId/secrets/rotate',
            handler: (request) => {
                const app = appOf(request.params.clientId);
                if (isResponse(app)) return app;
                if (app.kind !== 'application')
                    return problem(400, 'NoSecrets', 'A managed identity has no client secrets.');
                const body = parse(rotateBody, request);
                if (isResponse(body)) return body;
                const secret = state.newSecret(`${app.clientId}/${app.secrets.length + 1}/${deps.clock.now()}`);
                app.secrets = body.keepPrevious === true ? [...app.secrets, secret] : [secret];
                // The operator's rotation procedure also stores the new value in Key Vault.
                if (app.clientId === deps.appClientId) deps.secrets.set(deps.clientSecretName, secret.value);
                return json(200, {
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
                if (isResponse(app)) return app;
                const body = parse(redirectBody, request);
                if (isResponse(body)) return body;
                if (!app.redirectUris.includes(body.uri)) app.redirectUris.push(body.uri);
                return json(200, { app: describeApp(app) });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/apps/:clientId/token-configuration',
            handler: (request) => {
                const app = appOf(request.params.clientId);
                if (isResponse(app)) return app;
                const body = parse(tokenConfigurationBody, request);
                if (isResponse(body)) return body;
                if (body.groupMembershipClaims !== undefined) app.groupMembershipClaims = body.groupMembershipClaims;
                if (body.idTokenOptionalClaims !== undefined)
                    app.optionalClaims = { idToken: [...new Set(body.idTokenOptionalClaims)] };
                return json(200, { app: describeApp(app) });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/keys/roll',
            handler: async () => json(200, await deps.keys.roll()),
        },
        {
            method: 'POST',
            path: '/control/identity/settings',
            handler: (request) => {
                const body = parse(settingsBody, request);
                if (isResponse(body)) return body;
                if (body.servicePrincipalPropagationDelayMs !== undefined)
                    state.tunables.servicePrincipalPropagationDelayMs = body.servicePrincipalPropagationDelayMs;
                if (body.consentPropagationDelayMs !== undefined)
                    state.tunables.consentPropagationDelayMs = body.consentPropagationDelayMs;
                if (body.tokenLifetimeSeconds !== undefined)
                    state.tunables.tokenLifetimeSeconds = body.tokenLifetimeSeconds;
                return json(200, { settings: state.tunables });
            },
        },
        {
            method: 'POST',
            path: '/control/identity/vault/secrets/:name',
            handler: (request) => {
                const body = parse(vaultSecretBody, request);
                if (isResponse(body)) return body;
                const name = request.params.name ?? '';
                const attributes = {
                    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
                    ...(body.nbf === undefined ? {} : { nbf: body.nbf }),
                    ...(body.exp === undefined ? {} : { exp: body.exp }),
                };
                if (body.value !== undefined) {
                    const created = deps.secrets.set(name, body.value, { attributes });
                    return json(200, { name, version: created.version });
                }
                const updated = deps.secrets.update(name, body.version, attributes);
                if (!updated)
                    return problem(
                        404,
                        'SecretNotFound',
                        `No secret '${name}'${body.version ? ` version ${body.version}` : ''}.`,
                    );
                return json(200, { name, version: updated.version });
            },
        },
    ];
}
