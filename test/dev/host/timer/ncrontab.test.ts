import { checkNcrontab, parseNcrontab } from '../../../../dev/host/timer/ncrontab';

function occurrences(expression: string, from: string, count: number): string[] {
    const schedule = parseNcrontab(expression);
    if ('problem' in schedule) throw new Error(schedule.problem);
    const result: string[] = [];
    let at = new Date(from);
    for (let i = 0; i < count; i++) {
        at = schedule.next(at);
        result.push(at.toISOString());
    }
    return result;
}

describe('NCRONTAB schedules', () => {
    it('matches day-of-month AND day-of-week, as NCrontab does (Friday the 13th only)', () => {
        expect(occurrences('0 0 0 13 * FRI', '2025-01-01T00:00:00Z', 2)).toEqual([
            '2025-06-13T00:00:00.000Z',
            '2026-02-13T00:00:00.000Z',
        ]);
        expect(occurrences('0 0 0 13 * 5', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-06-13T00:00:00.000Z']);
    });

    it('reads steps, ranges, lists, names and "a/n" (from a, every n) in UTC, strictly after the given time', () => {
        expect(occurrences('5/20 * * * * *', '2025-01-01T00:00:00Z', 3)).toEqual([
            '2025-01-01T00:00:05.000Z',
            '2025-01-01T00:00:25.000Z',
            '2025-01-01T00:00:45.000Z',
        ]);
        expect(occurrences('0 0-30/15 9,17 * * *', '2025-01-01T09:00:00Z', 3)).toEqual([
            '2025-01-01T09:15:00.000Z',
            '2025-01-01T09:30:00.000Z',
            '2025-01-01T17:00:00.000Z',
        ]);
        expect(occurrences('0 0 12 * jan-feb mon-fri', '2025-01-03T13:00:00Z', 2)).toEqual([
            '2025-01-06T12:00:00.000Z',
            '2025-01-07T12:00:00.000Z',
        ]);
    });

    it.each([
        ['0 0 0 L * *', "NCRONTAB does not support 'L' (last) in the day field"],
        ['0 0 0 * * 5L', "NCRONTAB does not support 'L' (last) in the day-of-week field"],
        ['0 0 0 ? * MON', "NCRONTAB does not support '?' (no specific value) in the day field"],
        ['0 0 0 * * MON#2', "NCRONTAB does not support '#' (nth weekday) in the day-of-week field"],
        ['H 0 0 * * *', "NCRONTAB does not support 'H' (hashed value) in the second field"],
        ['0 0 0 15W * *', "NCRONTAB does not support 'W' (nearest weekday) in the day field"],
        ['0 0 0 * * 7', 'day-of-week value 7 is out of range 0-6'],
        ['0 0 0 * * 1-7', 'day-of-week value 7 is out of range 0-6'],
        ['0 60 * * * *', 'minute value 60 is out of range 0-59'],
        ['0 0 0 0 * *', 'day value 0 is out of range 1-31'],
        ['0 0 0 * JAN-FOO *', '"FOO" is not a valid month value'],
        ['0 0 MON * * *', '"MON" is not a valid hour value'],
        ['0 0 0 5-1 * *', 'the day range 5-1 runs backwards'],
        ['*/0 * * * * *', 'the second step must be at least 1'],
        ['*/5 * * * *', 'expected 6 NCRONTAB fields'],
        ['0 0 0 * * * 2025', 'expected 6 NCRONTAB fields'],
    ])('refuses %j: %s', (expression, problem) => {
        expect(checkNcrontab(expression)).toContain(problem);
        expect(parseNcrontab(expression)).toEqual({ problem: expect.stringContaining(problem) });
    });

    it('refuses a schedule that can never occur', () => {
        expect(parseNcrontab('0 0 0 31 FEB *')).toEqual({ problem: expect.any(String) });
    });
});
