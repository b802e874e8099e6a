/** GET|POST /{tenant}/oauth2/v2.0/authorize: the sign-in page, SSO, user consent and the code redirect. */
import type { SignInUser } from '../core/contracts';
import type { SimRequest, SimResponse } from '../core/http';
import { signInOrganization } from './branding';
import type { LoginContext } from './context';
import { Aadsts, type AadstsError } from './errors';
import {
    accountProblem,
    browserSession,
    clientProblem,
    errorFields,
    errorPage,
    isPersonal,
    redirectToClient,
} from './flow';
import { ConsentPage, htmlResponse, SignInPage, type AccountChoice } from './pages';
import { graphDelegatedScopes, delegatedPermissionLines, splitScopes } from './scopes';
import { sessionCookie, type AuthorizeParams, type BrowserSession, type PendingInteraction } from './sessions';
import { resolveTenantSegment, type TenantSegment } from './tenants';

type KnownSegment = Exclude<TenantSegment, { kind: 'unknown' }>;

const PROMPTS = new Set(['login', 'none', 'consent', 'select_account']);

/** Validates an authorize request; errors before the redirect URI is trusted become pages. */
function parseAuthorize(
    ctx: LoginContext,
    segment: KnownSegment,
    query: URLSearchParams,
): { page: AadstsError } | { params: AuthorizeParams; redirectError?: AadstsError } {
    const clientId = query.get('client_id');
    if (!clientId) return { page: Aadsts.missingParameter('client_id') };
    const app = ctx.state.app(clientId);
    // Without redirect_uri Entra falls back to a registered one.
    const redirectUri = query.get('redirect_uri') ?? app?.redirectUris[0] ?? '';
    const problem = clientProblem(segment, app, clientId, redirectUri);
    if (problem) return { page: problem };

    const responseModeValue = query.get('response_mode') ?? 'query';
    const responseMode = (['query', 'fragment', 'form_post'] as const).find((m) => m === responseModeValue) ?? 'query';
    const method = query.get('code_challenge_method') ?? (query.get('code_challenge') ? 'plain' : undefined);
    const params: AuthorizeParams = {
        clientId: clientId.toLowerCase(),
        redirectUri,
        segment: segment.segment,
        scopes: splitScopes(query.get('scope')),
        state: query.get('state') ?? undefined,
        nonce: query.get('nonce') ?? undefined,
        responseMode,
        prompt: query.get('prompt') ?? undefined,
        loginHint: query.get('login_hint') ?? undefined,
        // Names the organisation on the sign-in page (branding.ts); there is no federation to skip to.
        domainHint: query.get('domain_hint') ?? undefined,
        codeChallenge: query.get('code_challenge') ?? undefined,
        codeChallengeMethod: method === 'S256' || method === 'plain' ? method : undefined,
        clientInfo: query.get('client_info') === '1',
    };
    const responseType = query.get('response_type');
    if (!responseType) return { params, redirectError: Aadsts.missingParameter('response_type') };
    if (responseType.split(/\s+/).sort().join(' ') !== 'code')
        return { params, redirectError: Aadsts.unsupportedResponseType(responseType) };
    if (params.scopes.length === 0) return { params, redirectError: Aadsts.missingParameter('scope') };
    if (graphDelegatedScopes(params.scopes) === undefined) {
        const other = params.scopes.find(
            (s) => s.includes('/') && !s.toLowerCase().startsWith('https://graph.microsoft.com/'),
        );
        return { params, redirectError: Aadsts.resourceNotFound(other ?? params.scopes.join(' '), segment.segment) };
    }
    if (params.prompt !== undefined && !PROMPTS.has(params.prompt))
        return { params, redirectError: Aadsts.malformed() };
    if (method !== undefined && params.codeChallengeMethod === undefined)
        return { params, redirectError: Aadsts.malformed() };
    const challenge = params.codeChallenge;
    if (challenge !== undefined && !/^[A-Za-z0-9\-._~]{43,128}$/.test(challenge))
        return { params, redirectError: Aadsts.malformed() };
    return { params };
}

