import type { LogLevel } from '../core/coreTypes';
import { redactSecrets } from './redact';

export type { LogLevel };

export interface LogEntry {
    level: LogLevel;
    message: string;
    /** Set for lines about one function; with invocationId for lines about one invocation. */
    functionName?: string | undefined;
    invocationId?: string | undefined;
}

export interface HostLogger {
    write(entry: LogEntry): void;
}

const RANK: Record<LogLevel, number> = {
    trace: 0,
    debug: 1,
    information: 2,
    warning: 3,
    error: 4,
    critical: 5,
    none: 6,
};
const LABEL: Record<LogLevel, string> = {
    trace: 'trace',
    debug: 'debug',
    information: 'info ',
    warning: 'warn ',
    error: 'error',
    critical: 'crit ',
    none: 'none ',
};

/**
 * One event, one line: `<ISO time> <level> <function>[<invocation id>] <message>`, or `host:` for
 * host events. Newlines are escaped so a multi-line message stays one greppable line.
 */
export function formatLogLine(entry: LogEntry, time: Date): string {
    const source =
        entry.functionName === undefined
            ? 'host:'
            : entry.invocationId === undefined
              ? `${entry.functionName}:`
              : `${entry.functionName}[${entry.invocationId}]`;
    const message = redactSecrets(entry.message).replace(/\r?\n/g, '\\n');
    return `${time.toISOString()} ${LABEL[entry.level]} ${source} ${message}`;
}

export function createConsoleLogger(
    options: { minLevel?: LogLevel; out?: (line: string) => void; now?: () => Date } = {},
): HostLogger {
    const minRank = RANK[options.minLevel ?? 'information'];
    const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
    const now = options.now ?? (() => new Date());
    return {
        write(entry) {
            if (entry.level === 'none' || RANK[entry.level] < minRank) return;
            out(formatLogLine(entry, now()));
        },
    };
}

/** Describes a thrown value in one line: the message and where it was thrown, not the whole stack. */
export function describeError(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    const frame = error.stack
        ?.split('\n')
        .slice(1)
        .find((line) => line.trim().startsWith('at '))
        ?.trim();
    const text = `${error.name}: ${error.message}`;
    return frame === undefined ? text : `${text} (${frame})`;
}
