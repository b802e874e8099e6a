import { randomBytes, timingSafeEqual } from 'node:crypto';

import type { Cookie } from '@azure/functions';
import { AuthError, CryptoProvider, ResponseMode } from '@azure/msal-node';

import { OperatorActionError, TransientError } from '../errors';
import { type AppClient, aadstsOf, classifyTokenError } from '../identity';
import type { Logger } from '../logging';
import { IdTokenRejectedError, type IdTokenValidator } from './idToken';
import { safeReturnTo } from './returnTo';
import { holdsAdminRole } from './roles';
import { buildCookie, clearCookie, readCookie, type Session, type SessionStore } from './session';
import type { SignedTokens } from './signedTokens';

/** OpenID Connect only: who the user is. MSAL adds offline_access; Entra adds Graph's User.Read. */
const SIGN_IN_SCOPES = ['openid', 'profile'];
/** How long a browser may spend on the identity platform's pages before its sign-in must start over. */
export const SIGN_IN_LIFETIME_SECONDS = 15 * 60;
const MAX_PARAMETER_LENGTH = 8192;

export type SignInProblem =
    /** No sign-in in progress in this browser, or it expired, or `state` does not match it. */
    | 'state'
    /** The identity platform sent the browser back with `error` (cancelled, account refused, …). */
    | 'identity_platform'
    /** The callback's parameters are missing or malformed. */
    | 'bad_request'
    /** The identity platform refused to redeem the code (used twice, expired, wrong redirect URI). */
    | 'code'
    /** The id token failed validation. */
    | 'token'
    /** A personal Microsoft account: it has no organization to connect. */
    | 'personal_account';

export type SignInOutcome =
    | { kind: 'signedIn'; session: Session; returnTo: string; cookies: Cookie[] }
    | {
          kind: 'failed';
          problem: SignInProblem;
          /** The identity platform's `error` and `error_description`, when it sent them. */
          error?: string | undefined;
          description?: string | undefined;
          /** Where the user was going; a retry goes there too. */
          returnTo: string;
          cookies: Cookie[];
      };

export interface SignIn {
    /** Starts an authorization-code sign-in with PKCE, `state` and `nonce`; the cookie binds it to this browser. */
    begin(returnTo: string | null): Promise<{ authorizationUrl: string; cookie: Cookie }>;
    /** Finishes it at the redirect URI: checks the callback, redeems the code, validates the id token. */
    complete(query: URLSearchParams, cookieHeader: string | null, logger: Logger): Promise<SignInOutcome>;
}

/** One value of a query parameter: absent, repeated or oversized values count as absent. */
export function singleParameter(query: URLSearchParams, name: string): string | undefined {
    const values = query.getAll(name);
    if (values.length !== 1) return undefined;
    const value = values[0];
    return value === undefined || value === '' || value.length > MAX_PARAMETER_LENGTH ? undefined : value;
}

function sameText(a: string, b: string): boolean {
    const left = Buffer.from(a, 'utf8');
    const right = Buffer.from(b, 'utf8');
    return left.length === right.length && timingSafeEqual(left, right);
}

interface Transaction {
    state: string;
    nonce: string;
    verifier: string;
    returnTo: string;
}

