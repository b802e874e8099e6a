import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { Auth, Session } from '../auth';
import { CSRF_FIELD } from '../auth/csrf';
import { ensureError, InvalidRequestError, OperatorActionError, RequestError, TransientError } from '../errors';
import { invocationLogger, type Logger } from '../logging';
import {
    BadRequestPage,
    ConflictPage,
    ForbiddenPage,
    InternalErrorPage,
    NotConnectedPage,
    UnavailablePage,
} from './pages/problems';
import { anonymous, htmlResponse, type PageContext, redirectResponse } from './render';

/** Form bodies are a CSRF token and nothing else. */
const MAX_FORM_BYTES = 4096;

/** What a page handler gets: the request, its logger and correlation id, and who is signed in. */
export interface PageRequest {
    request: HttpRequest;
    invocation: InvocationContext;
    logger: Logger;
    correlationId: string;
    page: PageContext;
}

/** Thrown by a page that needs a signed-in user: the browser goes through sign-in and comes back. */
export class SignInRequired extends Error {
    override readonly name = 'SignInRequired';
    constructor(readonly returnTo: string) {
        super('sign-in required');
    }
}

/** The path and query of a request, for `returnTo`. */
export function pathOf(request: HttpRequest): string {
    const url = new URL(request.url);
    return `${url.pathname}${url.search}`;
}

export function signInLocation(returnTo: string): string {
    return `/auth/signin?returnTo=${encodeURIComponent(returnTo)}`;
}

/** The signed-in user, or SignInRequired (GET pages come back to themselves; POSTs to `returnTo`). */
export function requireSession(page: PageContext, returnTo: string): Session {
    if (page.session === undefined) throw new SignInRequired(returnTo);
    return page.session;
}

export async function pageContextOf(auth: Auth, request: HttpRequest): Promise<PageContext> {
    const session = await auth.sessions.read(request.headers.get('cookie'));
    return session === undefined ? anonymous : { session, csrf: await auth.csrf.token(session) };
}

/**
 * A POST's form fields, after checking its CSRF token against the session (and, when the browser
 * sends one, that Origin is ours). Anything else is a 403 page, with nothing changed.
 */
export async function readVerifiedForm(
    auth: Auth,
    request: HttpRequest,
    session: Session,
    publicBaseUrl: string,
): Promise<URLSearchParams> {
    // Origin is a second line of defence after the token: browsers may omit it, or send "null" (privacy
    // settings, sandboxed frames) — those still need the token, which no other page can read.
    const origin = request.headers.get('origin');
    if (origin !== null && origin !== 'null' && origin !== new URL(publicBaseUrl).origin)
        throw new RequestError('forbidden', `cross-origin form post from ${origin}`, { detailCode: 'csrf' });
    const type = request.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded'))
        throw new RequestError('forbidden', 'a form post without a form body', { detailCode: 'csrf' });
    const length = Number(request.headers.get('content-length') ?? '0');
    if (length > MAX_FORM_BYTES) throw new InvalidRequestError('The form is too large.');
    const text = await request.text();
    if (Buffer.byteLength(text) > MAX_FORM_BYTES) throw new InvalidRequestError('The form is too large.');
    const form = new URLSearchParams(text);
    const tokens = form.getAll(CSRF_FIELD);
    if (tokens.length !== 1 || !(await auth.csrf.verify(session, tokens[0])))
        throw new RequestError('forbidden', 'missing or wrong CSRF token', { detailCode: 'csrf' });
    return form;
}

/** The page for a failure: bad input and refusals get their own status and words; nothing is a bare 500. */
export function errorResponse(
    error: unknown,
    page: PageContext,
    correlationId: string,
    logger: Logger,
    tenantId?: string,
): HttpResponseInit {
    if (error instanceof SignInRequired) return redirectResponse(signInLocation(error.returnTo), { status: 303 });
    if (error instanceof RequestError) {
        logger.warn('request refused', {
            status: error.status,
            errorCode: error.code,
            detail: error.detailCode,
            reason: error.message,
        });
        switch (error.code) {
            case 'forbidden': {
                const reason =
                    error.detailCode === 'not_admin' || error.detailCode === 'csrf' ? error.detailCode : 'other_tenant';
                return htmlResponse(<ForbiddenPage context={page} reason={reason} />, { status: 403 });
            }
            case 'not_found':
                return htmlResponse(<NotConnectedPage context={page} />, { status: 404 });
            case 'conflict':
                return htmlResponse(<ConflictPage context={page} message={conflictText(error)} tenantId={tenantId} />, {
                    status: 409,
                });
            case 'unauthorized':
                return redirectResponse(signInLocation('/'), { status: 303 });
            default:
                return htmlResponse(<BadRequestPage context={page} message={error.message} />, { status: 400 });
        }
    }
    if (error instanceof TransientError || error instanceof OperatorActionError) {
        logger.error('page failed', { error });
        return htmlResponse(
            <UnavailablePage
                context={page}
                correlationId={correlationId}
                ours={error instanceof OperatorActionError}
            />,
            { status: 503 },
        );
    }
    logger.error('page failed unexpectedly', { error: ensureError(error) });
    return htmlResponse(<InternalErrorPage context={page} correlationId={correlationId} />, { status: 500 });
}

function conflictText(error: RequestError): string {
    if (error.detailCode === 'tenant_disconnected')
        return 'This organization is disconnected. Connect it again before syncing.';
    if (error.detailCode === 'tenant_consent_required')
        return 'Tenant Sync needs an administrator to consent again before it can sync this organization.';
    return error.message;
}

/**
 * Adapts a page to the Functions HTTP trigger: reads the session, runs the page, and turns anything
 * thrown into an error page (errorResponse). `tenantId` names the organization for "back" links.
 */
export function pageHandler(
    auth: () => Auth,
    handle: (request: PageRequest) => Promise<HttpResponseInit>,
): HttpHandler {
    return async (request, invocation) => {
        const logger = invocationLogger(invocation);
        let page: PageContext = anonymous;
        try {
            page = await pageContextOf(auth(), request);
            return await handle({ request, invocation, logger, correlationId: invocation.invocationId, page });
        } catch (error) {
            return errorResponse(error, page, invocation.invocationId, logger, tenantIdOf(request));
        }
    };
}

function tenantIdOf(request: HttpRequest): string | undefined {
    const id = request.params.tenantId;
    return id !== undefined && /^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : undefined;
}
