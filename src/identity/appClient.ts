import { AuthError, ConfidentialClientApplication, type Configuration, LogLevel, ServerError } from '@azure/msal-node';

import { CustomerActionError, OperatorActionError, TransientError } from '../errors';
import type { Logger } from '../logging';
import type { SecretProvider } from '../secrets';

export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/** AADSTS numbers that mean our client secret is wrong (7000215) or expired (7000222); 7000218 = none sent. */
const SECRET_ERRORS = new Set(['7000215', '7000222', '7000218']);
/** The app is unknown in the tenant (no service principal), lacks consent, or was disabled there. */
const CONSENT_ERRORS = new Set(['700016', '7000229', '65001', '7000112']);
/** The tenant does not exist (90002) or was decommissioned (5000224). */
const TENANT_GONE_ERRORS = new Set(['90002', '5000224']);

export interface MsalSettings {
    clientId: string;
    authorityHost: string;
    clientSecretName: string;
}

/**
 * The process's one MSAL confidential client. It needs the client secret from Key Vault, so it is
 * built on first use, and built again once when the identity platform says the secret is invalid or
 * expired (the secret was rotated in Key Vault).
 */
export interface AppClient {
    /** Runs `operation` with the client; on a secret error reads the secret again and retries once. */
    withClient<T>(operation: (client: ConfidentialClientApplication) => Promise<T>): Promise<T>;
    readonly authorityHost: string;
    readonly clientId: string;
}

export function createAppClient(settings: MsalSettings, secrets: SecretProvider, logger: Logger): AppClient {
    let current: Promise<ConfidentialClientApplication> | undefined;

    const build = (secret: Promise<string>) =>
        secret.then((clientSecret) => {
            const configuration: Configuration = {
                auth: {
                    clientId: settings.clientId,
                    clientSecret,
                    authority: `${settings.authorityHost}/organizations`,
                    // Naming the host (with its port) as known stops MSAL's instance discovery call to the public cloud.
                    knownAuthorities: [new URL(settings.authorityHost).host],
                    // The identity platform's endpoints, with the tenant as a placeholder MSAL fills in: no
                    // discovery request per customer tenant, and an unknown tenant's AADSTS90002 comes from
                    // the token endpoint itself instead of hiding behind a failed discovery.
                    authorityMetadata: authorityMetadataOf(settings.authorityHost),
                },
                system: {
                    loggerOptions: {
                        logLevel: LogLevel.Error,
                        piiLoggingEnabled: false,
                        loggerCallback: (level, message, containsPii) => {
                            if (!containsPii) logger.warn('msal', { message });
                        },
                    },
                },
            };
            return new ConfidentialClientApplication(configuration);
        });

    const client = () => {
        current ??= build(secrets.get(settings.clientSecretName));
        current.catch(() => (current = undefined));
        return current;
    };

    return {
        authorityHost: settings.authorityHost,
        clientId: settings.clientId,
        async withClient(operation) {
            const first = await client();
            try {
                return await operation(first);
            } catch (error) {
                if (!isSecretError(error)) throw error;
                logger.warn('the identity platform rejected the client secret; reading it from Key Vault again', {
                    aadsts: aadstsOf(error),
                });
                if (current === undefined || (await current) === first)
                    current = build(secrets.refresh(settings.clientSecretName));
                const second = await client();
                return operation(second);
            }
        },
    };
}

/** The v2 endpoints of every tenant, as Entra's discovery documents name them. */
export function authorityMetadataOf(authorityHost: string): string {
    const base = `${authorityHost}/{tenantid}`;
    return JSON.stringify({
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        issuer: `${base}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    });
}

/** The AADSTS number of an MSAL error, as a string ('700016'), when the service sent one. */
export function aadstsOf(error: unknown): string | undefined {
    if (error instanceof ServerError && error.errorNo !== undefined) return String(error.errorNo);
    if (error instanceof AuthError) {
        const match = /AADSTS(\d+)/.exec(error.errorMessage);
        if (match?.[1] !== undefined) return match[1];
    }
    return undefined;
}

function isSecretError(error: unknown): boolean {
    const code = aadstsOf(error);
    return code !== undefined && SECRET_ERRORS.has(code);
}

/**
 * Turns an MSAL failure into our hierarchy: the operator's (secret), the customer's (consent, tenant
 * gone) or transient (anything the network or the service may fix by itself).
 */
export function classifyTokenError(error: unknown, tenantId: string): Error {
    const code = aadstsOf(error);
    const remoteCode = code === undefined ? undefined : `AADSTS${code}`;
    if (code !== undefined && SECRET_ERRORS.has(code))
        return new OperatorActionError(
            'client_secret_invalid',
            `The identity platform rejected our client secret (${remoteCode}); put a valid secret in Key Vault`,
            { cause: error },
        );
    if (code !== undefined && CONSENT_ERRORS.has(code))
        return new CustomerActionError(
            'consent_required',
            `Tenant ${tenantId} has not granted (or has removed) our app's consent (${remoteCode})`,
            { cause: error, remoteCode },
        );
    if (code !== undefined && TENANT_GONE_ERRORS.has(code))
        return new CustomerActionError('tenant_not_found', `Tenant ${tenantId} does not exist (${remoteCode})`, {
            cause: error,
            remoteCode,
        });
    const suffix = remoteCode === undefined ? '' : ` (${remoteCode})`;
    return new TransientError('token_unavailable', `Could not get a token for tenant ${tenantId}${suffix}`, {
        cause: error,
        ...(remoteCode === undefined ? {} : { remoteCode }),
    });
}