export function createSignIn(deps: {
    appClient: AppClient;
    tokens: SignedTokens;
    sessions: SessionStore;
    idTokens: IdTokenValidator;
    publicBaseUrl: string;
}): SignIn {
    const { appClient, tokens, sessions, idTokens, publicBaseUrl } = deps;
    const redirectUri = `${publicBaseUrl}/auth/callback`;
    const policy = sessions.policy;
    const crypto = new CryptoProvider();

    const readTransaction = async (cookieHeader: string | null): Promise<Transaction | undefined> => {
        const value = readCookie(cookieHeader, policy.signInName);
        const verified = value === undefined ? undefined : await tokens.verify('signin', value);
        if (verified?.valid !== true) return undefined;
        const { st, nonce, cv, rt } = verified.claims;
        if (typeof st !== 'string' || typeof nonce !== 'string' || typeof cv !== 'string' || typeof rt !== 'string')
            return undefined;
        return { state: st, nonce, verifier: cv, returnTo: safeReturnTo(rt, publicBaseUrl) };
    };

    return {
        async begin(returnTo) {
            const pkce = await crypto.generatePkceCodes();
            const nonce = randomBytes(16).toString('base64url');
            const authorizationUrl = await appClient.withClient((client) =>
                client.getAuthCodeUrl({
                    scopes: SIGN_IN_SCOPES,
                    redirectUri,
                    responseMode: ResponseMode.QUERY,
                    codeChallenge: pkce.challenge,
                    codeChallengeMethod: 'S256',
                    state: randomBytes(16).toString('base64url'),
                    nonce,
                }),
            );
            // MSAL wraps our state in its own; what comes back is what went out in the URL.
            const state = new URL(authorizationUrl).searchParams.get('state');
            if (state === null) throw new Error('MSAL built an authorization URL without state');
            const transaction = await tokens.sign(
                'signin',
                { st: state, nonce, cv: pkce.verifier, rt: safeReturnTo(returnTo, publicBaseUrl) },
                SIGN_IN_LIFETIME_SECONDS,
            );
            return {
                authorizationUrl,
                cookie: buildCookie(policy, policy.signInName, transaction, SIGN_IN_LIFETIME_SECONDS),
            };
        },

        async complete(query, cookieHeader, logger) {
            // The transaction is single-use in this browser: whatever happens, its cookie goes.
            const cookies = [clearCookie(policy, policy.signInName)];
            const transaction = await readTransaction(cookieHeader);
            const returnTo = transaction?.returnTo ?? '/';
            const fail = (problem: SignInProblem, extra: { error?: string; description?: string | undefined } = {}) => {
                logger.warn('sign-in failed', { problem, idpError: extra.error });
                return { kind: 'failed' as const, problem, returnTo, cookies, ...extra };
            };
            const state = singleParameter(query, 'state');
            if (transaction === undefined || state === undefined || !sameText(state, transaction.state))
                return fail('state');
            const error = singleParameter(query, 'error');
            if (error !== undefined)
                return fail('identity_platform', { error, description: singleParameter(query, 'error_description') });
            const code = singleParameter(query, 'code');
            if (code === undefined) return fail('bad_request');

            let idToken: string;
            try {
                idToken = await appClient.withClient(async (client) => {
                    const result = await client.acquireTokenByCode({
                        code,
                        scopes: SIGN_IN_SCOPES,
                        redirectUri,
                        codeVerifier: transaction.verifier,
                        nonce: transaction.nonce,
                    });
                    // The session cookie is all we keep of a sign-in: the shared client's cache must not
                    // grow by every user's tokens.
                    if (result.account !== null)
                        await client
                            .getTokenCache()
                            .removeAccount(result.account)
                            .catch(() => undefined);
                    return result.idToken;
                });
            } catch (caught) {
                const classified = classifyTokenError(caught, 'organizations');
                if (classified instanceof OperatorActionError) throw classified;
                if (caught instanceof AuthError && caught.errorCode === 'nonce_mismatch') return fail('token');
                if (caught instanceof AuthError && aadstsOf(caught) !== undefined) {
                    logger.warn('the identity platform refused the authorization code', {
                        aadsts: aadstsOf(caught),
                    });
                    return fail('code');
                }
                throw classified instanceof TransientError
                    ? classified
                    : new TransientError('token_unavailable', 'Could not redeem the authorization code', {
                          cause: caught,
                      });
            }

            let claims;
            try {
                claims = await idTokens.validate(idToken, transaction.nonce);
            } catch (rejected) {
                if (!(rejected instanceof IdTokenRejectedError)) throw rejected;
                logger.warn('id token refused', { problem: rejected.problem });
                return fail(rejected.problem === 'personal_account' ? 'personal_account' : 'token');
            }
            const { session, cookie } = await sessions.create({
                tid: claims.tid,
                oid: claims.oid,
                name: claims.name,
                username: claims.username,
                isAdmin: holdsAdminRole(claims.wids),
            });
            logger.info('signed in', { tenantId: session.tid, isAdmin: session.isAdmin });
            return { kind: 'signedIn', session, returnTo, cookies: [...cookies, cookie] };
        },
    };
}
