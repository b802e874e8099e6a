import type { InvocationContext } from '@azure/functions';

import { ensureError, isTenantSyncError } from '../errors';

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;
/** Fields of an error line: `error` is the thrown value, logged as its name, code and message. */
export type ErrorFields = Readonly<Record<string, unknown>> & { error?: unknown };

/** Structured, one-line logging. Every line carries the correlation id the logger was made with. */
export interface Logger {
    debug(message: string, fields?: LogFields): void;
    info(message: string, fields?: LogFields): void;
    warn(message: string, fields?: LogFields): void;
    error(message: string, fields?: ErrorFields): void;
    /** A logger that adds `fields` to every line. */
    with(fields: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (level: LogLevel, line: string) => void;

// Field names whose values are never written, whatever they hold.
const SECRET_FIELD = /token|secret|password|cookie|authorization|assertion|^code$|verifier|session(key)?$/i;
// A JWT (three base64url parts, the first starting with '{"'), wherever it appears in text.
const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/g;

/** Removes anything token-shaped from free text (error messages from libraries may quote requests). */
export function scrub(text: string): string {
    return text.replace(JWT, '[redacted-jwt]');
}

function formatValue(value: LogValue): string {
    if (value === null || value === undefined) return String(value);
    const text = scrub(String(value));
    return /[\s="]/.test(text) || text === '' ? JSON.stringify(text) : text;
}

function formatFields(fields: LogFields): string {
    return Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${SECRET_FIELD.test(key) ? '[redacted]' : formatValue(value)}`)
        .join(' ');
}

function errorFields(error: unknown): LogFields {
    const normalized = ensureError(error);
    return {
        errorName: normalized.name,
        errorCode: isTenantSyncError(normalized) ? normalized.code : undefined,
        errorMessage: normalized.message,
    };
}

class LineLogger implements Logger {
    constructor(
        private readonly sink: LogSink,
        private readonly fields: LogFields,
    ) {}

    debug(message: string, fields: LogFields = {}): void {
        this.write('debug', message, fields);
    }
    info(message: string, fields: LogFields = {}): void {
        this.write('info', message, fields);
    }
    warn(message: string, fields: LogFields = {}): void {
        this.write('warn', message, fields);
    }
    error(message: string, fields: ErrorFields = {}): void {
        const { error, ...rest } = fields;
        const plain = rest as LogFields;
        this.write('error', message, error === undefined ? plain : { ...plain, ...errorFields(error) });
    }
    with(fields: LogFields): Logger {
        return new LineLogger(this.sink, { ...this.fields, ...fields });
    }

    private write(level: LogLevel, message: string, fields: LogFields): void {
        const text = formatFields({ ...fields, ...this.fields });
        this.sink(level, text === '' ? scrub(message) : `${scrub(message)} ${text}`);
    }
}

/** A logger writing to `sink`, every line ending with `correlationId=<id>`. */
export function createLogger(sink: LogSink, correlationId: string, fields: LogFields = {}): Logger {
    return new LineLogger(sink, { ...fields, correlationId });
}

/** Lines go to the invocation's log (Application Insights in Azure), tagged with the correlation id. */
export function invocationLogger(context: InvocationContext, correlationId = context.invocationId): Logger {
    return createLogger((level, line) => {
        if (level === 'debug') context.debug(line);
        else if (level === 'info') context.info(line);
        else if (level === 'warn') context.warn(line);
        else context.error(line);
    }, correlationId);
}

/** For code that runs outside any invocation (start-up). */
export function consoleLogger(correlationId: string): Logger {
    return createLogger((level, line) => {
        if (level === 'error') console.error(line);
        else if (level === 'warn') console.warn(line);
        else console.log(line);
    }, correlationId);
}

export const silentLogger: Logger = createLogger(() => undefined, 'none');
