import { CronExpressionParser } from 'cron-parser';

/**
 * Parses a six-field NCRONTAB schedule (`second minute hour day month day-of-week`, UTC) the way the
 * Functions host reads it. Returns an error text, or undefined when the expression is valid.
 */
export function checkNcrontab(expression: string): string | undefined {
    const fields = expression.trim().split(/\s+/);
    if (fields.length !== 6) {
        return `expected 6 NCRONTAB fields (second minute hour day month day-of-week), got ${fields.length}`;
    }
    try {
        CronExpressionParser.parse(expression, { tz: 'UTC' });
        return undefined;
    } catch (error) {
        return error instanceof Error ? error.message : String(error);
    }
}

/** Next occurrence strictly after `after`, in UTC. The expression must already be valid. */
export function nextOccurrence(expression: string, after: Date): Date {
    return CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: after }).next().toDate();
}
