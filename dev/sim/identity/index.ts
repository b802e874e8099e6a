/**
 * The identity half of the simulator: Microsoft identity platform (login), Key Vault and the
 * managed identity endpoint. Stub: the real implementation follows in the next commits.
 */
import type { SimClock } from '../core/clock';
import type { ControlContributor, DirectoryView, TokenVerifier } from '../core/contracts';
import type { ServiceDefinition } from '../core/http';
import type { IdFactory } from '../core/ids';

export interface IdentityOptions {
    ids: IdFactory;
    clock: SimClock;
    directory: DirectoryView;
    origins: { login: string; vault: string; msi: string; graph: string };
    publisherTenantId: string;
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
    };
}

export function createIdentity(options: IdentityOptions): IdentityModule {
    const appClientId = options.ids.named('app/tenant-sync');
    return {
        login: { routes: [] },
        vault: { routes: [] },
        managedIdentity: { routes: [] },
        tokens: {
            verify: () => ({ ok: false, reason: 'missing', message: 'identity is not implemented yet' }),
        },
        publisher: { tenantId: options.publisherTenantId, appClientId },
        operationsClient: {
            tenantId: options.publisherTenantId,
            clientId: options.ids.named('app/operations-client'),
            clientSecret: '',
            scope: `api://${appClientId}/.default`,
        },
        appSettings: {
            APP_CLIENT_ID: appClientId,
            APP_TENANT_ID: options.publisherTenantId,
            KEY_VAULT_URL: options.origins.vault,
            AUTHORITY_HOST: options.origins.login,
            GRAPH_BASE_URL: options.origins.graph,
            IDENTITY_ENDPOINT: `${options.origins.msi}/msi/token`,
            IDENTITY_HEADER: '',
        },
        controlRoutes: () => [],
        describeState: () => ({}),
    };
}
