/** Reading the JWTs the simulator issues (no signature check here: suites that need one verify with jwks-rsa). */
import type { Json, TestSimulator } from './simulator';

export function decodeJwt(token: string): { header: Json; payload: Json } {
    const [header, payload] = token.split('.');
    return {
        header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')),
        payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')),
    };
}

/**
 * Decodes an app-only Microsoft Graph token issued to our app and checks whom it is for: the
 * audience, the tenant, our app, and exactly the app roles (`roles`) that should be granted.
 */
export function expectGraphAppToken(
    world: Pick<TestSimulator, 'appClientId'>,
    accessToken: string | undefined,
    tenantId: string,
    roles: string[],
): Json {
    expect(accessToken).toEqual(expect.any(String));
    const { payload } = decodeJwt(accessToken ?? '');
    expect(payload).toMatchObject({
        aud: 'https://graph.microsoft.com',
        iss: `https://sts.windows.net/${tenantId}/`,
        tid: tenantId,
        appid: world.appClientId,
        idtyp: 'app',
    });
    expect(payload.roles).toEqual(roles);
    return payload;
}
