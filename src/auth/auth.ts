import type { Clock } from '../app/clock';
import type { AppConfig } from '../config';
import type { AppClient } from '../identity';
import type { SecretProvider } from '../secrets';
import { createCsrf, type Csrf } from './csrf';
import { createIdTokenValidator } from './idToken';
import { createSessionStore, type SessionStore } from './session';
import { createSignedTokens, type SignedTokens } from './signedTokens';
import { createSignIn, type SignIn } from './signIn';

/** Signing administrators in and knowing who they are on every request. */
export interface Auth {
    sessions: SessionStore;
    signIn: SignIn;
    csrf: Csrf;
    /** Values signed with the session key (onboarding signs its consent `state` with it). */
    tokens: SignedTokens;
}

export function createAuth(
    config: AppConfig,
    deps: { secrets: SecretProvider; appClient: AppClient; clock: Clock },
): Auth {
    const tokens = createSignedTokens(deps.secrets, config.keyVault.sessionSecretName, deps.clock);
    const sessions = createSessionStore(tokens, config.publicBaseUrl);
    const idTokens = createIdTokenValidator({
        authorityHost: config.authorityHost,
        clientId: config.app.clientId,
        clock: deps.clock,
    });
    return {
        sessions,
        signIn: createSignIn({
            appClient: deps.appClient,
            tokens,
            sessions,
            idTokens,
            publicBaseUrl: config.publicBaseUrl,
        }),
        csrf: createCsrf(tokens),
        tokens,
    };
}
