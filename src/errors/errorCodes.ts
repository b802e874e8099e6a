/**
 * Stable error codes. Callers, logs and API clients branch on these strings, never on messages,
 * so a code is never renamed once shipped. Grouped by who can fix the failure.
 */
export const ErrorCategory = {
    /** Our deployment is misconfigured: the operator must fix settings or infrastructure. */
    configuration: 'configuration',
    /** Only the customer's tenant admin can fix it (consent revoked, app disabled, tenant gone). */
    customer: 'customer',
    /** A remote dependency failed in a way that may succeed later (throttling, 5xx, network). */
    transient: 'transient',
    /** The input itself is invalid (queue message, HTTP request); retrying the same input cannot help. */
    badInput: 'bad-input',
    /** A bug in our code: an invariant did not hold. */
    internal: 'internal',
} as const;
export type ErrorCategory = (typeof ErrorCategory)[keyof typeof ErrorCategory];

export const ErrorCode = {
    configInvalid: 'config_invalid',
    invalidMessage: 'invalid_message',
    invalidRequest: 'invalid_request',
    internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