function redirectFields(params: AuthorizeParams, fields: Array<[string, string]>): Array<[string, string]> {
    return params.state === undefined ? fields : [...fields, ['state', params.state]];
}

export function accountChoices(ctx: LoginContext, session: BrowserSession | undefined): AccountChoice[] {
    return (session?.accounts ?? [])
        .map((username) => ctx.directory.findSignInUser(username))
        .filter((u): u is SignInUser => u !== undefined)
        .map((u) => ({ username: u.userPrincipalName, displayName: u.displayName }));
}

export function signInForm(
    ctx: LoginContext,
    pending: PendingInteraction,
    session: BrowserSession | undefined,
    options: { showAccounts: boolean; error?: string },
): SimResponse {
    const app = ctx.state.app(pending.params.clientId);
    const action =
        pending.kind === 'authorize'
            ? `${ctx.origins.login}/${pending.params.segment}/oauth2/v2.0/authorize`
            : `${ctx.origins.login}/${pending.params.segment}/v2.0/adminconsent`;
    const organization = signInOrganization(
        ctx.directory,
        pending.params.segment,
        pending.kind === 'authorize' ? pending.params.domainHint : undefined,
    );
    return htmlResponse(
        <SignInPage
            action={action}
            ctx={pending.id}
            appName={app?.displayName ?? pending.params.clientId}
            organization={organization && { id: organization.id, displayName: organization.displayName }}
            loginHint={pending.kind === 'authorize' ? pending.params.loginHint : undefined}
            error={options.error}
            accounts={options.showAccounts ? accountChoices(ctx, session) : []}
        />,
    );
}

/** Handles a new authorize request (query of a GET, or the form body of a POST without `ctx`). */
export function startAuthorize(ctx: LoginContext, request: SimRequest, query: URLSearchParams): SimResponse {
    const now = ctx.clock.now();
    const segment = resolveTenantSegment(ctx.directory, request.params.tenant ?? '');
    if (segment.kind === 'unknown') return errorPage(request, now, Aadsts.tenantNotFound(segment.segment));
    const parsed = parseAuthorize(ctx, segment, query);
    if ('page' in parsed) return errorPage(request, now, parsed.page);
    const { params } = parsed;
    if (parsed.redirectError)
        return redirectToClient(
            params.redirectUri,
            params.responseMode,
            redirectFields(params, errorFields(request, now, parsed.redirectError)),
        );

    const app = ctx.state.app(params.clientId);
    const session = browserSession(request, ctx.store);
    const candidates = (session?.accounts ?? [])
        .map((username) => ctx.directory.findSignInUser(username))
        .filter((u): u is SignInUser => u !== undefined)
        .filter((u) => app !== undefined && accountProblem(ctx.directory, segment, u, app) === undefined)
        .filter(
            (u) =>
                params.loginHint === undefined || u.userPrincipalName.toLowerCase() === params.loginHint.toLowerCase(),
        );
    const pending = ctx.store.startInteraction({ kind: 'authorize', params });

    if (params.prompt === 'none') {
        const only = candidates.length === 1 ? candidates[0] : undefined;
        if (only && session) return continueAuthorize(ctx, request, pending, only, session, { consented: false });
        ctx.store.finishInteraction(pending.id);
        const error = (session?.accounts.length ?? 0) === 0 ? Aadsts.loginRequired() : Aadsts.selectAccount();
        return redirectToClient(
            params.redirectUri,
            params.responseMode,
            redirectFields(params, errorFields(request, now, error)),
        );
    }
    const only = candidates.length === 1 ? candidates[0] : undefined;
    if (params.prompt === undefined || params.prompt === 'consent') {
        if (only && session) return continueAuthorize(ctx, request, pending, only, session, { consented: false });
    }
    return signInForm(ctx, pending, session, { showAccounts: params.prompt !== 'login' });
}

