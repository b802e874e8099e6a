/**
 * The identity half of the simulator: the Microsoft identity platform (login), Key Vault and the
 * managed identity endpoint, plus the app registrations and service principals they share.
 */
import { createHash } from 'node:crypto';

import type { SimClock } from '../core/clock';
import type { ControlContributor, DirectoryView, TokenVerifier } from '../core/contracts';
import type { ServiceDefinition } from '../core/http';
import type { IdFactory } from '../core/ids';
import { managedIdentityService, type ManagedIdentityDescription, type ManagedIdentityToken } from '../managedIdentity';
import { SecretStore, vaultService } from '../vault';
import type { LoginContext } from './context';
import { describeApp, describeServicePrincipal, identityControlRoutes } from './control';
import { describeError } from './errors';
import { type SavedSigningKey, SigningKeys } from './keys';
import { loginService } from './login';
import { InteractionStore } from './sessions';
import { seedIdentities, IdentityState, type IdentityStateSnapshot } from './state';
import { appOnlyToken, TokenError } from './tokenEndpoint';
import { TokenIssuer } from './tokens';

export interface IdentityOptions {
    ids: IdFactory;
    clock: SimClock;
    directory: DirectoryView;
    origins: { login: string; vault: string; msi: string; graph: string };
    publisherTenantId: string;
}

/** The identity half's mutable state, as saved across restarts. */
export interface IdentitySnapshot {
    state: IdentityStateSnapshot;
    keys: { current: SavedSigningKey; previous: SavedSigningKey };
    vault: ReturnType<SecretStore['snapshot']>;
}

export interface IdentityModule extends ControlContributor {
    login: ServiceDefinition;
    vault: ServiceDefinition;
    managedIdentity: ServiceDefinition;
    tokens: TokenVerifier;
    publisher: { tenantId: string; appClientId: string };
    operationsClient: { tenantId: string; clientId: string; clientSecret: string; scope: string };
    appSettings: {
        APP_CLIENT_ID: string;
        APP_TENANT_ID: string;
        KEY_VAULT_URL: string;
        AUTHORITY_HOST: string;
        GRAPH_BASE_URL: string;
        IDENTITY_ENDPOINT: string;
        IDENTITY_HEADER: string;
        /** Client id of the function app's user-assigned identity, as infra/modules/function-app.bicep sets it. */
        AZURE_CLIENT_ID: string;
    };
    snapshot(): Promise<IdentitySnapshot>;
    restore(saved: IdentitySnapshot): void;
}

export const CLIENT_SECRET_NAME = 'graph-client-secret';
export const SESSION_SECRET_NAME = 'session-signing-key';
/** Managed identity tokens live about a day, as App Service's do. */
const MANAGED_IDENTITY_TOKEN_SECONDS = 86399;

