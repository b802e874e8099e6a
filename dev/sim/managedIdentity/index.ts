/**
 * The App Service / Functions managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER,
 * api-version 2019-08-01), as msal-node's AppService source and @azure/identity call it:
 * GET <endpoint>?api-version=2019-08-01&resource=<resource>[&client_id|mi_res_id|object_id|principal_id]
 * with header X-IDENTITY-HEADER. Plain http on loopback, like the real local endpoint.
 */
import { randomUUID } from 'node:crypto';

import type { FaultRule } from '../core/faults';
import type { Route, ServiceDefinition, SimRequest, SimResponse } from '../core/http';

export const MSI_API_VERSION = '2019-08-01';

export interface ManagedIdentityDescription {
    clientId: string;
    /** Object id of its service principal. */
    principalId: string;
    resourceId: string;
}

export type ManagedIdentityToken =
    { ok: true; token: string; expiresOn: number } | { ok: false; status: number; message: string };

export interface ManagedIdentityOptions {
    identityHeader: string;
    /** The identity assigned to the simulated function app. */
    identity: ManagedIdentityDescription;
    /** Issues a token for the identity, as Entra would for `resource`. */
    issue(resource: string): Promise<ManagedIdentityToken>;
}

/** The App Service error body: `{statusCode, message, correlationId}` (msal-node reads `message`). */
function failure(status: number, message: string, request: SimRequest): SimResponse {
    return {
        status,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: { statusCode: status, message, correlationId: request.header('x-ms-client-request-id') ?? randomUUID() },
    };
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
        const { identity } = options;
        const selectors: Array<[string, string]> = [
            ['client_id', identity.clientId],
            ['mi_res_id', identity.resourceId],
            ['object_id', identity.principalId],
            ['principal_id', identity.principalId],
        ];
        for (const [name, expected] of selectors) {
            const value = query.get(name);
            if (value !== null && value.toLowerCase() !== expected.toLowerCase())
                return failure(400, 'Unable to load the proper Managed Identity.', request);
        }
        const issued = await options.issue(resource);
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
