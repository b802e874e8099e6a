/** GET|POST /{tenant}/oauth2/v2.0/logout: ends the browser session, then returns to the app if allowed. */
import type { SimRequest, SimResponse } from '../core/http';
import type { LoginContext } from './context';
import { redirectToClient } from './flow';
import { htmlResponse, SignedOutPage } from './pages';
import { clearedSessionCookie, readCookie, SESSION_COOKIE } from './sessions';

export function logout(ctx: LoginContext, request: SimRequest, params: URLSearchParams): SimResponse {
    ctx.store.signOut(readCookie(request.header('cookie'), SESSION_COOKIE));
    const headers = { 'set-cookie': clearedSessionCookie() };
    const target = params.get('post_logout_redirect_uri');
    const clientId = params.get('client_id');
    // Only to a URI registered on the app (any app when the request names none), like Entra.
    const apps = clientId ? [ctx.state.app(clientId)] : [...ctx.state.apps.values()];
    const allowed = target !== null && apps.some((app) => app?.redirectUris.includes(target));
    if (!allowed) return htmlResponse(<SignedOutPage />, 200, headers);
    const state = params.get('state');
    return redirectToClient(target, 'query', state === null ? [] : [['state', state]], headers);
}
