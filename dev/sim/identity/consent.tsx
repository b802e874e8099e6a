/**
 * GET /{tenant}/v2.0/adminconsent (and the legacy /{tenant}/adminconsent): tenant-wide consent by
 * an administrator. Accept creates (or re-enables) the app's service principal in the admin's
 * tenant and grants the app roles the app registration requires.
 */
import type { SignInUser } from '../core/contracts';
import type { SimRequest, SimResponse } from '../core/http';
import { signInForm } from './authorize';
import type { LoginContext } from './context';
import { Aadsts, describeError, errorContext, type AadstsError } from './errors';
import { accountProblem, browserSession, clientProblem, errorPage, isPersonal, redirectToClient } from './flow';
import { ConsentPage, htmlResponse, NeedAdminApprovalPage, type PermissionLine } from './pages';
import { firstPartyResource } from './resources';
import { parseScope, splitScopes, delegatedPermissionLines } from './scopes';
import { sessionCookie, type AdminConsentParams, type BrowserSession, type PendingInteraction } from './sessions';
import type { AppRegistration, RequiredResourceAccess } from './state';
import { resolveTenantSegment } from './tenants';

type AdminConsentInteraction = Extract<PendingInteraction, { kind: 'adminconsent' }>;

/** The app's required permissions that the request's scopes cover (`<resource>/.default` = all of that resource). */
function requestedAccess(app: AppRegistration, scope: string | undefined): RequiredResourceAccess[] | AadstsError {
    // The legacy endpoint has no scope: everything the registration requires.
    if (scope === undefined) return app.requiredResourceAccess;
    const picked = new Map<string, RequiredResourceAccess>();
    for (const item of splitScopes(scope)) {
        const parsed = parseScope(item);
        if (!parsed) continue;
        const resourceAppId = firstPartyResource(parsed.resource)?.appId ?? parsed.resource.toLowerCase();
        const required = app.requiredResourceAccess.find((r) => r.resourceAppId === resourceAppId);
        if (!required) return Aadsts.resourceNotRequested();
        const entry = picked.get(resourceAppId) ?? { resourceAppId, roles: [], scopes: [] };
        if (parsed.permission === '.default') {
            entry.roles = [...required.roles];
            entry.scopes = [...required.scopes];
        } else if (required.roles.includes(parsed.permission)) entry.roles.push(parsed.permission);
        else if (required.scopes.includes(parsed.permission)) entry.scopes.push(parsed.permission);
        else return Aadsts.resourceNotRequested();
        picked.set(resourceAppId, entry);
    }
    if (picked.size === 0) return Aadsts.missingParameter('scope');
    return [...picked.values()];
}

function permissionLines(ctx: LoginContext, access: RequiredResourceAccess[]): PermissionLine[] {
    const lines: PermissionLine[] = [];
    for (const item of access) {
        const resource = firstPartyResource(item.resourceAppId);
        const roles = resource?.appRoles ?? ctx.state.app(item.resourceAppId)?.appRoles ?? [];
        for (const role of item.roles) {
            const definition = roles.find((r) => r.value === role);
            lines.push({
                displayName: `${definition?.displayName ?? role} (${resource?.displayName ?? item.resourceAppId}, application permission ${role})`,
                description: definition?.description ?? role,
            });
        }
    }
    const delegated = access.flatMap((a) => a.scopes);
    return [...lines, ...delegatedPermissionLines(delegated)];
}

