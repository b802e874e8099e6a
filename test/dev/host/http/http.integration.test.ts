import { AZURITE_ACCOUNT_KEY } from '../../../../dev/azurite/account';
import { fromBase64, type FixtureHost, startFixtureHost } from '../../../support/hostFixture';
import { waitFor } from '../../../support/poll';

let fixture: FixtureHost;

beforeAll(async () => {
    fixture = await startFixtureHost();
}, 60_000);

afterAll(async () => {
    await fixture?.stop();
});

const url = (path: string) => `${fixture.host.url}${path}`;

describe('local host: HTTP triggers', () => {
    it('passes route values, the query, a JSON body and request cookies through the library HttpRequest', async () => {
        const response = await fetch(url('/api/greet/Ada/3?q=hi'), {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: 'theme=dark' },
            body: JSON.stringify({ a: 1 }),
        });
        expect(response.status).toBe(200);
        const body = await response.json();
        expect(body).toMatchObject({ name: 'Ada', count: '3', q: 'hi', body: { a: 1 }, cookie: 'theme=dark' });
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(response.headers.getSetCookie()).toEqual(['visited=yes; path=/; httponly']);
        // context.log lines carry the function name and the invocation id.
        await fixture.host.waitForLine(new RegExp(`greet\\[${body.invocationId}\\] greeting Ada$`));
        await fixture.host.waitForLine(new RegExp(`greet\\[${body.invocationId}\\] fixture: hooks ran around greet$`));
        // context.warn maps to the warning level, after the app's log hook rewrote the message.
        await fixture.host.waitForLine(
            new RegExp(`warn  greet\\[${body.invocationId}\\] \\[rewritten by a log hook\\] a warning$`),
        );
    });

    it('applies route constraints and leaves a missing optional value out', async () => {
        const withoutCount = await fetch(url('/api/GREET/Bob'));
        expect(withoutCount.status).toBe(200);
        expect(await withoutCount.json()).toMatchObject({ name: 'Bob', count: null, body: null });
        expect((await fetch(url('/api/greet/B0b'))).status).toBe(404);
        expect((await fetch(url('/api/greet/Bob/many'))).status).toBe(404);
    });

    it('gives a catch-all parameter the rest of the path', async () => {
        const response = await fetch(url('/api/files/css/site.css'));
        expect(await response.text()).toBe('path=css/site.css');
    });

    it('sends redirects and cookie attributes as the host does', async () => {
        const response = await fetch(url('/api/login'), { redirect: 'manual' });
        expect(response.status).toBe(302);
        expect(response.headers.get('location')).toBe('/api/greet/world');
        expect(response.headers.getSetCookie()).toEqual([
            'session=abc%20123; max-age=60; path=/; secure; samesite=lax; httponly',
        ]);
    });

    it('answers 404 for an unknown route and for a method the route does not accept', async () => {
        expect((await fetch(url('/api/nothing-here'))).status).toBe(404);
        expect((await fetch(url('/greet/Ada'))).status).toBe(404); // the default "api" prefix is required
        expect((await fetch(url('/api/login'), { method: 'DELETE' })).status).toBe(404);
    });

    it('answers 500 with the invocation id when a handler throws, and logs the error under that id', async () => {
        const response = await fetch(url('/api/boom'));
        expect(response.status).toBe(500);
        const body = await response.json();
        expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
        expect(JSON.stringify(body)).not.toContain('on purpose'); // no error details to the client
        await fixture.host.waitForLine(
            new RegExp(
                `error boom\\[${body.invocationId}\\] Executed \\(Failed, \\d+ ms\\): Error: fixture handler failed on purpose`,
            ),
        );
    });

    it('writes an output binding array as one base64 message per element', async () => {
        const response = await fetch(url('/api/enqueue'), {
            method: 'POST',
            body: JSON.stringify([{ tenant: 'a' }, { tenant: 'b' }, 'plain text']),
        });
        expect(response.status).toBe(202);
        const out = await fixture.queue('fixture-out');
        const texts = await waitFor('three messages in fixture-out', async () => {
            const peeked = await out.peekMessages({ numberOfMessages: 32 });
            return peeked.peekedMessageItems.length >= 3
                ? peeked.peekedMessageItems.map((m) => m.messageText)
                : undefined;
        });
        expect(texts.map(fromBase64).sort()).toEqual(['plain text', '{"tenant":"a"}', '{"tenant":"b"}']);
    });

    it('splits a string holding a JSON array into one message per element', async () => {
        const response = await fetch(url('/api/enqueue-text'), {
            method: 'POST',
            body: '[{"tenant":"c"}, "d", 7]',
        });
        expect(response.status).toBe(202);
        const out = await fixture.queue('fixture-text-out');
        const texts = await waitFor('three messages in fixture-text-out', async () => {
            const peeked = await out.peekMessages({ numberOfMessages: 32 });
            return peeked.peekedMessageItems.length >= 3
                ? peeked.peekedMessageItems.map((m) => m.messageText)
                : undefined;
        });
        expect(texts.map(fromBase64).sort()).toEqual(['7', 'd', '{"tenant":"c"}']);
    });

    it('fails the invocation when the text looks like a JSON array but is not JSON', async () => {
        const response = await fetch(url('/api/enqueue-text'), { method: 'POST', body: '[not json]' });
        expect(response.status).toBe(500);
    });

    it("serves route '' at the function's name", async () => {
        const response = await fetch(url('/api/blankRoute'));
        expect(response.status).toBe(200);
        expect(await response.text()).toBe('served at the function name');
        expect((await fetch(url('/api/'))).status).toBe(404);
    });

    it('refuses functions whose routes start with admin or runtime, and still serves the others', async () => {
        expect((await fetch(url('/api/admin/status'))).status).toBe(404);
        expect((await fetch(url('/api/Runtime/status'))).status).toBe(404);
        const output = fixture.host.output();
        expect(output).toContain('The following 2 functions are in error:');
        expect(output).toContain('reservedAdmin: The specified route conflicts with one or more built in routes.');
        expect(output).toContain('reservedRuntime: The specified route conflicts with one or more built in routes.');
    });

    it('never prints the storage account key', () => {
        expect(fixture.host.output()).not.toContain(AZURITE_ACCOUNT_KEY);
        expect(fixture.host.output()).not.toMatch(/AccountKey=(?!\[hidden\])/);
    });
});
