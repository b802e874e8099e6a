import { ErrorCategory, ErrorCode } from './errorCodes';

export interface TenantSyncErrorOptions {
    cause?: unknown;
    correlationId?: string | undefined;
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

type OperatorCode =
    typeof ErrorCode.clientSecretInvalid | typeof ErrorCode.secretUnavailable | typeof ErrorCode.massDeleteBlocked;

/** Our operator must act: the client secret is wrong or expired, Key Vault refuses us, a sync waits for confirmation. */
export class OperatorActionError extends TenantSyncError {
    override readonly name = 'OperatorActionError';
    readonly category = ErrorCategory.configuration;

    constructor(code: OperatorCode, message: string, options?: TenantSyncErrorOptions) {
        super(code, message, options);
    }
}

type CustomerCode = typeof ErrorCode.consentRequired | typeof ErrorCode.tenantNotFound;

/** Only the customer's admin can fix it: consent is missing or revoked, or the tenant no longer exists. */
export class CustomerActionError extends TenantSyncError {
    override readonly name = 'CustomerActionError';
    readonly category = ErrorCategory.customer;
    /** The identity platform's or Graph's own error code (e.g. AADSTS700016), for the logs and the tenant page. */
    readonly remoteCode: string | undefined;

    constructor(
        code: CustomerCode,
        message: string,
        options: TenantSyncErrorOptions & { remoteCode?: string | undefined } = {},
    ) {
        super(code, message, options);
        this.remoteCode = options.remoteCode;
    }
}

type TransientCode =
    | typeof ErrorCode.consentPending
    | typeof ErrorCode.graphThrottled
    | typeof ErrorCode.graphUnavailable
    | typeof ErrorCode.graphPagingLoop
    | typeof ErrorCode.graphResponseInvalid
    | typeof ErrorCode.graphResyncRequired
    | typeof ErrorCode.tokenUnavailable
    | typeof ErrorCode.storageUnavailable
    | typeof ErrorCode.leaseLost;

/** A remote fault that may clear by itself; `retryAfterMs` is the earliest moment a retry makes sense, when known. */
export class TransientError extends TenantSyncError {
    override readonly name = 'TransientError';
    readonly category = ErrorCategory.transient;
    readonly retryAfterMs: number | undefined;
    readonly remoteCode: string | undefined;

    constructor(
        code: TransientCode,
        message: string,
        options: TenantSyncErrorOptions & { retryAfterMs?: number | undefined; remoteCode?: string | undefined } = {},
    ) {
        super(code, message, options);
        this.retryAfterMs = options.retryAfterMs;
        this.remoteCode = options.remoteCode;
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

type RequestCode =
    | typeof ErrorCode.invalidRequest
    | typeof ErrorCode.unauthorized
    | typeof ErrorCode.forbidden
    | typeof ErrorCode.notFound
    | typeof ErrorCode.conflict;

const STATUS_OF: Record<RequestCode, number> = {
    invalid_request: 400,
    unauthorized: 401,
    forbidden: 403,
    not_found: 404,
    conflict: 409,
};

/** An HTTP request that cannot be served as sent; `status` is the answer's status code. */
export class RequestError extends TenantSyncError {
    override readonly name: string = 'RequestError';
    readonly category = ErrorCategory.badInput;
    readonly status: number;
    /** A finer code for the client (e.g. `tenant_disconnected` with 409), when the request code is too coarse. */
    readonly detailCode: string | undefined;

    constructor(code: RequestCode, message: string, options: TenantSyncErrorOptions & { detailCode?: string } = {}) {
        super(code, message, options);
        this.status = STATUS_OF[code];
        this.detailCode = options.detailCode;
    }
}

/** A malformed HTTP request; maps to 400. */
export class InvalidRequestError extends RequestError {
    override readonly name = 'InvalidRequestError';

    constructor(message: string, options?: TenantSyncErrorOptions) {
        super(ErrorCode.invalidRequest, message, options);
    }
}

/** An invariant of our own code did not hold. */
export class InternalError extends TenantSyncError {
    override readonly name = 'InternalError';
    readonly category = ErrorCategory.internal;

    constructor(message: string, options?: TenantSyncErrorOptions) {
        super(ErrorCode.internal, `Internal error: ${message}`, options);
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
