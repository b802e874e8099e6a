import { ErrorCategory, ErrorCode } from './errorCodes';

export interface TenantSyncErrorOptions {
    cause?: unknown;
    correlationId?: string;
}

/** Base of every error we raise on purpose. `code` is stable; `category` says who can fix it. */
export abstract class TenantSyncError extends Error {
    abstract readonly category: ErrorCategory;
    readonly code: string;
    correlationId: string | undefined;

    protected constructor(code: string, message: string, options: TenantSyncErrorOptions = {}) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.code = code;
        this.correlationId = options.correlationId;
    }

    /** Retrying the same work later may succeed. */
    get retryable(): boolean {
        return this.category === ErrorCategory.transient;
    }
}

/** One problem with one configuration variable. */
export interface ConfigIssue {
    variable: string;
    problem: string;
}

/** Settings are missing or invalid. Carries every problem at once so one restart fixes them all. */
export class ConfigurationError extends TenantSyncError {
    override readonly name = 'ConfigurationError';
    readonly category = ErrorCategory.configuration;
    readonly issues: readonly ConfigIssue[];

    constructor(issues: readonly ConfigIssue[], options?: TenantSyncErrorOptions) {
        const lines = issues.map((i) => `  - ${i.variable}: ${i.problem}`);
        super(
            ErrorCode.configInvalid,
            `Invalid configuration (${issues.length} problem(s)):\n${lines.join('\n')}`,
            options,
        );
        this.issues = issues;
    }
}

/** A queue message that can never be processed as sent. */
export class InvalidMessageError extends TenantSyncError {
    override readonly name = 'InvalidMessageError';
    readonly category = ErrorCategory.badInput;

    constructor(message: string, options?: TenantSyncErrorOptions) {
        super(ErrorCode.invalidMessage, message, options);
    }
}

/** An HTTP request that is malformed; maps to 400. */
export class InvalidRequestError extends TenantSyncError {
    override readonly name = 'InvalidRequestError';
    readonly category = ErrorCategory.badInput;

    constructor(message: string, options?: TenantSyncErrorOptions) {
        super(ErrorCode.invalidRequest, message, options);
    }
}

/** Turns anything thrown (strings, null, foreign objects) into an Error so it can be logged safely. */
export function ensureError(value: unknown): Error {
    if (value instanceof Error) return value;
    if (typeof value === 'string') return new Error(value);
    let text: string;
    try {
        text = JSON.stringify(value) ?? String(value);
    } catch {
        text = String(value);
    }
    return new Error(`Non-error value thrown: ${text}`);
}

export function isTenantSyncError(value: unknown): value is TenantSyncError {
    return value instanceof TenantSyncError;
}
