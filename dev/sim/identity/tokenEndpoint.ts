/** POST /{tenant}/oauth2/v2.0/token: authorization_code, refresh_token and client_credentials. */
import { createHash, timingSafeEqual } from 'node:crypto';

import { GRAPH_RESOURCE, VAULT_RESOURCE, type SignInUser, type TenantRecord } from '../core/contracts';
import type { SimRequest, SimResponse } from '../core/http';
import { clientInfo } from './authorize';
import type { LoginContext } from './context';
import {
    Aadsts,
    errorContext,
    tokenEndpointHeaders,
    tokenErrorResponse,
    type AadstsError,
    type ErrorContext,
} from './errors';
import { firstPartyResource, OIDC_SCOPES } from './resources';
import { graphDelegatedScopes, splitScopes } from './scopes';
import { CODE_LIFETIME_MS } from './sessions';
import type { AppRegistration, ServicePrincipal } from './state';
import { resolveTenantSegment, type TenantSegment } from './tenants';

/** Key Vault tokens requested with the CAE capability (xms_cc=cp1) live 24 h (protocols §1.6, observed). */
const CAE_LIFETIME_SECONDS = 86399;

export class TokenError extends Error {
    constructor(readonly aadsts: AadstsError) {
        super(aadsts.message);
    }
}

const fail = (error: AadstsError): never => {
    throw new TokenError(error);
};

function sameSecret(a: string, b: string): boolean {
    // Compare digests so lengths never leak and timingSafeEqual gets equal-length inputs.
    return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** client_id + client_secret from the body (client_secret_post) or HTTP Basic (client_secret_basic). */
function clientCredentials(
    request: SimRequest,
    form: URLSearchParams,
): { clientId: string | null; secret: string | null; assertion: boolean } {
    const basic = /^Basic\s+(\S+)$/i.exec(request.header('authorization') ?? '');
    if (basic?.[1]) {
        const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0)
            return {
                clientId: decodeURIComponent(decoded.slice(0, colon)),
                secret: decodeURIComponent(decoded.slice(colon + 1)),
                assertion: false,
            };
    }
    return {
        clientId: form.get('client_id'),
        secret: form.get('client_secret'),
        assertion: form.has('client_assertion'),
    };
}

export function tokenEndpoint(ctx: LoginContext) {
    return async (request: SimRequest): Promise<SimResponse> => {
        const context = errorContext(request, ctx.clock.now());
        try {
            return await issue(ctx, request, context);
        } catch (error) {
            if (error instanceof TokenError) return tokenErrorResponse(error.aadsts, context, ctx.origins.login);
            throw error;
        }
    };
}

async function issue(ctx: LoginContext, request: SimRequest, context: ErrorContext): Promise<SimResponse> {
    const form = request.form();
    const segment = resolveTenantSegment(ctx.directory, request.params.tenant ?? '');
    if (segment.kind === 'unknown') return fail(Aadsts.tenantNotFound(segment.segment));
    if (segment.kind === 'tenant' && segment.tenant.status === 'decommissioned')
        return fail(Aadsts.tenantDecommissioned());
    const grantType = form.get('grant_type');
    if (!grantType) return fail(Aadsts.missingParameter('grant_type'));
    const credentials = clientCredentials(request, form);
    if (!credentials.clientId) return fail(Aadsts.missingParameter('client_id'));
    const body = await (async () => {
        switch (grantType) {
            case 'client_credentials':
                return clientCredentialsGrant(ctx, segment, form, credentials);
            case 'authorization_code':
                return authorizationCodeGrant(ctx, segment, form, credentials);
            case 'refresh_token':
                return refreshTokenGrant(ctx, segment, form, credentials);
            default:
                return fail(Aadsts.unsupportedGrantType(grantType));
        }
    })();
    return { status: 200, headers: tokenEndpointHeaders(context), body };
}

type Credentials = ReturnType<typeof clientCredentials>;

/** The secret must be one of the app's secrets and not expired. */
function authenticateClient(ctx: LoginContext, app: AppRegistration, credentials: Credentials): void {
    if (!credentials.secret)
        return fail(credentials.assertion ? Aadsts.wrongSecret(app.clientId) : Aadsts.noClientCredential());
    const match = app.secrets.find((s) => sameSecret(s.value, credentials.secret ?? ''));
    if (!match) return fail(Aadsts.wrongSecret(app.clientId));
    if (match.expiresAt <= ctx.clock.now()) return fail(Aadsts.expiredSecret(app.clientId));
}

function lookupApp(ctx: LoginContext, clientId: string, directoryName: string): AppRegistration {
    const app = ctx.state.app(clientId);
    if (!app) return fail(Aadsts.appNotFound(clientId, directoryName));
    return app;
}

