import { type FixtureHost, startFixtureHost } from '../../../support/hostFixture';
import { waitFor } from '../../../support/poll';

let fixture: FixtureHost;

beforeAll(async () => {
    fixture = await startFixtureHost();
}, 60_000);

afterAll(async () => {
    await fixture?.stop();
});

describe('local host: timer triggers', () => {
    it('fires on its NCRONTAB schedule taken from a %SETTING% (every second here), with the Timer object', async () => {
        const ticks = await waitFor('two ticks', () => {
            const found = fixture.host.matching(
                /tick\[[0-9a-f-]{36}\] fixture: tick isPastDue=(\w+) adjustForDST=(\w+) next=(\S+)$/,
            );
            return found.length >= 2 ? found : undefined;
        });
        for (const [, isPastDue, adjustForDST, next] of ticks) {
            expect(isPastDue).toBe('false');
            expect(adjustForDST).toBe('true');
            expect(new Date(next ?? '').getUTCMilliseconds()).toBe(0);
        }
        expect(fixture.host.output()).toMatch(/tick: timerTrigger \(\* \* \* \* \* \* UTC\)/);
    });

    it('runs a runOnStartup timer once at start-up even though its schedule is a year away', async () => {
        await fixture.host.waitForLine(
            /onStartup\[[0-9a-f-]{36}\] Executing \(Reason='Timer fired on startup \(runOnStartup\)'\)/,
        );
        expect(fixture.host.matching(/fixture: runOnStartup timer ran/)).toHaveLength(1);
    });
});
