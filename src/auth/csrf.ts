import type { Session } from './session';
import type { SignedTokens } from './signedTokens';

/** The form field every POST carries. */
export const CSRF_FIELD = 'csrf';

/**
 * CSRF tokens tied to the session: an HMAC of the session's random id under the session key, so a
 * page of another site can neither read nor forge one, and a token dies with its session.
 */
export interface Csrf {
    token(session: Session): Promise<string>;
    verify(session: Session, received: string | undefined): Promise<boolean>;
}

export function createCsrf(tokens: SignedTokens): Csrf {
    return {
        token: (session) => tokens.mac('csrf', session.sid),
        async verify(session, received) {
            if (received === undefined || received === '' || received.length > 128) return false;
            return tokens.macMatches('csrf', session.sid, received);
        },
    };
}
