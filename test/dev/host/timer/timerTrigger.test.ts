import type { InvocationRequest, InvocationResult } from '../../../../dev/host/invoke/invoker';
import { createConsoleLogger } from '../../../../dev/host/log/hostLogger';
import { parseNcrontab, type NcrontabSchedule } from '../../../../dev/host/timer/ncrontab';
import type { ScheduleStatus, ScheduleStatusStore } from '../../../../dev/host/timer/scheduleStatus';
import { resolveTimerSchedule, resolveUseMonitor, TimerTrigger } from '../../../../dev/host/timer/timerTrigger';

function schedule(expression: string): NcrontabSchedule {
    const parsed = parseNcrontab(expression);
    if ('problem' in parsed) throw new Error(parsed.problem);
    return parsed;
}

describe('resolveTimerSchedule', () => {
    it('substitutes %SETTING% references and keeps a valid six-field expression', () => {
        expect(resolveTimerSchedule('%SYNC_SCHEDULE%', { SYNC_SCHEDULE: '0 */5 * * * *' }, 'sync').expression).toBe(
            '0 */5 * * * *',
        );
        expect(resolveTimerSchedule('0 %MIN% * * * *', { MIN: '15' }, 'sync').expression).toBe('0 15 * * * *');
    });

    it('names the function and the missing setting', () => {
        expect(() => resolveTimerSchedule('%SYNC_SCHEDULE%', {}, 'sync')).toThrow(
            'The schedule of function "sync" refers to app setting %SYNC_SCHEDULE%, which is not set',
        );
    });

    it('rejects five-field cron, invalid fields, NCRONTAB-foreign syntax and TimeSpan schedules', () => {
        expect(() => resolveTimerSchedule('*/5 * * * *', {}, 'sync')).toThrow('expected 6 NCRONTAB fields');
        expect(() => resolveTimerSchedule('0 99 * * * *', {}, 'sync')).toThrow('invalid schedule "0 99 * * * *"');
        expect(() => resolveTimerSchedule('0 0 0 L * *', {}, 'sync')).toThrow("does not support 'L'");
        expect(() => resolveTimerSchedule('00:05:00', {}, 'sync')).toThrow('is a TimeSpan');
    });
});

describe('resolveUseMonitor', () => {
    it('monitors schedules at most once a minute unless told otherwise', () => {
        expect(resolveUseMonitor(undefined, schedule('0 */5 * * * *'))).toBe(true);
        expect(resolveUseMonitor(undefined, schedule('0 * * * * *'))).toBe(true);
        expect(resolveUseMonitor(undefined, schedule('*/30 * * * * *'))).toBe(false);
        expect(resolveUseMonitor(false, schedule('0 0 * * * *'))).toBe(false);
        expect(resolveUseMonitor(true, schedule('* * * * * *'))).toBe(true);
    });
});

