import type { SimClock } from '../core/clock';
import type { TenantSize } from '../core/contracts';

/**
 * Graph's published throttling model for identity resources (Microsoft Learn, "Microsoft Graph service-specific
 * throttling limits", identity and access): resource units per app and tenant per 10 s by tenant size (small
 * < 50 users 3,500, medium 50-500 5,000, large > 500 8,000), and per app across all tenants 150,000 per 20 s;
 * a cost per request. Each is modelled as a sliding window of the units charged. The write quotas are not
 * modelled (the simulator's Graph is read-only).
 */
export interface ThrottlingSettings {
    enabled: boolean;
    /** The app + tenant window. */
    windowSeconds: number;
    budgets: Record<TenantSize, number>;
    /** The app's budget over every tenant together. */
    appBudget: number;
    appWindowSeconds: number;
}

export const DEFAULT_THROTTLING: ThrottlingSettings = {
    enabled: true,
    windowSeconds: 10,
    budgets: { small: 3500, medium: 5000, large: 8000 },
    appBudget: 150_000,
    appWindowSeconds: 20,
};

export type RequestShape =
    { kind: 'list'; selected: boolean; top: number | undefined } | { kind: 'get'; selected: boolean };

/** Documented costs: a list of users 2 RU, other GETs 1; `$select` −1; `$top` < 20 −1; never below 1. */
export function resourceUnitCost(shape: RequestShape): number {
    let cost = shape.kind === 'list' ? 2 : 1;
    if (shape.selected) cost -= 1;
    if (shape.kind === 'list' && shape.top !== undefined && shape.top < 20) cost -= 1;
    return Math.max(1, cost);
}

export type ThrottleDecision =
    | { allowed: true; cost: number; earlyRetry: boolean; headers: Record<string, string> }
    | { allowed: false; cost: number; earlyRetry: boolean; retryAfterSeconds: number; headers: Record<string, string> };

/** Units charged at one simulator-clock millisecond (charges in the same ms are merged). */
interface Charge {
    atMs: number;
    units: number;
}

