import { randomUUID } from 'node:crypto';

import type { SimRequest, SimResponse } from '../core/http';

/** An AADSTS error as the token endpoint reports it (protocols §1.7, catalogue §1.8). */
export interface AadstsError {
    status: number;
    error: string;
    code: number;
    /** The message after "AADSTS<code>: ". */
    message: string;
    suberror?: string;
}

const err = (status: number, error: string, code: number, message: string, suberror?: string): AadstsError =>
    suberror === undefined ? { status, error, code, message } : { status, error, code, message, suberror };

/** The catalogue. Texts follow real responses; statuses marked [BELIEF] in the reference are documented choices. */
export const Aadsts = {
    missingParameter: (name: string) =>
        err(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
    malformed: () => err(400, 'invalid_request', 9002313, 'Invalid request. Request is malformed or invalid.'),
    tenantNotFound: (tenant: string) =>
        err(
            400,
            'invalid_request',
            90002,
            `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
        ),
    tenantDecommissioned: () =>
        // Status and error value are not documented; MSAL.NET classes 5000224 as needing user interaction.
        err(400, 'invalid_request', 5000224, 'We are sorry, this resource is not available.'),
    appNotFound: (appId: string, directory: string) =>
        err(
            400,
            'unauthorized_client',
            700016,
            `Application with identifier '${appId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        ),
    appDisabled: (appId: string, name: string) =>
        err(400, 'unauthorized_client', 7000112, `Application '${appId}'(${name}) is disabled.`),
    noClientCredential: () =>
        err(
            401,
            'invalid_client',
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ),
    wrongSecret: (appId: string) =>
        err(
            401,
            'invalid_client',
            7000215,
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
        ),
    expiredSecret: (appId: string) =>
        err(
            401,
            'invalid_client',
            7000222,
            `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
        ),
    scopeNeedsDefault: (scope: string) =>
        err(
            400,
            'invalid_scope',
            1002012,
            `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        ),
    multipleResources: (scope: string) =>
        err(
            400,
            'invalid_scope',
            700022,
            `The provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
        ),
    resourceNotFound: (resource: string, tenant: string) =>
        err(
            400,
            'invalid_resource',
            500011,
            `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
        ),
    unsupportedGrantType: (grantType: string) =>
        err(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`),
    codeRedeemed: () =>
        err(
            400,
            'invalid_grant',
            54005,
            'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
        ),
    codeExpired: () =>
        err(
            400,
            'invalid_grant',
            70008,
            'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
        ),
    grantInvalid: () => err(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.'),
    codeOtherTenant: () =>
        err(
            400,
            'invalid_grant',
            700005,
            'Provided Authorization Code is intended to use against other tenant, thus rejected.',
        ),
    pkceMismatch: () =>
        err(
            400,
            'invalid_grant',
            501481,
            'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        ),
    redirectMismatch: (redirectUri: string, appId: string) =>
        err(
            400,
            'invalid_request',
            50011,
            `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
        ),
    /** The error value is the one Entra reports (invalid_client); the status is a documented choice [belief]. */
    replyAddressMismatch: (redeemedWith: string, requestedWith: string) =>
        err(
            400,
            'invalid_client',
            500112,
            `The reply address '${redeemedWith}' does not match the reply address '${requestedWith}' provided when requesting Authorization code.`,
        ),
    userDeclined: () => err(400, 'access_denied', 65004, 'User declined to consent to access the app.'),
    consentRequired: (appId: string, name: string) =>
        err(
            400,
            'invalid_grant',
            65001,
            `The user or administrator has not consented to use the application with ID '${appId}' named '${name}'. Send an interactive authorization request for this user and resource.`,
            'consent_required',
        ),
    loginRequired: () =>
        err(
            400,
            'login_required',
            50058,
            "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD. This can happen if the user is using Internet Explorer or Edge, and the web app sending the silent sign-in request is in different IE security zone than the Azure AD endpoint (login.microsoftonline.com).",
        ),
    selectAccount: () =>
        err(
            400,
            'interaction_required',
            16000,
            'Either multiple user identities are available for the current request or selected account is not supported for the scenario.',
        ),
    msaNotSupported: (username: string) =>
        err(
            400,
            'invalid_request',
            500200,
            `User account '${username}' is a personal Microsoft account. Personal Microsoft accounts are not supported for this application unless explicitly invited to an organization. Try signing out and signing back in with an organizational account.`,
        ),
    userNotInTenant: (username: string, idp: string, tenantName: string, appId: string, appName: string) =>
        err(
            400,
            'invalid_request',
            50020,
            `User account '${username}' from identity provider '${idp}' does not exist in tenant '${tenantName}' and cannot access the application '${appId}'(${appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
        ),
    userDisabled: () => err(400, 'invalid_grant', 50057, 'The user account is disabled.'),
    adminConsentRequired: (appName: string) =>
        err(
            400,
            'access_denied',
            90094,
            `${appName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
        ),
    resourceNotRequested: () =>
        err(
            400,
            'invalid_client',
            650057,
            "Invalid resource. The client has requested access to a resource which isn't listed in the requested permissions in the client's application registration.",
        ),
    unsupportedResponseType: (responseType: string) =>
        err(
            400,
            'unsupported_response_type',
            700054,
            `response_type '${responseType}' is not enabled for the application.`,
        ),
    notForConsumers: () =>
        err(
            400,
            'unauthorized_client',
            700016,
            'The client does not exist or is not enabled for consumers. If you are the application developer, configure a new application through the App Registrations in the Azure Portal at https://go.microsoft.com/fwlink/?linkid=2083908.',
        ),
    throttled: () =>
        err(429, 'temporarily_unavailable', 90055, 'TenantThrottlingError - There are too many incoming requests.'),
    transient: (status: number) =>
        err(status, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.'),
} as const;

/** Trace/correlation ids and time of one identity response. */
export interface ErrorContext {
    traceId: string;
    correlationId: string;
    /** Simulator time, ms. */
    now: number;
}

export function errorContext(request: SimRequest, now: number): ErrorContext {
    return {
        traceId: request.requestId,
        // Entra echoes the caller's client-request-id as the correlation id.
        correlationId:
            request.url.searchParams.get('client-request-id') ?? request.header('client-request-id') ?? randomUUID(),
        now,
    };
}

/** "2023-05-06 06:03:00Z", the format of AADSTS timestamps. */
export function aadTimestamp(ms: number): string {
    return new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

export function describeError(error: AadstsError, context: ErrorContext): string {
    return `AADSTS${error.code}: ${error.message}\r\nTrace ID: ${context.traceId}\r\nCorrelation ID: ${context.correlationId}\r\nTimestamp: ${aadTimestamp(context.now)}`;
}

/** Headers the real token endpoint sends with every answer (protocols §1.6). */
export function tokenEndpointHeaders(context: ErrorContext): Record<string, string | string[]> {
    return {
        'cache-control': 'no-store, no-cache',
        pragma: 'no-cache',
        'content-type': 'application/json; charset=utf-8',
        expires: '-1',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        p3p: 'CP="DSP CUR OTPi IND OTRi ONL FIN"',
        'x-ms-request-id': context.traceId,
        'x-ms-ests-server': '2.1.0.0 - SIM ProdSlices',
        'set-cookie': [
            'fpc=AsimulatorCookie; expires=Fri, 01-Jan-2100 00:00:00 GMT; path=/; secure; HttpOnly; SameSite=None',
            'x-ms-gateway-slice=estsfd; path=/; secure; samesite=none; httponly',
            'stsservicecookie=estsfd; path=/; secure; samesite=none; httponly',
        ],
    };
}

/** The JSON error body of the token/discovery endpoints (protocols §1.7). */
export function tokenErrorResponse(error: AadstsError, context: ErrorContext, loginOrigin: string): SimResponse {
    const body: Record<string, unknown> = {
        error: error.error,
        error_description: describeError(error, context),
        error_codes: [error.code],
        timestamp: aadTimestamp(context.now),
        trace_id: context.traceId,
        correlation_id: context.correlationId,
        error_uri: `${loginOrigin}/error?code=${error.code}`,
    };
    if (error.suberror !== undefined) body.suberror = error.suberror;
    return { status: error.status, headers: tokenEndpointHeaders(context), body };
}