/**
 * After the user is known: user consent when the app has no service principal in the user's
 * tenant yet (or prompt=consent), then the code redirect.
 */
export function continueAuthorize(
    ctx: LoginContext,
    request: SimRequest,
    pending: Extract<PendingInteraction, { kind: 'authorize' }>,
    user: SignInUser,
    session: BrowserSession,
    options: { consented: boolean },
    headers: Record<string, string | string[]> = {},
): SimResponse {
    const now = ctx.clock.now();
    const { params } = pending;
    const app = ctx.state.app(params.clientId);
    if (!app) return errorPage(request, now, Aadsts.appNotFound(params.clientId, params.segment), headers);
    if (!isPersonal(user, ctx.directory)) {
        const sp = ctx.state.servicePrincipal(user.tenantId, app.clientId);
        if (sp && !sp.enabled)
            return errorPage(request, now, Aadsts.appDisabled(app.clientId, app.displayName), headers);
        const needsConsent = !sp || params.prompt === 'consent';
        if (needsConsent && !options.consented) {
            if (params.prompt === 'none') {
                ctx.store.finishInteraction(pending.id);
                const error = { ...Aadsts.consentRequired(app.clientId, app.displayName), error: 'consent_required' };
                return redirectToClient(
                    params.redirectUri,
                    params.responseMode,
                    redirectFields(params, errorFields(request, now, error)),
                    headers,
                );
            }
            pending.username = user.userPrincipalName;
            const tenant = ctx.directory.findTenant(user.tenantId);
            return htmlResponse(
                <ConsentPage
                    action={`${ctx.origins.login}/${params.segment}/oauth2/v2.0/authorize`}
                    ctx={pending.id}
                    appName={app.displayName}
                    username={user.userPrincipalName}
                    tenantName={tenant?.displayName ?? user.tenantId}
                    permissions={delegatedPermissionLines(params.scopes)}
                    onBehalfOfOrganization={false}
                />,
                200,
                headers,
            );
        }
        // User consent creates the enterprise application (without app-role grants).
        if (!sp) ctx.state.ensureServicePrincipal(user.tenantId, app.clientId);
    }
    ctx.store.finishInteraction(pending.id);
    const code = ctx.store.issueCode({
        clientId: params.clientId,
        redirectUri: params.redirectUri,
        segment: params.segment,
        tenantId: user.tenantId.toLowerCase(),
        username: user.userPrincipalName,
        scopes: params.scopes,
        nonce: params.nonce,
        codeChallenge: params.codeChallenge,
        codeChallengeMethod: params.codeChallengeMethod,
        sessionId: session.id,
    });
    const fields: Array<[string, string]> = [['code', code]];
    if (params.clientInfo) fields.push(['client_info', clientInfo(user)]);
    if (params.state !== undefined) fields.push(['state', params.state]);
    fields.push(['session_state', session.sessionState]);
    // Never `cloud_instance_host_name`: msal-node would send the code to that (real) host.
    return redirectToClient(params.redirectUri, params.responseMode, fields, {
        'set-cookie': sessionCookie(session),
        ...headers,
    });
}

/** The user declined consent on the sign-in path. */
export function declineAuthorize(
    ctx: LoginContext,
    request: SimRequest,
    pending: Extract<PendingInteraction, { kind: 'authorize' }>,
): SimResponse {
    ctx.store.finishInteraction(pending.id);
    const { params } = pending;
    const fields = errorFields(request, ctx.clock.now(), Aadsts.userDeclined());
    fields.push(['error_subcode', 'cancel']);
    return redirectToClient(params.redirectUri, params.responseMode, redirectFields(params, fields));
}

export function clientInfo(user: SignInUser): string {
    return Buffer.from(JSON.stringify({ uid: user.id, utid: user.tenantId.toLowerCase() })).toString('base64url');
}
