/** The simulated Microsoft identity platform (login.microsoftonline.com) as a ServiceDefinition. */
import type { FaultRule } from '../core/faults';
import type { Route, ServiceDefinition, SimRequest, SimResponse } from '../core/http';
import { startAdminConsent } from './consent';
import type { LoginContext } from './context';
import { discoveryRoutes } from './discovery';
import type { SigningKeys } from './keys';
import { Aadsts, errorContext, tokenErrorResponse } from './errors';
import { continueInteraction } from './interaction';
import { logout } from './logout';
import { startAuthorize } from './authorize';
import { ErrorLookupPage, htmlResponse } from './pages';
import { tokenEndpoint } from './tokenEndpoint';
import { resolveTenantSegment } from './tenants';
import { createElement } from 'preact';

/** Known codes for the `error_uri` lookup page. */
const KNOWN_CODES: Record<string, string> = Object.fromEntries(
    [
        Aadsts.tenantNotFound('<tenant>'),
        Aadsts.appNotFound('<appId>', '<tenant>'),
        Aadsts.appDisabled('<appId>', '<name>'),
        Aadsts.noClientCredential(),
        Aadsts.wrongSecret('<appId>'),
        Aadsts.expiredSecret('<appId>'),
        Aadsts.tenantDecommissioned(),
        Aadsts.codeRedeemed(),
        Aadsts.codeExpired(),
        Aadsts.pkceMismatch(),
        Aadsts.redirectMismatch('<uri>', '<appId>'),
        Aadsts.replyAddressMismatch('<redeemed with>', '<requested with>'),
        Aadsts.userDeclined(),
    ].map((e) => [String(e.code), e.message]),
);

export function loginService(ctx: LoginContext, keys: SigningKeys): ServiceDefinition {
    const authorize = (request: SimRequest): SimResponse => {
        if (request.method === 'POST') {
            const form = request.form();
            if (form.has('ctx')) return continueInteraction(ctx, request, form);
            return startAuthorize(ctx, request, form);
        }
        return startAuthorize(ctx, request, request.url.searchParams);
    };
    const adminConsent =
        (legacy: boolean) =>
        (request: SimRequest): SimResponse => {
            if (request.method === 'POST') {
                const form = request.form();
                if (form.has('ctx')) return continueInteraction(ctx, request, form);
                return startAdminConsent(ctx, request, form, legacy);
            }
            return startAdminConsent(ctx, request, request.url.searchParams, legacy);
        };
    const routes: Route[] = [
        ...discoveryRoutes({ directory: ctx.directory, keys, now: () => ctx.clock.now(), origins: ctx.origins }),
        { method: ['GET', 'POST'], path: '/:tenant/oauth2/v2.0/authorize', handler: authorize },
        { method: 'POST', path: '/:tenant/oauth2/v2.0/token', handler: tokenEndpoint(ctx) },
        { method: ['GET', 'POST'], path: '/:tenant/v2.0/adminconsent', handler: adminConsent(false) },
        { method: ['GET', 'POST'], path: '/:tenant/adminconsent', handler: adminConsent(true) },
        {
            method: ['GET', 'POST'],
            path: '/:tenant/oauth2/v2.0/logout',
            handler: (request) =>
                logout(ctx, request, request.method === 'POST' ? request.form() : request.url.searchParams),
        },
        {
            method: 'GET',
            path: '/error',
            handler: (request) => {
                const code = request.url.searchParams.get('code') ?? '';
                return htmlResponse(createElement(ErrorLookupPage, { code, known: KNOWN_CODES[code] }));
            },
        },
    ];
    return {
        routes,
        tenantOf(request) {
            const segment = request.url.pathname.split('/')[1] ?? '';
            if (segment === '' || segment === 'error' || segment === 'discovery') return undefined;
            const resolved = resolveTenantSegment(ctx.directory, segment);
            return resolved.kind === 'tenant' ? resolved.tenant.id.toLowerCase() : segment.toLowerCase();
        },
        faultResponse(rule: FaultRule, request: SimRequest): SimResponse {
            const status = rule.status ?? 500;
            const error = status === 429 ? Aadsts.throttled() : { ...Aadsts.transient(status), status };
            return tokenErrorResponse({ ...error, status }, errorContext(request, ctx.clock.now()), ctx.origins.login);
        },
    };
}