class MemoryStatusStore implements ScheduleStatusStore {
    readonly statuses = new Map<string, ScheduleStatus>();
    get(timerName: string) {
        return Promise.resolve(this.statuses.get(timerName));
    }
    set(timerName: string, status: ScheduleStatus) {
        this.statuses.set(timerName, status);
        return Promise.resolve();
    }
}

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

    const logger = createConsoleLogger({ out: () => undefined });
    const base = { functionName: 'tick', triggerBindingName: 'timerTrigger', logger, useMonitor: false };

    // 2025-03-30 01:00 UTC is when Europe switches to summer time: a UTC schedule must not notice.
    it('fires at each occurrence of the schedule, in UTC; unmonitored, its scheduleStatus is null', async () => {
        jest.useFakeTimers({ now: new Date('2025-03-30T00:59:58.300Z') });
        const { calls, invoke } = recordingInvoke();
        const trigger = new TimerTrigger({ ...base, schedule: schedule('*/5 * * * * *'), runOnStartup: false, invoke });
        await trigger.start();
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
        expect(calls[1]?.timer).toEqual({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false });
        await trigger.stop();
        await jest.advanceTimersByTimeAsync(60_000);
        expect(calls).toHaveLength(3);
    });

    it('runs once at start-up when runOnStartup is set, then follows the schedule', async () => {
        jest.useFakeTimers({ now: new Date('2025-01-01T10:00:30.000Z') });
        const { calls, invoke } = recordingInvoke();
        const trigger = new TimerTrigger({ ...base, schedule: schedule('0 0 * * * *'), runOnStartup: true, invoke });
        await trigger.start();
        await jest.advanceTimersByTimeAsync(0);
        expect(calls).toHaveLength(1);
        expect(calls[0]?.reason).toBe('Timer fired on startup (runOnStartup)');
        expect(trigger.nextDue?.toISOString()).toBe('2025-01-01T11:00:00.000Z');
        await trigger.stop();
    });

    it('never overlaps invocations; when one outlasts the next occurrence, the next starts as soon as it ends', async () => {
        jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00.500Z') });
        const { calls, invoke } = recordingInvoke(2500);
        const trigger = new TimerTrigger({ ...base, schedule: schedule('* * * * * *'), runOnStartup: false, invoke });
        await trigger.start();
        await jest.advanceTimersByTimeAsync(5000);
        // 00:00:01 runs until 00:00:03.5, when Next (00:00:02) has passed: the timer fires at once (TimerListener
        // waits one tick; setTimeout's shortest wait is 1 ms).
        expect(calls.map((c) => c.at)).toEqual(['2025-01-01T00:00:01.000Z', '2025-01-01T00:00:03.501Z']);
        const stopped = trigger.stop();
        await jest.advanceTimersByTimeAsync(3000);
        await stopped;
    });

    it('waits past the longest setTimeout delay for schedules far in the future', async () => {
        jest.useFakeTimers({ now: new Date('2025-01-02T00:00:00.000Z') });
        const { calls, invoke } = recordingInvoke();
        const trigger = new TimerTrigger({ ...base, schedule: schedule('0 0 0 1 1 *'), runOnStartup: false, invoke });
        await trigger.start();
        await jest.advanceTimersByTimeAsync(300 * 24 * 3600 * 1000);
        expect(calls).toHaveLength(0);
        await jest.advanceTimersByTimeAsync(65 * 24 * 3600 * 1000);
        expect(calls.map((c) => c.at)).toEqual(['2026-01-01T00:00:00.000Z']);
        await trigger.stop();
    });

    describe('with the schedule monitor', () => {
        const monitored = { ...base, functionName: 'hourly', useMonitor: true, runOnStartup: false };
        const key = 'Host.Functions.hourly';

        it('records an initial status, passes the recorded status to the function and stores each run', async () => {
            jest.useFakeTimers({ now: new Date('2025-01-01T10:20:00.000Z') });
            const store = new MemoryStatusStore();
            const { calls, invoke } = recordingInvoke();
            const trigger = new TimerTrigger({
                ...monitored,
                schedule: schedule('0 0 * * * *'),
                statusStore: store,
                invoke,
            });
            await trigger.start();
            expect(store.statuses.get(key)).toEqual({
                last: new Date('0001-01-01T00:00:00.000Z'),
                next: new Date('2025-01-01T11:00:00.000Z'),
                lastUpdated: new Date('2025-01-01T10:20:00.000Z'),
            });
            await jest.advanceTimersByTimeAsync(40 * 60_000);
            expect(calls).toHaveLength(1);
            expect(calls[0]?.timer).toEqual({
                Schedule: { AdjustForDST: true },
                ScheduleStatus: {
                    Last: '0001-01-01T00:00:00.000Z',
                    Next: '2025-01-01T11:00:00.000Z',
                    LastUpdated: '0001-01-01T00:00:00.000Z',
                },
                IsPastDue: false,
            });
            expect(store.statuses.get(key)).toEqual({
                last: new Date('2025-01-01T11:00:00.000Z'),
                next: new Date('2025-01-01T12:00:00.000Z'),
                lastUpdated: new Date('2025-01-01T11:00:00.000Z'),
            });
            await trigger.stop();
        });

        it('runs a missed occurrence at start-up with isPastDue, then follows the schedule', async () => {
            jest.useFakeTimers({ now: new Date('2025-01-01T10:20:00.000Z') });
            const store = new MemoryStatusStore();
            const recorded = {
                last: new Date('2025-01-01T08:00:00.000Z'),
                next: new Date('2025-01-01T09:00:00.000Z'),
                lastUpdated: new Date('2025-01-01T08:00:00.000Z'),
            };
            store.statuses.set(key, recorded);
            const { calls, invoke } = recordingInvoke();
            const trigger = new TimerTrigger({
                ...monitored,
                schedule: schedule('0 0 * * * *'),
                statusStore: store,
                invoke,
            });
            await trigger.start();
            await jest.advanceTimersByTimeAsync(0);
            expect(calls.map((c) => [c.at, c.timer.IsPastDue])).toEqual([['2025-01-01T10:20:00.000Z', true]]);
            expect(calls[0]?.timer.ScheduleStatus).toEqual({
                Last: '2025-01-01T08:00:00.000Z',
                Next: '2025-01-01T09:00:00.000Z',
                LastUpdated: '2025-01-01T08:00:00.000Z',
            });
            expect(calls[0]?.reason).toContain('past due');
            expect(store.statuses.get(key)?.next).toEqual(new Date('2025-01-01T11:00:00.000Z'));
            await jest.advanceTimersByTimeAsync(40 * 60_000);
            expect(calls.map((c) => c.timer.IsPastDue)).toEqual([true, false]);
            await trigger.stop();
        });

        it('does not run "past due" when only the schedule changed since the status was recorded', async () => {
            jest.useFakeTimers({ now: new Date('2025-01-01T10:20:00.000Z') });
            const store = new MemoryStatusStore();
            // Recorded under an every-5-minutes schedule; now hourly.
            store.statuses.set(key, {
                last: new Date('2025-01-01T08:05:00.000Z'),
                next: new Date('2025-01-01T08:10:00.000Z'),
                lastUpdated: new Date('2025-01-01T08:05:00.000Z'),
            });
            const { calls, invoke } = recordingInvoke();
            const trigger = new TimerTrigger({
                ...monitored,
                schedule: schedule('0 0 * * * *'),
                statusStore: store,
                invoke,
            });
            await trigger.start();
            await jest.advanceTimersByTimeAsync(0);
            expect(calls).toHaveLength(0);
            expect(store.statuses.get(key)?.next).toEqual(new Date('2025-01-01T11:00:00.000Z'));
            expect(trigger.nextDue?.toISOString()).toBe('2025-01-01T11:00:00.000Z');
            await trigger.stop();
        });
    });
});
