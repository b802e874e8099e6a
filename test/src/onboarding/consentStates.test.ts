/**
 * The admin-consent `state` against Azurite: signed, expiring, bound to the session, single-use even
 * when the callback URL and the cookie are replayed (or raced). The signing key is a fixed in-memory
 * value (Key Vault is not the subject here).
 */
import { TableClient } from '@azure/data-tables';

import { startAzurite, type RunningAzurite } from '../../../dev/azurite/azurite';
import type { Clock } from '../../../src/app/clock';
import type { Session } from '../../../src/auth/session';
import { createSignedTokens } from '../../../src/auth/signedTokens';
import { CONSENT_STATE_LIFETIME_SECONDS, createConsentStates } from '../../../src/onboarding/consentStates';

let azurite: RunningAzurite;
let table: TableClient;
const clock: Clock & { ms: number } = {
    ms: Date.UTC(2026, 11, 2, 9, 0, 0),
    now() {
        return this.ms;
    },
    sleep: () => Promise.resolve(),
};
const secrets = {
    get: () => Promise.resolve('a-session-signing-key-of-at-least-32-characters'),
    refresh: () => Promise.resolve('a-session-signing-key-of-at-least-32-characters'),
};
const tokens = createSignedTokens(secrets, 'session-signing-key', clock);
const states = () => createConsentStates(table, tokens, clock);

function session(sid: string, tid = '72f988bf-86f1-41af-91ab-2d7cd011db47'): Session {
    return { sid, tid, oid: 'o', name: 'Megan', username: 'megan@contoso.com', isAdmin: true, expiresAt: 0 };
}

async function rows(): Promise<string[]> {
    const keys: string[] = [];
    for await (const entity of table.listEntities()) keys.push(String(entity.rowKey));
    return keys;
}

beforeAll(async () => {
    azurite = await startAzurite({ inMemory: true, blobPort: 0, queuePort: 0, tablePort: 0 });
    table = TableClient.fromConnectionString(azurite.connectionString, 'AuthStates', { allowInsecureConnection: true });
    await table.createTable();
});
afterAll(() => azurite.stop());
beforeEach(async () => {
    clock.ms = Date.UTC(2026, 11, 2, 9, 0, 0);
    for (const key of await rows()) await table.deleteEntity('consent', key);
});

describe('consent states', () => {
    it('are accepted once, for the session they were issued to', async () => {
        const mine = session('sid-1');
        const state = await states().issue(mine);
        expect(await rows()).toHaveLength(1);
        await expect(states().consume(state, mine)).resolves.toEqual({ ok: true });
        expect(await rows()).toHaveLength(0);
        await expect(states().consume(state, mine)).resolves.toEqual({ ok: false, problem: 'replayed' });
    });

    it('let exactly one of several racing replays win', async () => {
        const mine = session('sid-race');
        const state = await states().issue(mine);
        const results = await Promise.all(Array.from({ length: 6 }, () => states().consume(state, mine)));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toEqual(Array(5).fill({ ok: false, problem: 'replayed' }));
    });

    it('refuse another session or no session, without using the state up', async () => {
        const mine = session('sid-mine');
        const state = await states().issue(mine);
        await expect(states().consume(state, session('sid-other'))).resolves.toEqual({
            ok: false,
            problem: 'other_session',
        });
        await expect(
            states().consume(state, session('sid-mine', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')),
        ).resolves.toEqual({ ok: false, problem: 'other_session' });
        await expect(states().consume(state, undefined)).resolves.toEqual({ ok: false, problem: 'no_session' });
        await expect(states().consume(state, mine)).resolves.toEqual({ ok: true });
    });

    it('expire after 15 minutes', async () => {
        const mine = session('sid-slow');
        const state = await states().issue(mine);
        clock.ms += (CONSENT_STATE_LIFETIME_SECONDS + 1) * 1000;
        await expect(states().consume(state, mine)).resolves.toEqual({ ok: false, problem: 'expired' });
    });

    it('refuse a missing, altered or foreign value, and one signed for another purpose', async () => {
        const mine = session('sid-2');
        const state = await states().issue(mine);
        await expect(states().consume(undefined, mine)).resolves.toEqual({ ok: false, problem: 'missing' });
        await expect(states().consume(`${state}A`, mine)).resolves.toEqual({ ok: false, problem: 'invalid' });
        await expect(states().consume('not-a-state', mine)).resolves.toEqual({ ok: false, problem: 'invalid' });
        const sessionToken = await tokens.sign('session', { jti: 'x', sid: mine.sid, tid: mine.tid }, 900);
        await expect(states().consume(sessionToken, mine)).resolves.toEqual({ ok: false, problem: 'invalid' });
        // A well-signed state whose record was never written (or already swept) is not accepted either.
        const orphan = await tokens.sign('consent-state', { jti: '000-none', sid: mine.sid, tid: mine.tid }, 900);
        await expect(states().consume(orphan, mine)).resolves.toEqual({ ok: false, problem: 'replayed' });
        await expect(states().consume(state, mine)).resolves.toEqual({ ok: true });
    });

    it('sweep expired records when new states are issued, so abandoned ones do not pile up', async () => {
        for (let i = 0; i < 3; i++) await states().issue(session(`abandoned-${i}`));
        clock.ms += (CONSENT_STATE_LIFETIME_SECONDS + 1) * 1000;
        const live = await states().issue(session('fresh'));
        const left = await rows();
        expect(left).toHaveLength(1);
        await expect(states().consume(live, session('fresh'))).resolves.toEqual({ ok: true });
    });
});
