import { HostError } from '../errors';
import type { InvocationRequest, InvocationResult } from '../invoke/invoker';
import { type AppSettings, substituteSettings } from '../config/settings';
import type { HostLogger } from '../log/hostLogger';
import { describeError } from '../log/hostLogger';
import { type NcrontabSchedule, parseNcrontab } from './ncrontab';
import { isSet, NEVER, type ScheduleStatus, type ScheduleStatusStore, toStatusJson } from './scheduleStatus';

/** setTimeout's longest delay (~24.8 days); longer waits are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Schedules at least this far apart are monitored unless `useMonitor` says otherwise (host default). */
const MONITOR_MIN_INTERVAL_MS = 60_000;

/**
 * Resolves `%SETTING%` references and parses the six-field NCRONTAB expression (UTC), as the host does at
 * start-up. TimeSpan schedules (`hh:mm:ss`) only exist on App Service plans, so they are refused.
 */
export function resolveTimerSchedule(raw: string, settings: AppSettings, functionName: string): NcrontabSchedule {
    const schedule = substituteSettings(raw, settings, `schedule of function "${functionName}"`).trim();
    if (/^\d+(\.\d+)?:\d+(:\d+)?$/.test(schedule) || /^\d+\.\d+:\d+:\d+$/.test(schedule)) {
        throw new HostError(
            `Function "${functionName}": schedule "${schedule}" is a TimeSpan, which only App Service plans support; use a six-field NCRONTAB expression`,
        );
    }
    const parsed = parseNcrontab(schedule);
    if ('problem' in parsed) {
        throw new HostError(`Function "${functionName}": invalid schedule "${schedule}": ${parsed.problem}`);
    }
    return parsed;
}

/**
 * Whether the host monitors a schedule: an explicit `useMonitor` wins; otherwise schedules that recur at
 * most once a minute are monitored and faster ones are not (TimerTriggerAttribute.UseMonitor, as the
 * Microsoft Learn timer trigger reference describes it).
 */
export function resolveUseMonitor(useMonitor: unknown, schedule: NcrontabSchedule, now = new Date()): boolean {
    if (typeof useMonitor === 'boolean') return useMonitor;
    const first = schedule.next(now);
    return schedule.next(first).getTime() - first.getTime() >= MONITOR_MIN_INTERVAL_MS;
}

export interface TimerTriggerOptions {
    functionName: string;
    triggerBindingName: string;
    schedule: NcrontabSchedule;
    runOnStartup: boolean;
    /** Keeps schedule status in `statusStore`, so an occurrence missed while the host was down runs at start. */
    useMonitor: boolean;
    statusStore?: ScheduleStatusStore;
    invoke(request: InvocationRequest): Promise<InvocationResult>;
    logger: HostLogger;
    now?: () => Date;
}

type Occasion = 'scheduled' | 'pastDue' | 'startup';

/**
 * A timer trigger following the WebJobs timer listener (azure-webjobs-sdk-extensions, TimerListener.cs):
 * invocations never overlap; after each one the status becomes {Last: invocation time, Next: the following
 * occurrence}, and if Next has already passed (a long invocation) the next invocation starts at once. With the
 * schedule monitor (ScheduleMonitor.CheckPastDueAsync) the status is stored, and a start-up that finds the
 * recorded Next in the past runs the function immediately with `isPastDue: true`; functions see the
 * recorded status as `scheduleStatus`, which is null when the monitor is off.
 */
export class TimerTrigger {
    readonly #o: TimerTriggerOptions;
    readonly #now: () => Date;
    readonly #timerName: string;
    #status: ScheduleStatus | undefined;
    #timer: NodeJS.Timeout | undefined;
    #running: Promise<void> | undefined;
    #stopped = false;

    constructor(options: TimerTriggerOptions) {
        if (options.useMonitor && options.statusStore === undefined) {
            throw new Error(`Timer "${options.functionName}" uses the schedule monitor but has no status store`);
        }
        this.#o = options;
        this.#now = options.now ?? (() => new Date());
        // The host's lookup name for a function's timer: its fully qualified method name.
        this.#timerName = `Host.Functions.${options.functionName}`;
    }

    /** When the next scheduled invocation is due (undefined while one runs or after stop). */
    nextDue: Date | undefined;

