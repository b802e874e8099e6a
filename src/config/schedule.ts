import { Cron } from 'croner';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Replaces month or day names by their numbers, so only digits and `* , - /` should remain. */
function withNumbers(field: string, names: readonly string[], first: number): string {
    return field.replace(/[A-Za-z]+/g, (name) => {
        const index = names.indexOf(name.toUpperCase());
        return index < 0 ? name : String(index + first);
    });
}

/**
 * Checks a six-field NCRONTAB schedule (`second minute hour day month day-of-week`, UTC) the way the
 * Functions host reads it (NCrontab: day-of-week 0-6, no L, W, #, ? or H extensions; day-of-month
 * and day-of-week must both match). Returns an error text, or undefined when the host accepts it.
 */
export function checkNcrontab(expression: string): string | undefined {
    const fields = expression.trim().split(/\s+/);
    if (fields.length !== 6) {
        return `expected 6 NCRONTAB fields (second minute hour day month day-of-week), got ${fields.length}`;
    }
    const [second, minute, hour, day, month, weekday] = fields as [string, string, string, string, string, string];
    const normalized = [second, minute, hour, day, withNumbers(month, MONTHS, 1), withNumbers(weekday, DAYS, 0)];
    const foreign = normalized.find((field) => /[^0-9*,\-/]/.test(field));
    if (foreign !== undefined)
        return `"${foreign}" uses syntax NCRONTAB does not support (only digits, names, * , - /)`;
    const weekdays = (normalized[5] ?? '').split(',').flatMap((item) => (item.split('/')[0] ?? '').split('-'));
    if (weekdays.includes('7')) return 'day-of-week runs 0-6 in NCRONTAB (7 is not Sunday)';
    try {
        // croner checks the ranges; domAndDow makes both day fields count, as in NCrontab.
        new Cron(normalized.join(' '), { timezone: 'UTC', domAndDow: true, paused: true });
        return undefined;
    } catch (error) {
        return error instanceof Error ? error.message : String(error);
    }
}
