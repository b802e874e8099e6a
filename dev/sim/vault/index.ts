/** The simulated Azure Key Vault data plane (secrets), protocols §3. */
import { z } from 'zod';

import jwt from 'jsonwebtoken';

import type { SimClock } from '../core/clock';
import { VAULT_RESOURCE, type AccessTokenClaims, type TokenVerifier } from '../core/contracts';
import type { FaultRule } from '../core/faults';
import type { Route, ServiceDefinition, SimRequest, SimResponse } from '../core/http';
import { KEY_VAULT_APP_ID } from '../identity/resources';
import { SecretStore, type SecretVersion } from './store';

export { SecretStore } from './store';

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

export interface VaultOptions {
    origin: string;
    loginOrigin: string;
    /** The vault's tenant: the challenge names it and only its tokens are accepted. */
    tenantId: string;
    vaultName: string;
    /** Used in the resource id of 403 messages. */
    subscriptionId: string;
    clock: SimClock;
    verifier: TokenVerifier;
    store: SecretStore;
    /** Does this principal (token `oid`) hold a role that allows reading/writing secrets? */
    isAuthorized(objectId: string): boolean;
    /** The vault's soft-delete retention (7-90 days) and purge protection, as infra/modules/keyvault.bicep sets them. */
    softDeleteRetentionInDays: number;
    purgeProtection: boolean;
}

/**
 * `attributes.recoveryLevel` of every secret, which Key Vault derives from the vault's settings
 * (DeletionRecoveryLevel): "Recoverable" for the full 90-day soft-delete retention,
 * "CustomizedRecoverable" for a shorter one; "+Purgeable" unless purge protection is on. The
 * "+ProtectedSubscription" variants (subscription that cannot be cancelled) are not modelled.
 */
export function deletionRecoveryLevel(softDeleteRetentionInDays: number, purgeProtection: boolean): string {
    const level = softDeleteRetentionInDays >= 90 ? 'Recoverable' : 'CustomizedRecoverable';
    return purgeProtection ? level : `${level}+Purgeable`;
}

const putSecretBody = z.object({
    value: z.string(),
    contentType: z.string().max(255).optional(),
    tags: z.record(z.string(), z.string()).optional(),
    attributes: z
        .object({
            enabled: z.boolean().optional(),
            nbf: z.number().int().optional(),
            exp: z.number().int().optional(),
        })
        .optional(),
});

/** The 401 message for a token that failed verification (AKV texts observed; expiry wording is a belief). */
function tokenProblem(reason: string, authorization: string | undefined, request: SimRequest): string {
    switch (reason) {
        case 'audience': {
            const decoded = jwt.decode(authorization?.replace(/^Bearer\s+/i, '') ?? '', { json: true });
            const found = typeof decoded?.aud === 'string' ? decoded.aud : '';
            return `AKV10022: Invalid audience. Expected ${VAULT_RESOURCE} or ${KEY_VAULT_APP_ID}, found: ${found}.`;
        }
        case 'expired':
            return `Token expired (Activity ID: ${request.requestId})`;
        case 'signature':
            return 'AKV10046: Unable to resolve the key used for signature validation.';
        default:
            return 'AKV10000: Request is missing a Bearer or PoP token.';
    }
}

