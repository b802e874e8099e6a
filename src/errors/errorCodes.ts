/**
 * Stable error codes. Callers, logs, API clients and the tenant pages branch on these strings,
 * never on messages, so a code is never renamed once shipped. Grouped by who can fix the failure.
 */
export const ErrorCategory = {
    /** Our deployment or an operator must act: settings, infrastructure, the client secret, a blocked sync. */
    configuration: 'configuration',
    /** Only the customer's tenant admin can fix it (consent revoked, app disabled, tenant gone). */
    customer: 'customer',
    /** A remote dependency failed in a way that may succeed later (throttling, 5xx, network, consent not yet applied). */
    transient: 'transient',
    /** The input itself is invalid (queue message, HTTP request); retrying the same input cannot help. */
    badInput: 'bad-input',
    /** A bug in our code: an invariant did not hold. */
    internal: 'internal',
} as const;
export type ErrorCategory = (typeof ErrorCategory)[keyof typeof ErrorCategory];

export const ErrorCode = {
    // configuration (the operator)
    configInvalid: 'config_invalid',
    clientSecretInvalid: 'client_secret_invalid',
    secretUnavailable: 'secret_unavailable',
    massDeleteBlocked: 'mass_delete_blocked',
    // customer (the tenant's admin)
    consentRequired: 'consent_required',
    tenantNotFound: 'tenant_not_found',
    // transient
    consentPending: 'consent_pending',
    graphThrottled: 'graph_throttled',
    graphUnavailable: 'graph_unavailable',
    graphPagingLoop: 'graph_paging_loop',
    graphResponseInvalid: 'graph_response_invalid',
    graphResyncRequired: 'graph_resync_required',
    tokenUnavailable: 'token_unavailable',
    storageUnavailable: 'storage_unavailable',
    leaseLost: 'lease_lost',
    // bad input
    invalidMessage: 'invalid_message',
    invalidRequest: 'invalid_request',
    unauthorized: 'unauthorized',
    forbidden: 'forbidden',
    notFound: 'not_found',
    conflict: 'conflict',
    // internal
    internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
