import type { AccessTokenClaims } from '../../../../dev/sim/core/contracts';
import { GraphError } from '../../../../dev/sim/graph/responses';
import { userInfo } from '../../../../dev/sim/graph/userinfo';
import { fabrikamDirectory, newUser } from '../../../support/users';

const world = () => fabrikamDirectory('userinfo', 5);

const ada = newUser({ mail: 'ada.lovelace@fabrikam.com' });

function delegated(tid: string, oid: string, scp: string): AccessTokenClaims {
    return {
        aud: 'https://graph.microsoft.com',
        iss: `https://sts.windows.net/${tid}/`,
        tid,
        oid,
        appid: 'client-id',
        scp,
        sub: 'pairwise-sub',
        idtyp: 'user',
        exp: 0,
        nbf: 0,
        iat: 0,
    };
}

function refusal(run: () => unknown): { status: number; code: string } {
    try {
        run();
    } catch (error) {
        if (error instanceof GraphError) return { status: error.status, code: error.code };
        throw error;
    }
    throw new Error('expected a GraphError');
}

describe('userInfo', () => {
    it('answers sub, the name claims with profile, and the e-mail with email', () => {
        const { directory, fabrikam } = world();
        const user = fabrikam.createUser(ada);
        const claims = delegated(fabrikam.record.id, user.id, 'openid profile email User.Read');
        expect(userInfo(claims, directory).body).toEqual({
            sub: 'pairwise-sub',
            name: 'Ada Lovelace',
            given_name: 'Ada',
            family_name: 'Lovelace',
            email: 'ada.lovelace@fabrikam.com',
        });
        expect(userInfo(delegated(fabrikam.record.id, user.id, 'openid'), directory).body).toEqual({
            sub: 'pairwise-sub',
        });
        expect(userInfo(delegated(fabrikam.record.id, user.id, 'OpenId Email'), directory).body).toEqual({
            sub: 'pairwise-sub',
            email: 'ada.lovelace@fabrikam.com',
        });
    });

    it('reads current directory values and omits claims without one', () => {
        const { directory, fabrikam } = world();
        const user = fabrikam.createUser({ ...ada, userPrincipalName: 'ada2@fabrikam.com', surname: null, mail: null });
        fabrikam.updateUser(user.id, { displayName: 'Countess Lovelace' });
        expect(userInfo(delegated(fabrikam.record.id, user.id, 'openid profile email'), directory).body).toEqual({
            sub: 'pairwise-sub',
            name: 'Countess Lovelace',
            given_name: 'Ada',
        });
    });

    it('refuses app-only tokens and tokens without openid', () => {
        const { directory, fabrikam } = world();
        const user = fabrikam.createUser(ada);
        const appOnly = { ...delegated(fabrikam.record.id, user.id, ''), idtyp: 'app', roles: ['User.Read.All'] };
        delete appOnly.scp;
        expect(refusal(() => userInfo(appOnly, directory))).toEqual({
            status: 403,
            code: 'Authorization_RequestDenied',
        });
        expect(refusal(() => userInfo(delegated(fabrikam.record.id, user.id, 'User.Read email'), directory))).toEqual({
            status: 403,
            code: 'Authorization_RequestDenied',
        });
    });

    it('answers 404 for a user deleted since sign-in, 401 for an unknown tenant or a token without sub', () => {
        const { directory, fabrikam } = world();
        const user = fabrikam.createUser(ada);
        const claims = delegated(fabrikam.record.id, user.id, 'openid profile');
        const noSub = { ...claims };
        delete noSub.sub;
        expect(refusal(() => userInfo(noSub, directory))).toEqual({ status: 401, code: 'InvalidAuthenticationToken' });
        expect(refusal(() => userInfo({ ...claims, tid: '00000000-0000-0000-0000-000000000001' }, directory))).toEqual({
            status: 401,
            code: 'InvalidAuthenticationToken',
        });
        fabrikam.deleteUser(user.id, false);
        expect(refusal(() => userInfo(claims, directory))).toEqual({ status: 404, code: 'Request_ResourceNotFound' });
    });
});
