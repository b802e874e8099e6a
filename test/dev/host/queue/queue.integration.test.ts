import { type QueueClient } from '@azure/storage-queue';

import { base64Json, type FixtureHost, fromBase64, startFixtureHost } from '../../../support/hostFixture';
import { waitFor } from '../../../support/poll';

let fixture: FixtureHost;
let work: QueueClient;
let poison: QueueClient;

beforeAll(async () => {
    fixture = await startFixtureHost();
    work = await fixture.queue('fixture-work');
    poison = await fixture.queue('fixture-work-poison');
}, 60_000);

afterAll(async () => {
    await fixture?.stop();
});

interface Received {
    message: unknown;
    dequeueCount: number;
    id: string;
    tenant?: string;
}

function receivedFor(tag: string): Received[] {
    return fixture.host
        .matching(/fixture: received (.*)$/)
        .map(([, json]) => JSON.parse(json ?? '{}') as Received)
        .filter((r) => typeof r.message === 'object' && (r.message as { tag?: string } | null)?.tag === tag);
}

async function poisonTexts(): Promise<string[]> {
    const peeked = await poison.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.map((m) => m.messageText);
}

describe('local host: queue triggers', () => {
    it('delivers a base64 JSON message as a parsed object with dequeueCount 1, then deletes it', async () => {
        const sent = await work.sendMessage(base64Json({ tag: 'round-trip', hello: 'world' }));
        const [received] = await waitFor('the handler to receive the message', () => {
            const found = receivedFor('round-trip');
            return found.length > 0 ? found : undefined;
        });
        expect(received).toEqual({
            message: { tag: 'round-trip', hello: 'world' },
            dequeueCount: 1,
            id: sent.messageId,
        });
        await waitFor('the message to be deleted', async () => {
            const properties = await work.getProperties();
            return properties.approximateMessagesCount === 0 ? true : undefined;
        });
        expect(receivedFor('round-trip')).toHaveLength(1);
    });

    it('retries a failing message and moves it to <queue>-poison after maxDequeueCount (5) attempts', async () => {
        const text = base64Json({ tag: 'always-fails', fail: true });
        await work.sendMessage(text);
        await waitFor('the message in fixture-work-poison', async () =>
            (await poisonTexts()).includes(text) ? true : undefined,
        );
        expect(receivedFor('always-fails').map((r) => r.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
        expect(fixture.host.output()).toMatch(
            /work: Message \S+ moved to queue 'fixture-work-poison' because it has reached maxDequeueCount of 5 \(last error: asked to fail \(always-fails\)\)/,
        );
    });

    it('moves a message that is not base64 straight to poison, without invoking the function, and says why', async () => {
        const text = 'this is %% not base64!';
        const sent = await work.sendMessage(text);
        await waitFor('the message in fixture-work-poison', async () =>
            (await poisonTexts()).includes(text) ? true : undefined,
        );
        expect(fixture.host.output()).toContain(
            `Message ${sent.messageId} moved to queue 'fixture-work-poison' because the message is not valid base64`,
        );
        expect(fixture.host.output()).not.toContain(`(id ${sent.messageId}, dequeue count`);
    });

    it('fails a message that is not JSON on every attempt and poisons it with the handler error as the reason', async () => {
        const text = Buffer.from('not json {').toString('base64');
        const sent = await work.sendMessage(text);
        await waitFor('the message in fixture-work-poison', async () =>
            (await poisonTexts()).includes(text) ? true : undefined,
        );
        const attempts = fixture.host
            .matching(/fixture: received (.*)$/)
            .filter(([, json]) => json?.includes(sent.messageId));
        expect(attempts.map(([, json]) => (JSON.parse(json ?? '{}') as Received).message)).toEqual(
            Array(5).fill('not json {'),
        );
        expect(fixture.host.output()).toContain(
            `Message ${sent.messageId} moved to queue 'fixture-work-poison' because it has reached maxDequeueCount of 5 (last error: expected a JSON object, got string)`,
        );
        expect(fromBase64(text)).toBe('not json {');
    });

    it('runs messages in parallel, at most batchSize + newBatchThreshold (4 + 2) at once', async () => {
        const before = fixture.host.matching(/fixture: running (\d+) at once/).length;
        await Promise.all(
            Array.from({ length: 12 }, (_, i) => work.sendMessage(base64Json({ tag: `slow-${i}`, slowMs: 400 }))),
        );
        const counts = await waitFor('twelve slow invocations', () => {
            const found = fixture.host.matching(/fixture: running (\d+) at once/).slice(before);
            return found.length >= 12 ? found.map(([, n]) => Number(n)) : undefined;
        });
        expect(Math.max(...counts)).toBeGreaterThanOrEqual(2);
        expect(Math.max(...counts)).toBeLessThanOrEqual(6);
    });

    it('adds the top-level properties of a JSON message to triggerMetadata, overriding fixed fields of the same name', async () => {
        const sent = await work.sendMessage(base64Json({ tag: 'metadata', tenant: 'contoso', id: 'from-the-message' }));
        const [received] = await waitFor('the handler to receive the message', () => {
            const found = receivedFor('metadata');
            return found.length > 0 ? found : undefined;
        });
        expect(received).toMatchObject({ tenant: 'contoso', id: 'from-the-message', dequeueCount: 1 });
        expect(received?.id).not.toBe(sent.messageId);
    });

    it('writes the return value of a function whose return binding is a queue output', async () => {
        const forward = await fixture.queue('fixture-forward');
        const returned = await fixture.queue('fixture-returned');
        await forward.sendMessage(base64Json({ tenant: 'fabrikam' }));
        const text = await waitFor('the returned message', async () => {
            const peeked = await returned.peekMessages();
            return peeked.peekedMessageItems[0]?.messageText;
        });
        expect(JSON.parse(fromBase64(text))).toEqual({ forwarded: { tenant: 'fabrikam' } });
    });

    it('keeps serving after bad messages', async () => {
        expect((await fetch(`${fixture.host.url}/api/files/still-up`)).status).toBe(200);
        expect(fixture.host.child.exitInfo).toBeUndefined();
    });
});