export function startAdminConsent(
    ctx: LoginContext,
    request: SimRequest,
    query: URLSearchParams,
    legacy: boolean,
): SimResponse {
    const now = ctx.clock.now();
    const segment = resolveTenantSegment(ctx.directory, request.params.tenant ?? '');
    if (segment.kind === 'unknown') return errorPage(request, now, Aadsts.tenantNotFound(segment.segment));
    const clientId = query.get('client_id');
    if (!clientId) return errorPage(request, now, Aadsts.missingParameter('client_id'));
    const redirectUri = query.get('redirect_uri');
    if (!redirectUri) return errorPage(request, now, Aadsts.missingParameter('redirect_uri'));
    const app = ctx.state.app(clientId);
    const problem = clientProblem(segment, app, clientId, redirectUri);
    if (problem || !app) return errorPage(request, now, problem ?? Aadsts.appNotFound(clientId, segment.segment));
    // Personal accounts have no organization to consent for.
    if (segment.kind === 'alias' && segment.alias === 'consumers')
        return errorPage(request, now, Aadsts.notForConsumers());
    const scope = legacy ? undefined : (query.get('scope') ?? '');
    const access = requestedAccess(app, scope);
    if (!Array.isArray(access)) return errorPage(request, now, access);

    const params: AdminConsentParams = {
        clientId: app.clientId,
        redirectUri,
        segment: segment.segment,
        scope,
        state: query.get('state') ?? undefined,
        legacy,
    };
    const pending = ctx.store.startInteraction({ kind: 'adminconsent', params });
    const session = browserSession(request, ctx.store);
    const candidates = (session?.accounts ?? [])
        .map((username) => ctx.directory.findSignInUser(username))
        .filter(
            (u): u is SignInUser => u !== undefined && accountProblem(ctx.directory, segment, u, app) === undefined,
        );
    // Single sign-on only for one signed-in administrator; otherwise pick or enter an account.
    const only = candidates.length === 1 ? candidates[0] : undefined;
    if (only?.isAdmin && session) return continueAdminConsent(ctx, request, pending, only, session);
    return signInForm(ctx, pending, session, { showAccounts: true });
}

/** After sign-in: only an administrator of the tenant sees the consent screen. */
export function continueAdminConsent(
    ctx: LoginContext,
    request: SimRequest,
    pending: AdminConsentInteraction,
    user: SignInUser,
    session: BrowserSession,
    headers: Record<string, string | string[]> = {},
): SimResponse {
    const now = ctx.clock.now();
    const app = ctx.state.app(pending.params.clientId);
    if (!app)
        return errorPage(request, now, Aadsts.appNotFound(pending.params.clientId, pending.params.segment), headers);
    if (isPersonal(user, ctx.directory))
        return errorPage(request, now, Aadsts.msaNotSupported(user.userPrincipalName), headers);
    const access = requestedAccess(app, pending.params.scope);
    if (!Array.isArray(access)) return errorPage(request, now, access, headers);
    pending.username = user.userPrincipalName;
    // A non-admin sees "Need admin approval" (AADSTS90094): sign in with an admin account, or return to
    // the app without granting consent (Microsoft Learn, "Unexpected error when performing consent to an
    // application"). Nothing redirects until the user picks one.
    if (!user.isAdmin) {
        const error = Aadsts.adminConsentRequired(app.displayName);
        return htmlResponse(
            <NeedAdminApprovalPage
                action={`${ctx.origins.login}/${pending.params.segment}/v2.0/adminconsent`}
                ctx={pending.id}
                code={`AADSTS${error.code}`}
                message={error.message}
                appName={app.displayName}
                username={user.userPrincipalName}
            />,
            200,
            { 'set-cookie': sessionCookie(session), ...headers },
        );
    }
    const tenant = ctx.directory.findTenant(user.tenantId);
    return htmlResponse(
        <ConsentPage
            action={`${ctx.origins.login}/${pending.params.segment}/v2.0/adminconsent`}
            ctx={pending.id}
            appName={app.displayName}
            username={user.userPrincipalName}
            tenantName={tenant?.displayName ?? user.tenantId}
            permissions={permissionLines(ctx, access)}
            onBehalfOfOrganization={true}
        />,
        200,
        { 'set-cookie': sessionCookie(session), ...headers },
    );
}

/**
 * An admin consent that ends in an error goes back to the app: the v2 endpoint's documented error
 * response keeps `admin_consent=True` beside `error`, `error_description` and `state` (Microsoft Learn,
 * "Admin consent on the Microsoft identity platform", Error response); the legacy endpoint sends no
 * `admin_consent`.
 */