export function createIdentity(options: IdentityOptions): IdentityModule {
    const { ids, clock, directory, origins } = options;
    const publisherTenantId = options.publisherTenantId.toLowerCase();
    const state = new IdentityState(ids, clock);
    const seeded = seedIdentities(state, ids, publisherTenantId);
    const keys = new SigningKeys(() => clock.now());
    const tokens = new TokenIssuer(keys, clock, origins.login, () => state.tunables.tokenLifetimeSeconds);
    const ctx: LoginContext = {
        directory,
        state,
        store: new InteractionStore(clock),
        tokens,
        clock,
        origins: { login: origins.login, graph: origins.graph },
    };

    const secrets = new SecretStore(() => clock.nowSeconds());
    secrets.set(CLIENT_SECRET_NAME, seeded.app.secrets[0]?.value ?? '');
    secrets.set(
        SESSION_SECRET_NAME,
        createHash('sha256').update(ids.secret('identity/session-signing-key')).digest('base64'),
    );

    const appSp = state.servicePrincipal(publisherTenantId, seeded.app.clientId);
    // The function app's one identity: user-assigned, no system-assigned identity (infra/modules).
    const functionAppIdentity: ManagedIdentityDescription = {
        clientId: seeded.managedIdentity.clientId,
        principalId: state.servicePrincipal(publisherTenantId, seeded.managedIdentity.clientId)?.objectId ?? '',
        resourceId: seeded.managedIdentity.resourceId ?? '',
    };
    // "Key Vault Secrets User" holders (rbac.bicep): the user-assigned identity and, standing in for
    // the deployer's local runs, our app's service principal in the publisher tenant.
    const vaultReaders = new Set([functionAppIdentity.principalId, appSp?.objectId].filter((id) => id !== undefined));
    const vault = vaultService({
        origin: origins.vault,
        loginOrigin: origins.login,
        tenantId: publisherTenantId,
        vaultName: 'kv-tenant-sync',
        subscriptionId: ids.named('identity/subscription'),
        clock,
        verifier: tokens,
        store: secrets,
        isAuthorized: (objectId) => vaultReaders.has(objectId),
        // As deployed (infra/modules/keyvault.bicep): 90 days of soft delete, purge protection on.
        softDeleteRetentionInDays: 90,
        purgeProtection: true,
    });

    const managedIdentity = managedIdentityService({
        identityHeader: seeded.identityHeader,
        userAssigned: [functionAppIdentity],
        issue: async (identity, resource): Promise<ManagedIdentityToken> => {
            const tenant = directory.findTenant(publisherTenantId);
            const app = state.app(identity.clientId);
            const sp = state.servicePrincipal(publisherTenantId, identity.clientId);
            if (!tenant || !app || !sp)
                return { ok: false, status: 500, message: 'The publisher tenant is not available.' };
            try {
                const issued = await appOnlyToken(ctx, tenant, app, sp, resource, {
                    lifetime: MANAGED_IDENTITY_TOKEN_SECONDS,
                    // Entra stamps the identity's ARM resource id into managed identity tokens.
                    extra: { xms_mirid: identity.resourceId },
                });
                return { ok: true, token: issued.token, expiresOn: clock.nowSeconds() + issued.expiresIn };
            } catch (error) {
                if (!(error instanceof TokenError)) throw error;
                // App Service relays Entra's answer in its message.
                const message = describeError(error.aadsts, {
                    traceId: ids.guid('identity/msi-trace'),
                    correlationId: '',
                    now: clock.now(),
                });
                return { ok: false, status: error.aadsts.status, message: message.split('\r\n')[0] ?? message };
            }
        },
    });

    return {
        login: loginService(ctx, keys),
        vault,
        managedIdentity,
        tokens,
        publisher: { tenantId: publisherTenantId, appClientId: seeded.app.clientId },
        // A getter: the registration's current first secret, also after a restored state replaced it.
        get operationsClient() {
            return {
                tenantId: publisherTenantId,
                clientId: seeded.operationsClient.clientId,
                clientSecret: state.app(seeded.operationsClient.clientId)?.secrets[0]?.value ?? '',
                scope: `api://${seeded.app.clientId}/.default`,
            };
        },
        appSettings: {
            APP_CLIENT_ID: seeded.app.clientId,
            APP_TENANT_ID: publisherTenantId,
            KEY_VAULT_URL: origins.vault,
            AUTHORITY_HOST: origins.login,
            GRAPH_BASE_URL: origins.graph,
            IDENTITY_ENDPOINT: `${origins.msi}/msi/token`,
            IDENTITY_HEADER: seeded.identityHeader,
            AZURE_CLIENT_ID: functionAppIdentity.clientId,
        },
        controlRoutes: () =>
            identityControlRoutes({
                state,
                keys,
                directory,
                clock,
                secrets,
                appClientId: seeded.app.clientId,
                clientSecretName: CLIENT_SECRET_NAME,
            }),
        snapshot: async () => ({ state: state.snapshot(), keys: await keys.snapshot(), vault: secrets.snapshot() }),
        restore: (saved) => {
            state.restore(saved.state);
            keys.restore(saved.keys);
            secrets.restore(saved.vault);
        },
        describeState: () => ({
            apps: [...state.apps.values()].map(describeApp),
            servicePrincipals: state.listServicePrincipals().map((sp) => describeServicePrincipal(sp, state)),
            signingKeys: keys.describe(),
            settings: { ...state.tunables },
            vaultSecrets: secrets.describe(),
        }),
    };
}
