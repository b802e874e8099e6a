import type { InvocationRequest, InvocationResult } from '../../../../dev/host/invoke/invoker';
import { resolveTimerSchedule, TimerTrigger } from '../../../../dev/host/timer/timerTrigger';

describe('resolveTimerSchedule', () => {
    it('substitutes %SETTING% references and keeps a valid six-field expression', () => {
        expect(resolveTimerSchedule('%SYNC_SCHEDULE%', { SYNC_SCHEDULE: '0 */5 * * * *' }, 'sync')).toBe(
            '0 */5 * * * *',
        );
        expect(resolveTimerSchedule('0 %MIN% * * * *', { MIN: '15' }, 'sync')).toBe('0 15 * * * *');
    });

    it('names the function and the missing setting', () => {
        expect(() => resolveTimerSchedule('%SYNC_SCHEDULE%', {}, 'sync')).toThrow(
            'The schedule of function "sync" refers to app setting %SYNC_SCHEDULE%, which is not set',
        );
    });

    it('rejects five-field cron, invalid fields and TimeSpan schedules', () => {
        expect(() => resolveTimerSchedule('*/5 * * * *', {}, 'sync')).toThrow('expected 6 NCRONTAB fields');
        expect(() => resolveTimerSchedule('0 99 * * * *', {}, 'sync')).toThrow('invalid schedule "0 99 * * * *"');
        expect(() => resolveTimerSchedule('00:05:00', {}, 'sync')).toThrow('is a TimeSpan');
    });
});

describe('TimerTrigger (fake clock)', () => {
    afterEach(() => jest.useRealTimers());

    function recordingInvoke(durationMs = 0) {
        const calls: { at: string; timer: Record<string, unknown>; reason: string }[] = [];
        const invoke = async (request: InvocationRequest): Promise<InvocationResult> => {
            calls.push({
                at: new Date().toISOString(),
                timer: JSON.parse(request.data.json ?? '{}') as Record<string, unknown>,
                reason: request.reason,
            });
            if (durationMs > 0) await new Promise((resolve) => setTimeout(resolve, durationMs));
            return { ok: true, invocationId: 'id', response: {} };
        };
        return { calls, invoke };
    }

    const base = { functionName: 'tick', triggerBindingName: 'timerTrigger' };

    // 2025-03-30 01:00 UTC is when Europe switches to summer time: a UTC schedule must not notice.
    it('fires at each occurrence of the schedule, in UTC, with the host timer payload', async () => {
        jest.useFakeTimers({ now: new Date('2025-03-30T00:59:58.300Z') });
        const { calls, invoke } = recordingInvoke();
        const trigger = new TimerTrigger({ ...base, schedule: '*/5 * * * * *', runOnStartup: false, invoke });
        trigger.start();
        expect(trigger.nextDue?.toISOString()).toBe('2025-03-30T01:00:00.000Z');
        await jest.advanceTimersByTimeAsync(1699);
        expect(calls).toHaveLength(0);
        await jest.advanceTimersByTimeAsync(1);
        expect(calls.map((c) => c.at)).toEqual(['2025-03-30T01:00:00.000Z']);
        await jest.advanceTimersByTimeAsync(10_000);
        expect(calls.map((c) => c.at)).toEqual([
            '2025-03-30T01:00:00.000Z',
            '2025-03-30T01:00:05.000Z',
            '2025-03-30T01:00:10.000Z',
        ]);
        expect(calls[1]?.timer).toEqual({
            Schedule: { AdjustForDST: true },
            ScheduleStatus: {
                Last: '2025-03-30T01:00:00.000Z',
                Next: '2025-03-30T01:00:10.000Z',
                LastUpdated: '2025-03-30T01:00:05.000Z',
            },
            IsPastDue: false,
        });
        await trigger.stop();
        await jest.advanceTimersByTimeAsync(60_000);
        expect(calls).toHaveLength(3);
    });

    it('runs once at start-up when runOnStartup is set, then follows the schedule', async () => {
        jest.useFakeTimers({ now: new Date('2025-01-01T10:00:30.000Z') });
        const { calls, invoke } = recordingInvoke();
        const trigger = new TimerTrigger({ ...base, schedule: '0 0 * * * *', runOnStartup: true, invoke });
        trigger.start();
        await jest.advanceTimersByTimeAsync(0);
        expect(calls).toHaveLength(1);
        expect(calls[0]?.reason).toBe('Timer fired on startup (runOnStartup)');
        expect(trigger.nextDue?.toISOString()).toBe('2025-01-01T11:00:00.000Z');
        await trigger.stop();
    });

    it('never overlaps invocations: occurrences missed while one runs are skipped', async () => {
        jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00.500Z') });
        const { calls, invoke } = recordingInvoke(2500);
        const trigger = new TimerTrigger({ ...base, schedule: '* * * * * *', runOnStartup: false, invoke });
        trigger.start();
        await jest.advanceTimersByTimeAsync(5000);
        // 00:00:01 runs until 00:00:03.5; 00:00:02 and 00:00:03 are skipped; 00:00:04 runs next.
        expect(calls.map((c) => c.at)).toEqual(['2025-01-01T00:00:01.000Z', '2025-01-01T00:00:04.000Z']);
        const stopped = trigger.stop();
        await jest.advanceTimersByTimeAsync(3000);
        await stopped;
    });

    it('waits past the longest setTimeout delay for schedules far in the future', async () => {
        jest.useFakeTimers({ now: new Date('2025-01-02T00:00:00.000Z') });
        const { calls, invoke } = recordingInvoke();
        const trigger = new TimerTrigger({ ...base, schedule: '0 0 0 1 1 *', runOnStartup: false, invoke });
        trigger.start();
        await jest.advanceTimersByTimeAsync(300 * 24 * 3600 * 1000);
        expect(calls).toHaveLength(0);
        await jest.advanceTimersByTimeAsync(65 * 24 * 3600 * 1000);
        expect(calls.map((c) => c.at)).toEqual(['2026-01-01T00:00:00.000Z']);
        await trigger.stop();
    });
});
