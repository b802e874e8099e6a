/** POSTs of the sign-in and consent forms (the `ctx` hidden field names the interaction). */
import type { SignInUser } from '../core/contracts';
import type { SimRequest, SimResponse } from '../core/http';
import { continueAuthorize, declineAuthorize, signInForm } from './authorize';
import {
    adminConsentOtherOrganization,
    continueAdminConsent,
    decideAdminConsent,
    returnWithoutConsent,
} from './consent';
import type { LoginContext } from './context';
import { Aadsts } from './errors';
import { accountProblem, browserSession, errorPage } from './flow';
import { sessionCookie, type PendingInteraction } from './sessions';
import { resolveTenantSegment } from './tenants';

/** Messages of the real sign-in page (AADSTS50034 unknown user, AADSTS50126 wrong password). */
const UNKNOWN_USER = 'This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.';
const WRONG_PASSWORD = "Your account or password is incorrect. If you don't remember your password, reset it now.";

export function continueInteraction(ctx: LoginContext, request: SimRequest, form: URLSearchParams): SimResponse {
    const now = ctx.clock.now();
    const pending = ctx.store.interaction(form.get('ctx'));
    if (!pending) return errorPage(request, now, Aadsts.malformed());
    const session = browserSession(request, ctx.store);

    const decision = form.get('consent');
    if (decision !== null) {
        // The consent screen is only shown after sign-in; its account must still be signed in here.
        const user = pending.username === undefined ? undefined : ctx.directory.findSignInUser(pending.username);
        if (!user || !session?.accounts.includes(user.userPrincipalName))
            return errorPage(request, now, Aadsts.malformed());
        const accepted = decision === 'accept';
        if (pending.kind === 'adminconsent') {
            if (decision === 'return') return returnWithoutConsent(ctx, request, pending);
            // Only an administrator's Accept grants anything, whatever a crafted form says.
            if (!user.isAdmin) return continueAdminConsent(ctx, request, pending, user, session);
            return decideAdminConsent(ctx, request, pending, user, accepted);
        }
        if (!accepted) return declineAuthorize(ctx, request, pending);
        return continueAuthorize(ctx, request, pending, user, session, { consented: true });
    }

    // "Sign in with another account" (Need admin approval page): the sign-in form without the account list.
    if (form.get('action') === 'switch') return signInForm(ctx, pending, session, { showAccounts: false });
    const user = authenticate(ctx, form, session?.accounts ?? []);
    if (typeof user === 'string') return signInForm(ctx, pending, session, { showAccounts: true, error: user });
    return signedIn(ctx, request, pending, user);
}

/** The user named on the form, or the message the sign-in page shows. */
function authenticate(ctx: LoginContext, form: URLSearchParams, sessionAccounts: string[]): SignInUser | string {
    const picked = form.get('account');
    if (picked !== null) {
        // Picking an account from the list needs no password: it is already signed in on this browser.
        const known = sessionAccounts.find((a) => a.toLowerCase() === picked.toLowerCase());
        return (known && ctx.directory.findSignInUser(known)) || UNKNOWN_USER;
    }
    const username = (form.get('login') ?? form.get('username') ?? '').trim();
    const password = form.get('passwd') ?? form.get('password') ?? '';
    if (username === '') return 'Enter a valid email address, phone number, or Skype name.';
    const user = ctx.directory.findSignInUser(username);
    if (!user) return UNKNOWN_USER;
    if (password === '') return 'Please enter your password.';
    if (user.password !== password) return WRONG_PASSWORD;
    return user;
}

function signedIn(ctx: LoginContext, request: SimRequest, pending: PendingInteraction, user: SignInUser): SimResponse {
    const now = ctx.clock.now();
    const segment = resolveTenantSegment(ctx.directory, pending.params.segment);
    const app = ctx.state.app(pending.params.clientId);
    if (segment.kind === 'unknown') return errorPage(request, now, Aadsts.tenantNotFound(segment.segment));
    if (!app) return errorPage(request, now, Aadsts.appNotFound(pending.params.clientId, segment.segment));
    const problem = accountProblem(ctx.directory, segment, user, app);
    // At the admin consent endpoint an account of another organization goes back to the app (AADSTS50020).
    if (problem?.code === 50020 && pending.kind === 'adminconsent')
        return adminConsentOtherOrganization(ctx, request, pending, problem);
    if (problem) return errorPage(request, now, problem);
    const session = ctx.store.signIn(browserSession(request, ctx.store), user.userPrincipalName);
    const cookie = { 'set-cookie': sessionCookie(session) };
    if (pending.kind === 'adminconsent') return continueAdminConsent(ctx, request, pending, user, session, cookie);
    return continueAuthorize(ctx, request, pending, user, session, { consented: false }, cookie);
}
