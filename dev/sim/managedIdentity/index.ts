/**
 * The App Service / Functions managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER,
 * api-version 2019-08-01), as msal-node's AppService source and @azure/identity call it:
 * GET <endpoint>?api-version=2019-08-01&resource=<resource>[&client_id|mi_res_id|object_id|principal_id]
 * with header X-IDENTITY-HEADER. Plain http on loopback, like the real local endpoint.
 *
 * The simulated function app is deployed as infra/modules does it: ONE user-assigned identity and
 * no system-assigned identity. A request must therefore name that identity, by client id
 * (`client_id`, what msal-node sends for `ManagedIdentityCredential({ clientId })` and for
 * AZURE_CLIENT_ID), resource id (`mi_res_id`) or principal/object id (`object_id`, what msal-node
 * sends; `principal_id` is App Service's documented name for it). Failures, as App Service answers:
 * - no identity named: 400 "Unable to load the proper Managed Identity." [observed on Functions with
 *   only a user-assigned identity: Azure/azure-sdk-for-net#43691 (body), Azure/azure-functions-host#8037
 *   (400), microsoft/azure-container-apps#442 (same message, DefaultAzureCredential without a client id)];
 * - an identity the app does not have: "No User Assigned or Delegated Managed Identity found for
 *   specified ClientId/ResourceId/PrincipalId." [message observed on App Service:
 *   Azure-Samples/azure-search-openai-demo#2148, Azure/azure-sdk-for-python#35015; status 400 is a belief].
 */
import { randomUUID } from 'node:crypto';

import type { FaultRule } from '../core/faults';
import type { Route, ServiceDefinition, SimRequest, SimResponse } from '../core/http';

export const MSI_API_VERSION = '2019-08-01';

export const NO_IDENTITY_NAMED = 'Unable to load the proper Managed Identity.';
export const IDENTITY_NOT_FOUND =
    'No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.';

/** A user-assigned identity (Microsoft.ManagedIdentity/userAssignedIdentities) assigned to the app. */
export interface ManagedIdentityDescription {
    clientId: string;
    /** Object id of its service principal (`principalId` in ARM). */
    principalId: string;
    /** `/subscriptions/…/resourcegroups/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`. */
    resourceId: string;
}

export type ManagedIdentityToken =
    { ok: true; token: string; expiresOn: number } | { ok: false; status: number; message: string };

export interface ManagedIdentityOptions {
    identityHeader: string;
    /** The user-assigned identities of the simulated function app (it has no system-assigned one). */
    userAssigned: readonly ManagedIdentityDescription[];
    /** Issues a token for `identity`, as Entra would for `resource`. */
    issue(identity: ManagedIdentityDescription, resource: string): Promise<ManagedIdentityToken>;
}

/** The App Service error body: `{statusCode, message, correlationId}` (msal-node reads `message`). */
function failure(status: number, message: string, request: SimRequest): SimResponse {
    return {
        status,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: { statusCode: status, message, correlationId: request.header('x-ms-client-request-id') ?? randomUUID() },
    };
}

/** How a request may name a user-assigned identity, and which field of it each name matches. */
const SELECTORS: ReadonlyArray<[string, (identity: ManagedIdentityDescription) => string]> = [
    ['client_id', (identity) => identity.clientId],
    ['mi_res_id', (identity) => identity.resourceId],
    ['object_id', (identity) => identity.principalId],
    ['principal_id', (identity) => identity.principalId],
];

/** The identity the request names (every selector it sends must agree), or why there is none. */
export function selectIdentity(
    query: URLSearchParams,
    identities: readonly ManagedIdentityDescription[],
): { identity: ManagedIdentityDescription } | { message: string } {
    const named = SELECTORS.flatMap(([name, field]) => {
        const value = query.get(name);
        return value === null || value === '' ? [] : [{ value: value.toLowerCase(), field }];
    });
    // Without a name App Service would use the system-assigned identity, which this app does not have.
    if (named.length === 0) return { message: NO_IDENTITY_NAMED };
    const identity = identities.find((candidate) =>
        named.every(({ value, field }) => field(candidate).toLowerCase() === value),
    );
    return identity ? { identity } : { message: IDENTITY_NOT_FOUND };
}

export function managedIdentityService(options: ManagedIdentityOptions): ServiceDefinition {
    const token = async (request: SimRequest): Promise<SimResponse> => {
        const query = request.url.searchParams;
        const secret = request.header('x-identity-header');
        // Missing header: the request is malformed (400); wrong value: unauthorized (401) [belief for both].
        if (secret === undefined || secret === '') return failure(400, 'X-IDENTITY-HEADER header is missing.', request);
        if (secret !== options.identityHeader)
            return failure(401, `Invalid secret token header: ${'*'.repeat(3)}`, request);
        const apiVersion = query.get('api-version');
        if (apiVersion !== MSI_API_VERSION)
            return failure(
                400,
                `The api-version '${apiVersion ?? ''}' could not be found. Supported versions: ${MSI_API_VERSION}`,
                request,
            );
        const resource = query.get('resource');
        if (!resource) return failure(400, 'Resource is required (query parameter "resource").', request);
        const selected = selectIdentity(query, options.userAssigned);
        if ('message' in selected) return failure(400, selected.message, request);
        const { identity } = selected;
        const issued = await options.issue(identity, resource);
        if (!issued.ok) return failure(issued.status, issued.message, request);
        return {
            status: 200,
            headers: { 'content-type': 'application/json; charset=utf-8' },
            body: {
                access_token: issued.token,
                // A string of unix seconds in this API version.
                expires_on: String(issued.expiresOn),
                resource,
                token_type: 'Bearer',
                client_id: identity.clientId,
            },
        };
    };

    const routes: Route[] = [{ method: 'GET', path: '/msi/token', handler: token }];
    return {
        routes,
        faultResponse: (rule: FaultRule, request: SimRequest) =>
            failure(
                rule.status ?? 500,
                'The managed identity endpoint is temporarily unavailable (injected fault).',
                request,
            ),
        notFound: (request) => failure(404, `No route for ${request.url.pathname}`, request),
    };
}
