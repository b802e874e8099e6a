import { checkNcrontab, nextOccurrence } from '../../../src/config/schedule';
import { HostError } from '../errors';
import type { InvocationRequest, InvocationResult } from '../invoke/invoker';
import { type AppSettings, substituteSettings } from '../config/settings';

/** setTimeout's longest delay (~24.8 days); longer waits are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** An invocation starting later than this after its scheduled time is reported as past due. */
const PAST_DUE_TOLERANCE_MS = 1000;

/**
 * Resolves `%SETTING%` references and validates the six-field NCRONTAB expression (UTC), as the host
 * does at start-up. TimeSpan schedules (`hh:mm:ss`) only exist on App Service plans, so they are refused.
 */
export function resolveTimerSchedule(raw: string, settings: AppSettings, functionName: string): string {
    const schedule = substituteSettings(raw, settings, `schedule of function "${functionName}"`).trim();
    if (/^\d+(\.\d+)?:\d+(:\d+)?$/.test(schedule) || /^\d+\.\d+:\d+:\d+$/.test(schedule)) {
        throw new HostError(
            `Function "${functionName}": schedule "${schedule}" is a TimeSpan, which only App Service plans support; use a six-field NCRONTAB expression`,
        );
    }
    const problem = checkNcrontab(schedule);
    if (problem !== undefined) {
        throw new HostError(`Function "${functionName}": invalid schedule "${schedule}": ${problem}`);
    }
    return schedule;
}

export interface TimerTriggerOptions {
    functionName: string;
    triggerBindingName: string;
    /** Already resolved and validated. */
    schedule: string;
    runOnStartup: boolean;
    invoke(request: InvocationRequest): Promise<InvocationResult>;
    now?: () => Date;
}

/**
 * Fires a timer function on its schedule. Like the host, invocations of one timer never overlap: the
 * next occurrence is computed after the current invocation ends, so occurrences missed meanwhile are skipped.
 */
export class TimerTrigger {
    readonly #options: TimerTriggerOptions;
    readonly #now: () => Date;
    #timer: NodeJS.Timeout | undefined;
    #running: Promise<void> | undefined;
    #stopped = false;
    #lastFired: Date | undefined;

    constructor(options: TimerTriggerOptions) {
        this.#options = options;
        this.#now = options.now ?? (() => new Date());
    }

    /** When the next scheduled invocation is due (undefined while one runs or after stop). */
    nextDue: Date | undefined;

    start(): void {
        if (this.#options.runOnStartup) this.#fire(this.#now(), { startup: true });
        else this.#arm(this.#now());
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        clearTimeout(this.#timer);
        this.nextDue = undefined;
        await this.#running;
    }

    #arm(after: Date): void {
        if (this.#stopped) return;
        const due = nextOccurrence(this.#options.schedule, after);
        this.nextDue = due;
        this.#wait(due);
    }

    #wait(due: Date): void {
        const delay = Math.min(Math.max(due.getTime() - this.#now().getTime(), 0), MAX_TIMEOUT_MS);
        this.#timer = setTimeout(() => {
            if (this.#now() < due) this.#wait(due);
            else this.#fire(due, { startup: false });
        }, delay);
    }

    #fire(scheduled: Date, { startup }: { startup: boolean }): void {
        this.nextDue = undefined;
        const started = this.#now();
        const next = nextOccurrence(this.#options.schedule, started < scheduled ? scheduled : started);
        const timer = {
            Schedule: { AdjustForDST: true },
            ScheduleStatus: {
                Last: (this.#lastFired ?? scheduled).toISOString(),
                Next: next.toISOString(),
                LastUpdated: started.toISOString(),
            },
            IsPastDue: !startup && started.getTime() - scheduled.getTime() > PAST_DUE_TOLERANCE_MS,
        };
        this.#lastFired = scheduled;
        this.#running = this.#options
            .invoke({
                functionName: this.#options.functionName,
                triggerBindingName: this.#options.triggerBindingName,
                // Sent as the host does (PascalCase JSON); the library camel-cases it into the Timer object.
                data: { json: JSON.stringify(timer) },
                reason: startup ? 'Timer fired on startup (runOnStartup)' : `Timer fired at ${scheduled.toISOString()}`,
            })
            .then(
                () => this.#afterRun(scheduled),
                () => this.#afterRun(scheduled),
            );
    }

    #afterRun(scheduled: Date): void {
        this.#running = undefined;
        const now = this.#now();
        this.#arm(now < scheduled ? scheduled : now);
    }
}
