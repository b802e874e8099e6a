/** Helpers shared by the browser-facing endpoints (authorize, admin consent, logout). */
import { MSA_TENANT_ID, type DirectoryView, type SignInUser, type TenantRecord } from '../core/contracts';
import type { SimRequest, SimResponse } from '../core/http';
import { aadTimestamp, Aadsts, describeError, errorContext, type AadstsError } from './errors';
import { ErrorPage, FormPostPage, htmlResponse } from './pages';
import { readCookie, SESSION_COOKIE, type BrowserSession, type InteractionStore } from './sessions';
import type { AppRegistration } from './state';
import type { TenantSegment } from './tenants';

/** The page Entra shows instead of redirecting. Real error pages answer 200 [belief]. */
export function errorPage(
    request: SimRequest,
    now: number,
    error: AadstsError,
    headers: Record<string, string | string[]> = {},
): SimResponse {
    const context = errorContext(request, now);
    return htmlResponse(
        <ErrorPage
            code={`AADSTS${error.code}`}
            message={error.message}
            requestId={context.traceId}
            correlationId={context.correlationId}
            timestamp={aadTimestamp(now)}
        />,
        200,
        headers,
    );
}

export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** Sends the browser back to the client: 302 with query/fragment, or an auto-submitting form. */
export function redirectToClient(
    redirectUri: string,
    responseMode: ResponseMode,
    fields: Array<[string, string]>,
    headers: Record<string, string | string[]> = {},
): SimResponse {
    if (responseMode === 'form_post')
        return htmlResponse(<FormPostPage action={redirectUri} fields={Object.fromEntries(fields)} />, 200, headers);
    let location: string;
    if (responseMode === 'fragment') {
        location = `${redirectUri.split('#')[0] ?? redirectUri}#${new URLSearchParams(fields).toString()}`;
    } else {
        const url = new URL(redirectUri);
        for (const [name, value] of fields) url.searchParams.append(name, value);
        location = url.toString();
    }
    return {
        status: 302,
        headers: { location, 'cache-control': 'no-store, no-cache', pragma: 'no-cache', ...headers },
    };
}

/** The `error`/`error_description` pair for a redirect, with the AADSTS trace lines. */
export function errorFields(request: SimRequest, now: number, error: AadstsError): Array<[string, string]> {
    return [
        ['error', error.error],
        ['error_description', describeError(error, errorContext(request, now))],
    ];
}

export function browserSession(request: SimRequest, store: InteractionStore): BrowserSession | undefined {
    return store.session(readCookie(request.header('cookie'), SESSION_COOKIE));
}

export function isPersonal(user: SignInUser, directory: DirectoryView): boolean {
    return user.tenantId.toLowerCase() === MSA_TENANT_ID || directory.findTenant(user.tenantId)?.kind === 'personal';
}

/**
 * May `user` sign in to `app` through this tenant segment? Returns the AADSTS error that Entra
 * shows otherwise (personal account on an org-only app, wrong tenant, disabled user or app).
 */
export function accountProblem(
    directory: DirectoryView,
    segment: Exclude<TenantSegment, { kind: 'unknown' }>,
    user: SignInUser,
    app: AppRegistration,
): AadstsError | undefined {
    if (!user.accountEnabled) return Aadsts.userDisabled();
    const personal = isPersonal(user, directory);
    const home: TenantRecord | undefined = directory.findTenant(user.tenantId);
    if (!home || home.status === 'deleted') return Aadsts.tenantNotFound(user.tenantId);
    if (home.status === 'decommissioned') return Aadsts.tenantDecommissioned();
    if (segment.kind === 'alias') {
        if (segment.alias === 'consumers' && !personal)
            return Aadsts.userNotInTenant(
                user.userPrincipalName,
                `https://sts.windows.net/${home.id}/`,
                'Microsoft Services',
                app.clientId,
                app.displayName,
            );
        if (
            personal &&
            (segment.alias === 'organizations' || app.signInAudience !== 'AzureADandPersonalMicrosoftAccount')
        )
            return Aadsts.msaNotSupported(user.userPrincipalName);
    } else if (segment.tenant.id.toLowerCase() !== user.tenantId.toLowerCase()) {
        const idp = personal ? 'live.com' : `https://sts.windows.net/${home.id}/`;
        return Aadsts.userNotInTenant(
            user.userPrincipalName,
            idp,
            segment.tenant.displayName,
            app.clientId,
            app.displayName,
        );
    }
    if (app.signInAudience === 'AzureADMyOrg' && user.tenantId.toLowerCase() !== app.homeTenantId)
        return Aadsts.appNotFound(app.clientId, home.displayName);
    return undefined;
}

/** Problems with the app or redirect URI that Entra never redirects for (protocols §1.4). */
export function clientProblem(
    segment: Exclude<TenantSegment, { kind: 'unknown' }>,
    app: AppRegistration | undefined,
    clientId: string,
    redirectUri: string,
): AadstsError | undefined {
    const directoryName = segment.kind === 'tenant' ? segment.tenant.displayName : segment.segment;
    if (!app || app.kind !== 'application') return Aadsts.appNotFound(clientId, directoryName);
    if (
        segment.kind === 'alias' &&
        segment.alias === 'consumers' &&
        app.signInAudience !== 'AzureADandPersonalMicrosoftAccount'
    )
        return Aadsts.notForConsumers();
    if (
        segment.kind === 'tenant' &&
        app.signInAudience === 'AzureADMyOrg' &&
        segment.tenant.id.toLowerCase() !== app.homeTenantId
    )
        return Aadsts.appNotFound(clientId, directoryName);
    // Exact match, as Entra does (scheme, host, port, path, case of the path).
    if (!app.redirectUris.includes(redirectUri)) return Aadsts.redirectMismatch(redirectUri, app.clientId);
    if (app.disabled) return Aadsts.appDisabled(app.clientId, app.displayName);
    if (segment.kind === 'tenant' && segment.tenant.status === 'decommissioned') return Aadsts.tenantDecommissioned();
    return undefined;
}