function adminConsentError(params: AdminConsentParams, fields: Array<[string, string]>): SimResponse {
    const state: Array<[string, string]> = params.state === undefined ? [] : [['state', params.state]];
    const head: Array<[string, string]> = params.legacy ? [] : [['admin_consent', 'True']];
    return redirectToClient(params.redirectUri, 'query', [...head, ...fields, ...state]);
}

/** Ends the interaction and sends the browser back with `error=access_denied` and the AADSTS text. */
function accessDenied(
    ctx: LoginContext,
    request: SimRequest,
    pending: AdminConsentInteraction,
    error: AadstsError,
    subcode: Array<[string, string]> = [],
): SimResponse {
    ctx.store.finishInteraction(pending.id);
    return adminConsentError(pending.params, [
        ['error', 'access_denied'],
        ...subcode,
        ['error_description', describeError(error, errorContext(request, ctx.clock.now()))],
    ]);
}

/**
 * The signed-in account belongs to another organization than the tenant in the admin consent URL:
 * Entra sends the browser back to the app with `error=access_denied` and the AADSTS50020 text, instead
 * of the dead-end page it shows on the sign-in path.
 */
export function adminConsentOtherOrganization(
    ctx: LoginContext,
    request: SimRequest,
    pending: AdminConsentInteraction,
    problem: AadstsError,
): SimResponse {
    return accessDenied(ctx, request, pending, problem);
}

/**
 * "Return to the application without granting consent" on the Need admin approval page: the cancel
 * answer MSAL libraries recognise (`error=access_denied&error_subcode=cancel`, e.g. MSAL.NET's
 * AuthorizationResult.FromUri maps it to UserCancel), with AADSTS65004.
 */
export function returnWithoutConsent(
    ctx: LoginContext,
    request: SimRequest,
    pending: AdminConsentInteraction,
): SimResponse {
    return accessDenied(ctx, request, pending, Aadsts.userDeclined(), [['error_subcode', 'cancel']]);
}

/** Accept or Cancel on the admin consent screen. */
export function decideAdminConsent(
    ctx: LoginContext,
    request: SimRequest,
    pending: AdminConsentInteraction,
    user: SignInUser,
    accepted: boolean,
): SimResponse {
    const now = ctx.clock.now();
    const { params } = pending;
    ctx.store.finishInteraction(pending.id);
    const app = ctx.state.app(params.clientId);
    const access = app ? requestedAccess(app, params.scope) : Aadsts.appNotFound(params.clientId, params.segment);
    if (!app || !Array.isArray(access))
        return errorPage(request, now, Array.isArray(access) ? Aadsts.malformed() : access);
    const state: Array<[string, string]> = params.state === undefined ? [] : [['state', params.state]];
    const tenantId = user.tenantId.toLowerCase();

    if (!accepted) {
        if (params.legacy)
            // The v1 documentation's example of a cancelled admin consent.
            return adminConsentError(params, [
                ['error', 'permission_denied'],
                ['error_description', 'The admin canceled the request'],
            ]);
        // v2 keeps admin_consent=True and reports consent_required + AADSTS65004 (the documented example).
        return adminConsentError(params, [
            ['error', 'consent_required'],
            ['error_description', describeError(Aadsts.userDeclined(), errorContext(request, now))],
        ]);
    }

    const sp = ctx.state.ensureServicePrincipal(tenantId, app.clientId);
    const granted: string[] = [];
    for (const item of access) {
        ctx.state.grantRoles(sp, item.resourceAppId, item.roles);
        const resource = firstPartyResource(item.resourceAppId);
        const prefix =
            resource?.identifierUri ?? ctx.state.app(item.resourceAppId)?.identifierUris[0] ?? item.resourceAppId;
        for (const permission of [...item.roles, ...item.scopes]) granted.push(`${prefix}/${permission}`);
    }
    if (params.legacy)
        return redirectToClient(params.redirectUri, 'query', [
            ['tenant', tenantId],
            ...state,
            ['admin_consent', 'True'],
        ]);
    return redirectToClient(params.redirectUri, 'query', [
        ['admin_consent', 'True'],
        ['tenant', tenantId],
        ...state,
        ['scope', granted.join(' ')],
    ]);
}