export function vaultService(options: VaultOptions): ServiceDefinition {
    const recoveryLevel = deletionRecoveryLevel(options.softDeleteRetentionInDays, options.purgeProtection);
    const challenge = `Bearer authorization="${options.loginOrigin}/${options.tenantId}", resource="${VAULT_RESOURCE}"`;

    const headers = (request: SimRequest, extra: Record<string, string> = {}): Record<string, string> => {
        const result: Record<string, string> = {
            'content-type': 'application/json; charset=utf-8',
            'cache-control': 'no-cache',
            pragma: 'no-cache',
            expires: '-1',
            'x-ms-keyvault-region': 'westeurope',
            'x-ms-request-id': request.requestId,
            'x-ms-keyvault-service-version': '1.9.2164.1',
            'x-ms-keyvault-network-info': 'conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;',
            ...extra,
        };
        const clientRequestId = request.header('x-ms-client-request-id');
        if (clientRequestId !== undefined) result['x-ms-client-request-id'] = clientRequestId;
        return result;
    };

    const error = (
        request: SimRequest,
        status: number,
        code: string,
        message: string,
        inner?: string,
        extra: Record<string, string> = {},
    ): SimResponse => ({
        status,
        headers: headers(request, extra),
        body: { error: inner === undefined ? { code, message } : { code, message, innererror: { code: inner } } },
    });

    const unauthorized = (request: SimRequest, message: string) =>
        error(request, 401, 'Unauthorized', message, undefined, { 'www-authenticate': challenge });

    /** The caller's claims, or the 401/403 answer. */
    const authorize = (
        request: SimRequest,
        action: string,
        secretName: string,
    ): { claims: AccessTokenClaims } | { denied: SimResponse } => {
        const authorization = request.header('authorization');
        const check = options.verifier.verify(authorization, VAULT_RESOURCE);
        if (!check.ok) return { denied: unauthorized(request, tokenProblem(check.reason, authorization, request)) };
        const { claims } = check;
        if (claims.tid.toLowerCase() !== options.tenantId.toLowerCase()) {
            const expected = `https://sts.windows.net/${options.tenantId}/`;
            return {
                denied: unauthorized(
                    request,
                    `AKV10032: Invalid issuer. Expected one of ${expected}, found ${claims.iss}.`,
                ),
            };
        }
        if (options.isAuthorized(claims.oid)) return { claims };
        const resource = `/subscriptions/${options.subscriptionId}/resourcegroups/rg-tenant-sync/providers/microsoft.keyvault/vaults/${options.vaultName}/secrets/${secretName}`;
        const message = [
            'Caller is not authorized to perform action on resource.',
            'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.',
            `Caller: appid=${claims.appid ?? ''};oid=${claims.oid};iss=${claims.iss}`,
            `Action: '${action}'`,
            `Resource: '${resource}'`,
            'Assignment: (not found)',
            'DenyAssignmentId: null',
            'DecisionReason: null ',
            `Vault: ${options.vaultName};location=westeurope`,
            '',
        ].join('\r\n');
        return { denied: error(request, 403, 'Forbidden', message, 'ForbiddenByRbac') };
    };

    const bundle = (name: string, secret: SecretVersion): Record<string, unknown> => {
        const attributes: Record<string, unknown> = {
            enabled: secret.enabled,
            created: secret.created,
            updated: secret.updated,
            recoveryLevel,
            recoverableDays: options.softDeleteRetentionInDays,
        };
        if (secret.nbf !== undefined) attributes.nbf = secret.nbf;
        if (secret.exp !== undefined) attributes.exp = secret.exp;
        const body: Record<string, unknown> = { value: secret.value };
        if (secret.contentType !== undefined) body.contentType = secret.contentType;
        body.id = `${options.origin}/secrets/${name}/${secret.version}`;
        body.attributes = attributes;
        if (secret.tags !== undefined) body.tags = secret.tags;
        return body;
    };

    const checkRequest = (request: SimRequest, name: string): SimResponse | undefined => {
        // URL parsing decodes `api%2Dversion` (what the SDK sends) into `api-version`.
        if (!request.url.searchParams.get('api-version'))
            return error(request, 400, 'BadParameter', 'The api-version query parameter is missing.');
        if (!SECRET_NAME.test(name))
            return error(request, 400, 'BadParameter', `The request URI contains an invalid name: ${name}`);
        return undefined;
    };

    const getSecret = (request: SimRequest): SimResponse => {
        const name = request.params.name ?? '';
        const version = request.params.version;
        const bad = checkRequest(request, name);
        if (bad) return bad;
        const caller = authorize(request, 'Microsoft.KeyVault/vaults/secrets/getSecret/action', name);
        if ('denied' in caller) return caller.denied;
        const found = options.store.get(name, version);
        if (!found)
            return error(
                request,
                404,
                'SecretNotFound',
                `A secret with (name/id) ${version ? `${name}/${version}` : name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
            );
        if (!found.secret.enabled)
            return error(
                request,
                403,
                'Forbidden',
                'Operation get is not allowed on a disabled secret.',
                'SecretDisabled',
            );
        // `exp` and `nbf` are informational for secrets: the real service still returns the value.
        return { status: 200, headers: headers(request), body: bundle(found.name, found.secret) };
    };

    const setSecret = (request: SimRequest): SimResponse => {
        const name = request.params.name ?? '';
        const bad = checkRequest(request, name);
        if (bad) return bad;
        const caller = authorize(request, 'Microsoft.KeyVault/vaults/secrets/setSecret/action', name);
        if ('denied' in caller) return caller.denied;
        const parsed = putSecretBody.safeParse(request.json());
        if (!parsed.success)
            return error(
                request,
                400,
                'BadParameter',
                `Invalid request body: ${parsed.error.issues[0]?.message ?? 'malformed'}`,
            );
        const { value, contentType, tags, attributes } = parsed.data;
        const created = options.store.set(name, value, {
            ...(contentType === undefined ? {} : { contentType }),
            ...(tags === undefined ? {} : { tags }),
            ...(attributes === undefined ? {} : { attributes }),
        });
        return { status: 200, headers: headers(request), body: bundle(options.store.get(name)?.name ?? name, created) };
    };

    const routes: Route[] = [
        { method: 'GET', path: '/secrets/:name', handler: getSecret },
        { method: 'GET', path: '/secrets/:name/:version', handler: getSecret },
        { method: 'PUT', path: '/secrets/:name', handler: setSecret },
    ];

    return {
        routes,
        tenantOf: () => options.tenantId,
        faultResponse(rule: FaultRule, request: SimRequest): SimResponse {
            const status = rule.status ?? 500;
            if (status === 429)
                return error(
                    request,
                    429,
                    'Throttled',
                    'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
                );
            return error(
                request,
                status,
                status === 503 ? 'ServiceUnavailable' : 'InternalServerError',
                'The service is temporarily unavailable.',
            );
        },
        notFound: (request) =>
            error(request, 404, 'NotFound', `The requested resource ${request.url.pathname} was not found.`),
    };
}
