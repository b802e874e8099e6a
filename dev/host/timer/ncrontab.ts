import { Cron } from 'croner';

/** A validated six-field NCRONTAB schedule, evaluated in UTC. */
export interface NcrontabSchedule {
    readonly expression: string;
    /** The first occurrence strictly after `after`. */
    next(after: Date): Date;
}

interface Field {
    name: string;
    min: number;
    max: number;
    names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

// NCrontab's fields with seconds (CrontabFieldKind): day-of-week is 0-6, so 7 is not Sunday there.
const FIELDS: readonly Field[] = [
    { name: 'second', min: 0, max: 59 },
    { name: 'minute', min: 0, max: 59 },
    { name: 'hour', min: 0, max: 23 },
    { name: 'day', min: 1, max: 31 },
    { name: 'month', min: 1, max: 12, names: MONTHS },
    { name: 'day-of-week', min: 0, max: 6, names: DAYS },
];

/** Quartz and Jenkins extensions other cron libraries accept and NCrontab refuses, with what they mean. */
const FOREIGN: Record<string, string> = {
    L: "'L' (last)",
    W: "'W' (nearest weekday)",
    '#': "'#' (nth weekday)",
    '?': "'?' (no specific value)",
    H: "'H' (hashed value)",
};

function value(text: string, field: Field): number | string {
    if (/^\d+$/.test(text)) {
        const n = Number(text);
        if (n < field.min || n > field.max) {
            return `${field.name} value ${n} is out of range ${field.min}-${field.max}`;
        }
        return n;
    }
    const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index < 0) {
        const mark = /[LWH]/i.exec(text)?.[0]?.toUpperCase();
        return mark === undefined
            ? `"${text}" is not a valid ${field.name} value`
            : `NCRONTAB does not support ${FOREIGN[mark]} in the ${field.name} field`;
    }
    return field.name === 'month' ? index + 1 : index;
}

/** One comma-separated item: `*`, `*∕n`, `v`, `a-b`, `a-b∕n` or `v∕n` (from v to the maximum, every n). */
function checkItem(item: string, field: Field): string | undefined {
    const mark = /[#?]/.exec(item)?.[0];
    if (mark !== undefined) return `NCRONTAB does not support ${FOREIGN[mark]} in the ${field.name} field`;
    const match = /^([^/-]+)(?:-([^/-]+))?(?:\/(\d+))?$/.exec(item);
    if (!match) return `"${item}" is not a valid ${field.name} item`;
    const [, first = '', last, step] = match;
    if (step !== undefined && Number(step) === 0) return `the ${field.name} step must be at least 1`;
    if (first === '*') return last === undefined ? undefined : `"${item}" is not a valid ${field.name} item`;
    const from = value(first, field);
    if (typeof from === 'string') return from;
    if (last === undefined) return undefined;
    const to = value(last, field);
    if (typeof to === 'string') return to;
    return from > to ? `the ${field.name} range ${item} runs backwards` : undefined;
}

/**
 * Checks an expression against NCrontab's grammar with seconds, which is what the Functions host's timer
 * trigger parses (WebJobs.Extensions CronSchedule with IncludingSeconds): six fields of `*`, numbers,
 * month and weekday names, ranges, lists and steps. Returns why it is invalid, or undefined.
 */
export function checkNcrontab(expression: string): string | undefined {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== FIELDS.length) {
        return `expected 6 NCRONTAB fields (second minute hour day month day-of-week), got ${parts.length}`;
    }
    for (const [i, part] of parts.entries()) {
        const field = FIELDS[i] as Field;
        for (const item of part.split(',')) {
            const problem = checkItem(item, field);
            if (problem !== undefined) return problem;
        }
    }
    return undefined;
}

/**
 * Parses a six-field NCRONTAB expression. The grammar is checked here (croner accepts more: L, W, #, ?,
 * 7 for Sunday); croner then computes occurrences, with day-of-month AND day-of-week as NCrontab
 * matches them (`domAndDow`), and `a/n` meaning "from a, every n" as in NCrontab (`sloppyRanges`).
 */
export function parseNcrontab(expression: string): NcrontabSchedule | { problem: string } {
    const trimmed = expression.trim();
    const problem = checkNcrontab(trimmed);
    if (problem !== undefined) return { problem };
    let cron: Cron;
    try {
        cron = new Cron(trimmed, {
            timezone: 'UTC',
            domAndDow: true,
            mode: '6-part',
            sloppyRanges: true,
            paused: true,
        });
    } catch (error) {
        return { problem: (error as Error).message };
    }
    if (cron.nextRun(new Date(0)) === null) return { problem: 'it never occurs' };
    return {
        expression: trimmed,
        next(after) {
            const next = cron.nextRun(after);
            if (next === null) throw new Error(`NCRONTAB "${trimmed}" has no occurrence after ${after.toISOString()}`);
            return next;
        },
    };
}