/** Retry-After in whole seconds (rounded up, at least 1) for a wait in ms. */
function wholeSeconds(ms: number): number {
    return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * One budget's sliding window of charged units (an app and tenant, or an app over all tenants), with the
 * Retry-After hold of its last refusal.
 */
class ChargeWindow {
    /** Charges still inside the sliding window, oldest first, from `head` on. */
    private charges: Charge[] = [];
    private head = 0;
    /** Sum of the charges inside the window. */
    used = 0;
    /** Until when the last throttle's Retry-After holds: every request before it is refused. */
    holdUntilMs = 0;
    /** Until when the last Retry-After (a throttle or an injected 429/503) asked the client to wait. */
    retryNotBeforeMs = 0;
    throttled = 0;
    earlyRetries = 0;

    /** Whether a request of `cost` fits now. An empty window admits any request (a budget below one cost cannot lock out). */
    fits(now: number, cost: number, budget: number): boolean {
        return now >= this.holdUntilMs && (this.used + cost <= budget || this.used === 0);
    }

    record(now: number, units: number): void {
        const last = this.charges.at(-1);
        if (last !== undefined && this.charges.length > this.head && last.atMs === now) last.units += units;
        else this.charges.push({ atMs: now, units });
        this.used += units;
    }

    /**
     * After a refusal: hold until a request of `cost` fits again, i.e. until enough of the oldest charges (the
     * refused one included) have left the window. Whole seconds from the refusal that sets it, so a client that
     * waits exactly Retry-After is served. Returns the Retry-After.
     */
    refuse(now: number, cost: number, budget: number, windowMs: number): number {
        this.throttled++;
        const room = now + this.waitForRoom(now, this.used + cost - budget, windowMs);
        if (room > this.holdUntilMs) this.holdUntilMs = now + wholeSeconds(room - now) * 1000;
        this.retryNotBeforeMs = Math.max(this.retryNotBeforeMs, this.holdUntilMs);
        return wholeSeconds(this.holdUntilMs - now);
    }

    /** Drops the charges that have left the window (charged at or before now - window). */
    prune(now: number, windowMs: number): void {
        const oldest = now - windowMs;
        while (this.head < this.charges.length && (this.charges[this.head] as Charge).atMs <= oldest) {
            this.used -= (this.charges[this.head] as Charge).units;
            this.head++;
        }
        if (this.head === this.charges.length) {
            this.charges = [];
            this.head = 0;
            this.used = 0;
        } else if (this.head > 1024 && this.head * 2 > this.charges.length) {
            this.charges = this.charges.slice(this.head);
            this.head = 0;
        }
    }

    /** Milliseconds until the oldest charges that add up to `units` have left the window. */
    private waitForRoom(now: number, units: number, windowMs: number): number {
        let released = 0;
        for (let i = this.head; i < this.charges.length; i++) {
            const charge = this.charges[i] as Charge;
            released += charge.units;
            if (released >= units) return charge.atMs + windowMs - now;
        }
        return windowMs;
    }
}

/**
 * Resource units over sliding windows, per app and tenant (sized by the tenant) and per app over all tenants,
 * with Graph's Retry-After contract:
 * - every request is charged its cost in both windows, served or refused: "all requests accrue against your
 *   usage limits" and "Microsoft Graph continues to log resource usage while a client is being throttled"
 *   (Microsoft Learn, "Microsoft Graph throttling guidance");
 * - a request is served when it fits both budgets and no earlier Retry-After of either still holds;
 * - otherwise it is answered 429 with Retry-After = the time until enough of the oldest charges (this one
 *   included) have left the window for a request like it to fit (whole seconds, rounded up, at least 1), and
 *   `x-ms-throttle-scope` naming the budget: `Tenant_Application/…` refuses that app for that tenant until then,
 *   `Application/…` that app for every tenant. A request sent before then is an early retry, and its charge
 *   can push the wait further out.
 */
export class ResourceUnitLimiter {
    private readonly buckets = new Map<string, ChargeWindow & { size: TenantSize }>();
    private readonly appBuckets = new Map<string, ChargeWindow>();

    constructor(
        private readonly clock: SimClock,
        readonly settings: ThrottlingSettings,
    ) {}

    /** Charges a request; when a window lacks the units, the request is refused with a Retry-After. */
    charge(appId: string, tenantId: string, size: TenantSize, cost: number): ThrottleDecision {
        const now = this.clock.now();
        const tenant = this.tenantWindow(appId, tenantId, size, now);
        const app = this.appWindow(appId, now);
        const earlyRetry = now < tenant.retryNotBeforeMs || now < app.retryNotBeforeMs;
        if (earlyRetry) tenant.earlyRetries++;
        if (!this.settings.enabled)
            return { allowed: true, cost, earlyRetry, headers: { 'x-ms-resource-unit': String(cost) } };
        const budget = this.settings.budgets[size];
        const appBudget = this.settings.appBudget;
        const tenantFits = tenant.fits(now, cost, budget);
        const appFits = app.fits(now, cost, appBudget);
        tenant.record(now, cost);
        app.record(now, cost);
        if (tenantFits && appFits) {
            const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost) };
            const used = Math.max(tenant.used / budget, app.used / appBudget);
            // Graph adds this header once more than 80% of the budget is used.
            if (used > 0.8) headers['x-ms-throttle-limit-percentage'] = used.toFixed(2);
            return { allowed: true, cost, earlyRetry, headers };
        }
        const tenantWait = tenantFits ? 0 : tenant.refuse(now, cost, budget, this.settings.windowSeconds * 1000);
        const appWait = appFits ? 0 : app.refuse(now, cost, appBudget, this.settings.appWindowSeconds * 1000);
        // The budget that keeps the app waiting longest is the one named.
        const scope = appWait > tenantWait ? 'Application' : 'Tenant_Application';
        const retryAfterSeconds = Math.max(tenantWait, appWait);
        return {
            allowed: false,
            cost,
            earlyRetry,
            retryAfterSeconds,
            headers: {
                'retry-after': String(retryAfterSeconds),
                // `<Scope>/<Limit>/<ApplicationId>/<TenantId>` (Microsoft Learn, "Microsoft Graph service-specific
                // throttling limits", identity and access): the resource unit quotas count every request, so
                // their limit is ReadWrite (Write is the separate write quota).
                'x-ms-throttle-scope': `${scope}/ReadWrite/${appId}/${tenantId}`,
                'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
            },
        };
    }

    /**
     * Records a Retry-After given by an injected 429/503 so that requests before it elapsed are
     * flagged as early retries. It does not hold them: the fault rule decides which requests fail.
     */
    noteRetryAfter(appId: string, tenantId: string, size: TenantSize, seconds: number): void {
        const now = this.clock.now();
        const bucket = this.tenantWindow(appId, tenantId, size, now);
        bucket.retryNotBeforeMs = Math.max(bucket.retryNotBeforeMs, now + seconds * 1000);
    }

    /** Whether this request comes before an earlier Retry-After elapsed (without charging it). */
    isEarly(appId: string, tenantId: string): boolean {
        const now = this.clock.now();
        const tenant = this.buckets.get(`${appId}|${tenantId}`);
        const app = this.appBuckets.get(appId);
        return (
            (tenant !== undefined && now < tenant.retryNotBeforeMs) || (app !== undefined && now < app.retryNotBeforeMs)
        );
    }

    reset(): void {
        this.buckets.clear();
        this.appBuckets.clear();
    }

    /**
     * Per app and tenant: units left in the current window, 429s answered, early retries, and until
     * when a throttle holds (ISO time, null when none).
     */
    describe(): Array<{
        appId: string;
        tenantId: string;
        units: number;
        throttled: number;
        earlyRetries: number;
        throttledUntil: string | null;
    }> {
        const now = this.clock.now();
        return [...this.buckets.entries()].map(([key, b]) => {
            const [appId = '', tenantId = ''] = key.split('|');
            b.prune(now, this.settings.windowSeconds * 1000);
            return {
                appId,
                tenantId,
                units: Math.max(0, Math.floor(this.settings.budgets[b.size] - b.used)),
                throttled: b.throttled,
                earlyRetries: b.earlyRetries,
                throttledUntil: now < b.holdUntilMs ? new Date(b.holdUntilMs).toISOString() : null,
            };
        });
    }

    /** Per app over all tenants: units left, 429s answered by this budget, until when it holds. */
    describeApps(): Array<{ appId: string; units: number; throttled: number; throttledUntil: string | null }> {
        const now = this.clock.now();
        return [...this.appBuckets.entries()].map(([appId, b]) => {
            b.prune(now, this.settings.appWindowSeconds * 1000);
            return {
                appId,
                units: Math.max(0, Math.floor(this.settings.appBudget - b.used)),
                throttled: b.throttled,
                throttledUntil: now < b.holdUntilMs ? new Date(b.holdUntilMs).toISOString() : null,
            };
        });
    }

    private tenantWindow(appId: string, tenantId: string, size: TenantSize, now: number) {
        const key = `${appId}|${tenantId}`;
        let bucket = this.buckets.get(key);
        if (!bucket) {
            bucket = Object.assign(new ChargeWindow(), { size });
            this.buckets.set(key, bucket);
        }
        bucket.size = size;
        bucket.prune(now, this.settings.windowSeconds * 1000);
        return bucket;
    }

    private appWindow(appId: string, now: number): ChargeWindow {
        let bucket = this.appBuckets.get(appId);
        if (!bucket) {
            bucket = new ChargeWindow();
            this.appBuckets.set(appId, bucket);
        }
        bucket.prune(now, this.settings.appWindowSeconds * 1000);
        return bucket;
    }
}