async function clientCredentialsGrant(
    ctx: LoginContext,
    segment: Exclude<TenantSegment, { kind: 'unknown' }>,
    form: URLSearchParams,
    credentials: Credentials,
): Promise<Record<string, unknown>> {
    // MSAL refuses aliases for this grant before sending; a raw request gets a generic error [belief].
    if (segment.kind !== 'tenant') return fail(Aadsts.malformed());
    const tenant = segment.tenant;
    const tenantId = tenant.id.toLowerCase();
    const clientId = credentials.clientId ?? '';
    const app = lookupApp(ctx, clientId, tenant.displayName);
    // The app exists in this tenant only through its service principal (created by consent), and only
    // once that has replicated: right after consent the token endpoint may not see it yet.
    const sp = ctx.state.servicePrincipal(tenantId, app.clientId);
    if (!sp || !ctx.state.isVisible(sp) || app.kind !== 'application')
        return fail(Aadsts.appNotFound(clientId, tenant.displayName));
    if (app.disabled || !sp.enabled) return fail(Aadsts.appDisabled(app.clientId, app.displayName));
    authenticateClient(ctx, app, credentials);

    const scopeValue = form.get('scope');
    if (!scopeValue) return fail(Aadsts.missingParameter('scope'));
    const scopes = splitScopes(scopeValue).filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
    const notDefault = scopes.find((s) => !s.endsWith('/.default'));
    if (notDefault !== undefined) return fail(Aadsts.scopeNeedsDefault(notDefault));
    const resources = [
        ...new Set(scopes.map((s) => s.slice(0, -'/.default'.length).replace(/\/+$/, '').toLowerCase())),
    ];
    if (resources.length === 0) return fail(Aadsts.missingParameter('scope'));
    if (resources.length > 1) return fail(Aadsts.multipleResources(scopeValue));
    const requested = scopes[0]?.slice(0, -'/.default'.length).replace(/\/+$/, '') ?? '';

    const caeKeyVault = requestsCae(form) && firstPartyResource(requested)?.identifierUri === VAULT_RESOURCE;
    const issued = await appOnlyToken(
        ctx,
        tenant,
        app,
        sp,
        requested,
        caeKeyVault ? { lifetime: CAE_LIFETIME_SECONDS, extra: { xms_cc: ['cp1'] } } : {},
    );
    return {
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
        ext_expires_in: issued.expiresIn,
        access_token: issued.token,
    };
}

/** An app-only token for `resource` in `tenant`, with the roles granted to the caller's service principal. */
export async function appOnlyToken(
    ctx: LoginContext,
    tenant: TenantRecord,
    app: AppRegistration,
    sp: ServicePrincipal,
    resource: string,
    options: { lifetime?: number; extra?: Record<string, unknown> },
): Promise<{ token: string; expiresIn: number }> {
    const tenantId = tenant.id.toLowerCase();
    const firstParty = firstPartyResource(resource);
    if (firstParty) {
        return ctx.tokens.appToken({
            tenantId,
            audience: firstParty.identifierUri,
            app,
            servicePrincipal: sp,
            roles: ctx.state.effectiveRoles(sp, firstParty.appId),
            ...options,
        });
    }
    // One of our own APIs: its service principal must exist in the tenant too.
    const resourceApp = ctx.state.appByIdentifier(resource);
    if (!resourceApp || !ctx.state.servicePrincipal(tenantId, resourceApp.clientId))
        return fail(Aadsts.resourceNotFound(resource, tenant.displayName));
    return ctx.tokens.appToken({
        tenantId,
        // v1 tokens carry the identifier the client asked for (api://<id> or the bare client id).
        audience: resource,
        app,
        servicePrincipal: sp,
        roles: ctx.state.effectiveRoles(sp, resourceApp.clientId),
        ...options,
    });
}

/** `claims={"access_token":{"xms_cc":{"values":["cp1"]}}}` as @azure/identity sends for Key Vault. */
function requestsCae(form: URLSearchParams): boolean {
    const claims = form.get('claims');
    if (!claims) return false;
    try {
        const parsed = JSON.parse(claims) as { access_token?: { xms_cc?: { values?: unknown } } };
        const values = parsed.access_token?.xms_cc?.values;
        return Array.isArray(values) && values.includes('cp1');
    } catch {
        return false;
    }
}

async function authorizationCodeGrant(
    ctx: LoginContext,
    segment: Exclude<TenantSegment, { kind: 'unknown' }>,
    form: URLSearchParams,
    credentials: Credentials,
): Promise<Record<string, unknown>> {
    const app = lookupApp(ctx, credentials.clientId ?? '', segment.segment);
    authenticateClient(ctx, app, credentials);
    const value = form.get('code');
    if (!value) return fail(Aadsts.missingParameter('code'));
    const code = ctx.store.code(value);
    if (!code) return fail({ ...Aadsts.malformed(), error: 'invalid_grant' });
    if (code.redeemed) return fail(Aadsts.codeRedeemed());
    if (ctx.clock.now() - code.issuedAt > CODE_LIFETIME_MS) return fail(Aadsts.codeExpired());
    // Any redemption attempt uses the code up, successful or not [belief].
    code.redeemed = true;
    if (code.clientId !== app.clientId) return fail(Aadsts.grantInvalid());
    if (!sameTenant(segment, code.segment, code.tenantId)) return fail(Aadsts.codeOtherTenant());
    const redirectUri = form.get('redirect_uri');
    if (!redirectUri) return fail(Aadsts.missingParameter('redirect_uri'));
    // The code is bound to the exact redirect URI of its authorize request, registered or not.
    if (redirectUri !== code.redirectUri) return fail(Aadsts.replyAddressMismatch(redirectUri, code.redirectUri));
    if (
        code.codeChallenge !== undefined &&
        !pkceMatches(code.codeChallenge, code.codeChallengeMethod, form.get('code_verifier'))
    )
        return fail(Aadsts.pkceMismatch());
    const user = signedInUser(ctx, code.username);
    const body = await userTokens(ctx, app, user, code.scopes, code.nonce, code.sessionId);
    if (form.get('client_info') === '1') body.client_info = clientInfo(user);
    return body;
}

