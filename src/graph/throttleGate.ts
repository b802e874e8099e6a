/**
 * Graph's Retry-After, shared by every request this process sends: after a 429 for a tenant no
 * request for that tenant leaves before the time is up, and after an app-wide 429 no request for
 * any tenant does. (Written by hand: it is a map of deadlines, not a retry policy.)
 */
export interface ThrottleGate {
    /** Milliseconds until a request for `tenantId` may be sent (0 when it may go now). */
    waitFor(tenantId: string, now: number): number;
    /** Records a Retry-After deadline for the tenant, or for the whole app. */
    close(scope: { tenantId: string } | 'app', until: number): void;
}

export function createThrottleGate(): ThrottleGate {
    let appUntil = 0;
    const tenantUntil = new Map<string, number>();
    return {
        waitFor(tenantId, now) {
            const until = Math.max(appUntil, tenantUntil.get(tenantId) ?? 0);
            if (until <= now) tenantUntil.delete(tenantId);
            return Math.max(0, until - now);
        },
        close(scope, until) {
            if (scope === 'app') appUntil = Math.max(appUntil, until);
            else tenantUntil.set(scope.tenantId, Math.max(tenantUntil.get(scope.tenantId) ?? 0, until));
        },
    };
}

/**
 * Whether a 429 applies to the whole app: Graph names the limit that was hit in
 * `x-ms-throttle-scope: <Scope>/<Limit>/<AppId>/<TenantId>`; `Tenant_Application` is one tenant's
 * budget for our app, `Application` our app's budget over every tenant.
 * (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits)
 */
export function isAppWideScope(header: string | null): boolean {
    const scope = header?.split('/')[0]?.trim().toLowerCase();
    return scope === 'application';
}
