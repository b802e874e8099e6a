import { MSA_TENANT_ID, type DirectoryView } from '../core/contracts';
import type { Route, SimRequest, SimResponse } from '../core/http';
import { errorContext, tokenErrorResponse, type ErrorContext } from './errors';
import type { SigningKeys } from './keys';
import { resolveTenantSegment, type TenantSegment } from './tenants';

export interface DiscoveryDeps {
    directory: DirectoryView;
    keys: SigningKeys;
    now: () => number;
    origins: { login: string; graph: string };
}

const DISCOVERY_HEADERS = {
    'cache-control': 'max-age=86400, private',
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, OPTIONS',
    'content-type': 'application/json; charset=utf-8',
};

/** Discovery for an unknown tenant: `invalid_tenant` + AADSTS90002 (protocols §1.1; status 400 is a belief). */
function invalidTenant(segment: string, context: ErrorContext, loginOrigin: string): SimResponse {
    const response = tokenErrorResponse(
        {
            status: 400,
            error: 'invalid_tenant',
            code: 90002,
            message: `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
        },
        context,
        loginOrigin,
    );
    return {
        ...response,
        headers: { ...DISCOVERY_HEADERS, ...response.headers, 'cache-control': 'no-store, no-cache' },
    };
}

/** Issuer template of a segment: aliases publish `{tenantid}`, consumers the MSA tenant, tenants their GUID. */
function issuerFor(resolved: Exclude<TenantSegment, { kind: 'unknown' }>, login: string): string {
    if (resolved.kind === 'tenant') return `${login}/${resolved.tenant.id.toLowerCase()}/v2.0`;
    if (resolved.alias === 'consumers') return `${login}/${MSA_TENANT_ID}/v2.0`;
    return `${login}/{tenantid}/v2.0`;
}

export function openIdConfiguration(
    resolved: Exclude<TenantSegment, { kind: 'unknown' }>,
    origins: { login: string; graph: string },
): Record<string, unknown> {
    const login = origins.login;
    // A tenant named by domain gets endpoints with its GUID; aliases keep their name (MSAL swaps the
    // first path segment, so it must stay the tenant).
    const segment = resolved.kind === 'tenant' ? resolved.tenant.id.toLowerCase() : resolved.alias;
    const base = `${login}/${segment}`;
    return {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: issuerFor(resolved, login),
        request_uri_parameter_supported: false,
        // Graph's userinfo lives on the simulated Graph origin (dev/sim/graph/userinfo.ts), as it does on graph.microsoft.com.
        userinfo_endpoint: `${origins.graph}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: [
            'sub',
            'iss',
            'cloud_instance_name',
            'cloud_instance_host_name',
            'cloud_graph_host_name',
            'msgraph_host',
            'aud',
            'exp',
            'iat',
            'auth_time',
            'acr',
            'nonce',
            'preferred_username',
            'name',
            'tid',
            'ver',
            'at_hash',
            'c_hash',
            'email',
        ],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: resolved.kind === 'tenant' ? resolved.tenant.region : null,
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: new URL(origins.graph).host,
        rbac_url: 'https://pas.windows.net',
    };
}

export function discoveryRoutes(deps: DiscoveryDeps): Route[] {
    const { login } = deps.origins;

    const configuration = (request: SimRequest): SimResponse => {
        const segment = request.params.tenant ?? '';
        const resolved = resolveTenantSegment(deps.directory, segment);
        if (resolved.kind === 'unknown') return invalidTenant(segment, errorContext(request, deps.now()), login);
        return { status: 200, headers: DISCOVERY_HEADERS, body: openIdConfiguration(resolved, deps.origins) };
    };

    const keys = async (request: SimRequest): Promise<SimResponse> => {
        const segment = request.params.tenant ?? 'common';
        const resolved = resolveTenantSegment(deps.directory, segment);
        if (resolved.kind === 'unknown') return invalidTenant(segment, errorContext(request, deps.now()), login);
        const issuer =
            resolved.kind === 'alias' && resolved.alias === 'consumers'
                ? `${login}/${MSA_TENANT_ID}/v2.0`
                : `${login}/{tenantid}/v2.0`;
        const published = await deps.keys.published();
        return {
            status: 200,
            headers: DISCOVERY_HEADERS,
            body: {
                keys: published.map((k) => ({
                    kty: 'RSA',
                    use: 'sig',
                    kid: k.kid,
                    x5t: k.x5t,
                    n: k.n,
                    e: k.e,
                    x5c: [k.x5c],
                    issuer,
                })),
            },
        };
    };

    /** Instance discovery: only asked for when a client does not trust the host already (protocols §1.2). */
    const instance = (request: SimRequest): SimResponse => {
        const host = new URL(login).host;
        return {
            status: 200,
            headers: DISCOVERY_HEADERS,
            body: {
                tenant_discovery_endpoint: `${login}/${request.params.tenant ?? 'common'}/v2.0/.well-known/openid-configuration`,
                'api-version': '1.1',
                metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
            },
        };
    };

    return [
        { method: 'GET', path: '/:tenant/v2.0/.well-known/openid-configuration', handler: configuration },
        { method: 'GET', path: '/:tenant/discovery/v2.0/keys', handler: keys },
        { method: 'GET', path: '/discovery/v2.0/keys', handler: keys },
        { method: 'GET', path: '/:tenant/discovery/instance', handler: instance },
    ];
}