function pkceMatches(challenge: string, method: 'S256' | 'plain' | undefined, verifier: string | null): boolean {
    if (!verifier) return false;
    const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    return computed === challenge;
}

/** A code or refresh token is bound to its tenant: same segment, the user's tenant, or an org alias. */
function sameTenant(segment: Exclude<TenantSegment, { kind: 'unknown' }>, issuedOn: string, tenantId: string): boolean {
    if (segment.segment === issuedOn) return true;
    if (segment.kind === 'tenant') return segment.tenant.id.toLowerCase() === tenantId;
    const aliases = ['common', 'organizations'];
    return aliases.includes(segment.alias) && aliases.includes(issuedOn);
}

function signedInUser(ctx: LoginContext, username: string): SignInUser {
    const user = ctx.directory.findSignInUser(username);
    if (!user) return fail({ ...Aadsts.malformed(), error: 'invalid_grant' });
    if (!user.accountEnabled) return fail(Aadsts.userDisabled());
    return user;
}

async function refreshTokenGrant(
    ctx: LoginContext,
    segment: Exclude<TenantSegment, { kind: 'unknown' }>,
    form: URLSearchParams,
    credentials: Credentials,
): Promise<Record<string, unknown>> {
    const app = lookupApp(ctx, credentials.clientId ?? '', segment.segment);
    authenticateClient(ctx, app, credentials);
    const value = form.get('refresh_token');
    if (!value) return fail(Aadsts.missingParameter('refresh_token'));
    const grant = ctx.store.refreshToken(value);
    if (grant === undefined) return fail({ ...Aadsts.malformed(), error: 'invalid_grant' });
    if (grant === 'expired') return fail(Aadsts.codeExpired());
    if (grant.clientId !== app.clientId) return fail(Aadsts.grantInvalid());
    if (segment.kind === 'tenant' && segment.tenant.id.toLowerCase() !== grant.tenantId)
        return fail(Aadsts.codeOtherTenant());
    const user = signedInUser(ctx, grant.username);
    const sp = ctx.state.servicePrincipal(user.tenantId, app.clientId);
    // Consent was revoked since sign-in: the user has to go through the browser again.
    if (!sp && user.tenantId.toLowerCase() !== app.homeTenantId)
        return fail(Aadsts.consentRequired(app.clientId, app.displayName));
    if (app.disabled || (sp && !sp.enabled)) return fail(Aadsts.appDisabled(app.clientId, app.displayName));
    const requested = splitScopes(form.get('scope'));
    const scopes = requested.length > 0 ? requested : grant.scopes;
    const body = await userTokens(ctx, app, user, scopes, undefined, grant.sessionId);
    if (form.get('client_info') === '1') body.client_info = clientInfo(user);
    return body;
}

/** Access token (Graph, delegated), id token when `openid`, refresh token when `offline_access`. */
async function userTokens(
    ctx: LoginContext,
    app: AppRegistration,
    user: SignInUser,
    scopes: string[],
    nonce: string | undefined,
    sessionId: string,
): Promise<Record<string, unknown>> {
    const lower = new Set(scopes.map((s) => s.toLowerCase()));
    const graphScopes = graphDelegatedScopes(scopes) ?? [];
    // With only OpenID scopes, Entra still returns a Graph token for the profile (User.Read).
    const granted = graphScopes.length > 0 ? graphScopes : ['User.Read'];
    const oidc = ['openid', 'profile', 'email'].filter((s) => lower.has(s) || s === 'email');
    const access = await ctx.tokens.delegatedToken({
        audience: GRAPH_RESOURCE,
        app,
        user,
        scopes: [...new Set([...oidc, ...granted])],
    });
    const body: Record<string, unknown> = {
        token_type: 'Bearer',
        scope: [...granted, ...oidc].join(' '),
        expires_in: access.expiresIn,
        ext_expires_in: access.expiresIn,
        access_token: access.token,
    };
    if (lower.has('offline_access'))
        body.refresh_token = ctx.store.issueRefreshToken({
            clientId: app.clientId,
            tenantId: user.tenantId.toLowerCase(),
            username: user.userPrincipalName,
            scopes,
            sessionId,
        });
    if (lower.has('openid')) body.id_token = await ctx.tokens.idToken({ app, user, scopes, sessionId, nonce });
    return body;
}
