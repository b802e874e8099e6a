/** npm start's options (dev/start/startArgs.ts): state directory, reset and the simulated Graph latency. */
import { parseStartArgs, START_USAGE, StartArgsError } from '../../../dev/start/startArgs';

const ROOT = '/repo';

it('defaults: .local, no reset, no latency given', () => {
    expect(parseStartArgs([], {}, ROOT)).toEqual({
        appPort: 7071,
        stateDir: '/repo/.local',
        freePorts: false,
        reset: false,
        latency: {},
        help: false,
    });
});

it('takes --reset and the page latency flags', () => {
    const args = parseStartArgs(['--reset', '--page-latency-ms', '250', '--per-user-latency-ms', '0.5'], {}, ROOT);
    expect(args).toMatchObject({ reset: true, latency: { pageMs: 250, perUserMs: 0.5 } });
    expect(START_USAGE).toContain('--page-latency-ms <ms>');
    expect(START_USAGE).toContain('--reset');
});

it.each([
    [['--page-latency-ms=-1'], '--page-latency-ms must be a non-negative number, got "-1"'],
    [['--per-user-latency-ms', 'fast'], '--per-user-latency-ms must be a non-negative number, got "fast"'],
])('refuses %j', (argv, message) => {
    expect(() => parseStartArgs(argv, {}, ROOT)).toThrow(new StartArgsError(message));
});
