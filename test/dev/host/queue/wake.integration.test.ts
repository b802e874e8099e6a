import { type FixtureHost, startFixtureHost } from '../../../support/hostFixture';

/**
 * A message written through a queue output binding wakes that queue's listener at once (the host's
 * SharedQueueWatcher), instead of waiting out the polling back-off. maxPollingInterval is raised through an
 * app setting so the back-off grows long enough to tell the two apart.
 */
let fixture: FixtureHost;

beforeAll(async () => {
    fixture = await startFixtureHost({ AzureFunctionsJobHost__extensions__queues__maxPollingInterval: '00:01:00' }, [
        '--verbose',
    ]);
}, 60_000);

afterAll(async () => {
    await fixture?.stop();
});

describe('local host: queue listener wake-up', () => {
    it('polls at once when the host itself writes to the queue, without waiting out the back-off', async () => {
        // Wait until the listener of fixture-wake announces a back-off of at least 3 s.
        const [line = '', at = '', delay = '0'] = await fixture.host.waitForLine(
            /^(\S+) debug wake: Queue 'fixture-wake' is empty; polling again in ([3-9]\d{3}|\d{5,}) ms$/,
            30_000,
        );
        const pollDue = new Date(at).getTime() + Number(delay);
        const response = await fetch(`${fixture.host.url}/api/enqueue-wake`, {
            method: 'POST',
            body: JSON.stringify({ tag: 'prompt' }),
        });
        expect(response.status).toBe(202);
        const [, receivedAt = ''] = await fixture.host.waitForLine(
            /^(\S+) info {2}wake\[[0-9a-f-]{36}\] fixture: woken by/,
        );
        expect(line).toBeTruthy();
        // Handled before the listener's own next poll would have happened.
        expect(new Date(receivedAt).getTime()).toBeLessThan(pollDue);
    });
});