    async start(): Promise<void> {
        const now = this.#now();
        let pastDue = false;
        if (this.#o.useMonitor) {
            this.#status = await this.#readStatus();
            pastDue = await this.#checkPastDue(now);
        }
        this.#status ??= { last: NEVER, next: this.#o.schedule.next(now), lastUpdated: NEVER };
        if (this.#stopped) return;
        if (pastDue) this.#fire('pastDue');
        else if (this.#o.runOnStartup) this.#fire('startup');
        else this.#arm();
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        clearTimeout(this.#timer);
        this.nextDue = undefined;
        await this.#running;
    }

    #log(level: 'warning' | 'error' | 'information', message: string): void {
        this.#o.logger.write({ functionName: this.#o.functionName, level, message });
    }

    async #readStatus(): Promise<ScheduleStatus | undefined> {
        try {
            return await this.#o.statusStore?.get(this.#timerName);
        } catch (error) {
            // Like the host's GetSafeStatusAsync: an unreadable status counts as none.
            this.#log('warning', `Could not read the timer's schedule status: ${describeError(error)}`);
            return undefined;
        }
    }

    async #writeStatus(status: ScheduleStatus): Promise<void> {
        try {
            await this.#o.statusStore?.set(this.#timerName, status);
        } catch (error) {
            this.#log('error', `Failed to update the timer trigger status: ${describeError(error)}`);
        }
    }

    /** ScheduleMonitor.CheckPastDueAsync: records an initial or re-computed status; true when Next has passed. */
    async #checkPastDue(now: Date): Promise<boolean> {
        const schedule = this.#o.schedule;
        const recorded = this.#status;
        if (recorded === undefined) {
            const next = schedule.next(now);
            await this.#writeStatus({ last: NEVER, next, lastUpdated: now });
            return false;
        }
        const base = isSet(recorded.last) ? recorded.last : isSet(recorded.lastUpdated) ? recorded.lastUpdated : now;
        let expected = schedule.next(base);
        let lastUpdated = base;
        if (recorded.next.getTime() !== expected.getTime()) {
            // The schedule changed since the status was written: start from now rather than run "past due".
            if (now > expected) {
                expected = schedule.next(now);
                lastUpdated = now;
            }
            this.#status = { last: NEVER, next: expected, lastUpdated };
            await this.#writeStatus(this.#status);
        }
        return now > (this.#status?.next ?? expected);
    }

    #arm(): void {
        if (this.#stopped || this.#status === undefined) return;
        this.nextDue = this.#status.next;
        this.#wait(this.#status.next);
    }

    #wait(due: Date): void {
        const delay = Math.min(Math.max(due.getTime() - this.#now().getTime(), 0), MAX_TIMEOUT_MS);
        this.#timer = setTimeout(() => {
            if (this.#now() < due) this.#wait(due);
            else this.#fire('scheduled');
        }, delay);
    }

    #fire(occasion: Occasion): void {
        this.nextDue = undefined;
        const invokedAt = this.#now();
        const status = this.#status as ScheduleStatus;
        const timer = {
            Schedule: { AdjustForDST: true },
            ScheduleStatus: this.#o.useMonitor ? toStatusJson(status) : null,
            IsPastDue: occasion === 'pastDue',
        };
        const reason =
            occasion === 'startup'
                ? 'Timer fired on startup (runOnStartup)'
                : occasion === 'pastDue'
                  ? `Timer is past due: its occurrence at ${status.next.toISOString()} was missed`
                  : `Timer fired at ${invokedAt.toISOString()}`;
        this.#running = this.#o
            .invoke({
                functionName: this.#o.functionName,
                triggerBindingName: this.#o.triggerBindingName,
                // Sent as the host does (PascalCase JSON); the library camel-cases it into the Timer object.
                data: { json: JSON.stringify(timer) },
                reason,
            })
            .catch(() => undefined)
            .then(() => this.#afterRun(occasion, invokedAt));
    }

    async #afterRun(occasion: Occasion, invokedAt: Date): Promise<void> {
        const previous = this.#status as ScheduleStatus;
        // A timer that fired a moment early counts as the occurrence it was due for.
        const at = occasion === 'scheduled' && previous.next > invokedAt ? previous.next : invokedAt;
        this.#status = { last: at, next: this.#o.schedule.next(at), lastUpdated: at };
        if (this.#o.useMonitor) await this.#writeStatus(this.#status);
        this.#running = undefined;
        this.#arm();
    }
}
