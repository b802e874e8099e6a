/**
 * Fault rules that spoil a normal answer's body, for the resilience suite: a body cut off mid-stream,
 * malformed JSON, a next link that repeats a page already served, and a body that stalls beyond a client's
 * timeout. Checked with fetch (undici), the client the product uses for Graph.
 */
import { type Json, startTestSimulator, type TestSimulator } from '../../../support/simulator';

let t: TestSimulator;
let token: string;

beforeAll(async () => {
    t = await startTestSimulator();
    token = await t.graphToken(t.tenantId('Contoso'));
});
afterAll(() => t.stop());
afterEach(async () => {
    await t.control('DELETE', '/control/faults');
});

async function fault(rule: Json): Promise<void> {
    const added = await t.control('POST', '/control/faults', { service: 'graph', count: 1, ...rule });
    expect(added.status).toBe(201);
}

async function lastLogEntry(): Promise<Json> {
    return (await t.control('GET', '/control/requests?service=graph')).body.requests.at(-1);
}

it('truncateBody: headers promise the whole body, the connection closes halfway', async () => {
    await fault({ path: '/v1.0/users', truncateBody: true });
    const response = await t.graph('/v1.0/users?$top=50', { token });
    expect(response.status).toBe(200);
    const promised = Number(response.headers.get('content-length'));
    expect(promised).toBeGreaterThan(1000);
    await expect(response.text()).rejects.toThrow(/terminated/);
    expect(await lastLogEntry()).toMatchObject({ status: 200, faulted: true });
    // The rule is used up: the next answer is whole.
    expect((await (await t.graph('/v1.0/users?$top=50', { token })).json()).value).toHaveLength(50);
});

it('malformedJson: a complete answer whose body no JSON parser accepts', async () => {
    await fault({ path: '/v1.0/users/delta', malformedJson: true });
    const response = await t.graph('/v1.0/users/delta?$select=id', { token });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(text.startsWith('{"@odata.context":')).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
});

it('repeatNextLink: the next link leads back to the page just served, also in place of a deltaLink', async () => {
    const headers = { prefer: 'odata.maxpagesize=10' };
    const first = await (await t.graph('/v1.0/users/delta?$select=id', { token, headers })).json();
    const second = `${first['@odata.nextLink'] as string}`;
    await fault({ path: '/v1.0/users/delta', repeatNextLink: true });
    const page = await (await t.graph(second, { token, headers })).json();
    expect(Object.keys(page)).toEqual(['@odata.context', '@odata.nextLink', 'value']);
    expect(page['@odata.nextLink']).toBe(second);
    // Following it serves the same page again: a client must notice instead of looping.
    const again = await (await t.graph(page['@odata.nextLink'], { token, headers })).json();
    expect(again.value).toEqual(page.value);
    expect(again['@odata.nextLink']).not.toBe(second);

    // On the last page of a round the deltaLink becomes the repeating next link.
    const small = await t.graphToken(t.tenantId('Fabrikam'));
    await fault({ path: '/v1.0/users/delta', repeatNextLink: true });
    const whole = await (await t.graph('/v1.0/users/delta?$select=id', { token: small })).json();
    expect(whole['@odata.deltaLink']).toBeUndefined();
    expect(whole['@odata.nextLink']).toBe(`${t.origins.graph}/v1.0/users/delta?$select=id`);
});

it('stallBodyMs: headers at once, then the body stops long enough for a client timeout to abort it', async () => {
    await fault({ path: '/v1.0/users', stallBodyMs: 1500 });
    const response = await fetch(`${t.origins.graph}/v1.0/users?$top=20`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(400),
    });
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toMatchObject({ name: 'TimeoutError' });

    // A patient client gets the whole, valid body after the stall.
    await fault({ path: '/v1.0/users', stallBodyMs: 600 });
    const began = performance.now();
    const patient = await t.graph('/v1.0/users?$top=20', { token });
    expect((await patient.json()).value).toHaveLength(20);
    expect(performance.now() - began).toBeGreaterThanOrEqual(550);
    expect(await lastLogEntry()).toMatchObject({ faulted: true, durationMs: expect.any(Number) });
    expect((await lastLogEntry()).durationMs).toBeGreaterThanOrEqual(550);
});

it('refuses body faults combined with a status or reset, and other values', async () => {
    for (const rule of [
        { truncateBody: true, status: 500 },
        { malformedJson: true, reset: true },
        { repeatNextLink: false },
        { stallBodyMs: 0 },
    ]) {
        const answer = await t.control('POST', '/control/faults', { service: 'graph', ...rule });
        expect([JSON.stringify(rule), answer.status]).toEqual([JSON.stringify(rule), 400]);
    }
});
