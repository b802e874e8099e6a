import type { SimClock } from '../core/clock';
import type { TenantSize } from '../core/contracts';

/**
 * Graph's published throttling model for identity resources: a budget of "resource units" per app
 * per tenant per window (10 s), by tenant size (protocols §2.4: small < 50 users 3,500, medium
 * 50-500 5,000, large > 500 8,000), and a cost per request. Modelled as a sliding window of the
 * units charged. The per-app-across-tenants budget (150,000 RU / 20 s) and the write budget are not
 * modelled.
 */
export interface ThrottlingSettings {
    enabled: boolean;
    windowSeconds: number;
    budgets: Record<TenantSize, number>;
}

export const DEFAULT_THROTTLING: ThrottlingSettings = {
    enabled: true,
    windowSeconds: 10,
    budgets: { small: 3500, medium: 5000, large: 8000 },
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

interface Bucket {
    size: TenantSize;
    /** Charges still inside the sliding window, oldest first, from `head` on. */
    charges: Charge[];
    head: number;
    /** Sum of the charges inside the window. */
    used: number;
    /** Until when the last throttle's Retry-After holds: every request before it is answered 429. */
    holdUntilMs: number;
    /** Until when the last Retry-After (a throttle or an injected 429/503) asked the client to wait. */
    retryNotBeforeMs: number;
    throttled: number;
    earlyRetries: number;
}

/** Retry-After in whole seconds (rounded up, at least 1) for a wait in ms. */
function wholeSeconds(ms: number): number {
    return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Resource units per app and tenant over a sliding window (default 10 s) of charged units, with
 * Graph's Retry-After contract:
 * - every request is charged its cost, served or refused: "all requests accrue against your usage
 *   limits" and "Microsoft Graph continues to log resource usage while a client is being throttled"
 *   (Microsoft Learn, "Microsoft Graph throttling guidance");
 * - a request is served when the units charged in the last window plus its cost fit the budget of
 *   the tenant's size, and no earlier Retry-After still holds;
 * - otherwise it is answered 429 with Retry-After = the time until enough of the oldest charges
 *   (this one included) have left the window for a request like it to fit (whole seconds, rounded
 *   up, at least 1), and every request of that app for that tenant is refused until then; a request
 *   sent before then is an early retry, and its charge can push the wait further out.
 */
export class ResourceUnitLimiter {
    private readonly buckets = new Map<string, Bucket>();

    constructor(
        private readonly clock: SimClock,
        readonly settings: ThrottlingSettings,
    ) {}

    /** Charges a request; when the window lacks the units, the request is refused with a Retry-After. */
    charge(appId: string, tenantId: string, size: TenantSize, cost: number): ThrottleDecision {
        const now = this.clock.now();
        const bucket = this.bucket(appId, tenantId, size, now);
        const earlyRetry = now < bucket.retryNotBeforeMs;
        if (earlyRetry) bucket.earlyRetries++;
        if (!this.settings.enabled)
            return { allowed: true, cost, earlyRetry, headers: { 'x-ms-resource-unit': String(cost) } };
        const budget = this.settings.budgets[size];
        // An empty window admits any request, so that a budget below one request's cost cannot lock an app out.
        const fits = now >= bucket.holdUntilMs && (bucket.used + cost <= budget || bucket.used === 0);
        this.record(bucket, now, cost);
        if (fits) {
            const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost) };
            const used = bucket.used / budget;
            // Graph adds this header once more than 80% of the budget is used.
            if (used > 0.8) headers['x-ms-throttle-limit-percentage'] = used.toFixed(2);
            return { allowed: true, cost, earlyRetry, headers };
        }
        // Room for a request like this one once enough of the oldest charges, this one included, have left.
        const room = now + this.waitForRoom(bucket, now, bucket.used + cost - budget);
        // Whole seconds from the 429 that sets it, so a client that waits exactly Retry-After is served.
        if (room > bucket.holdUntilMs) bucket.holdUntilMs = now + wholeSeconds(room - now) * 1000;
        bucket.retryNotBeforeMs = Math.max(bucket.retryNotBeforeMs, bucket.holdUntilMs);
        return this.refuse(appId, tenantId, bucket, cost, earlyRetry, wholeSeconds(bucket.holdUntilMs - now));
    }

    /**
     * Records a Retry-After given by an injected 429/503 so that requests before it elapsed are
     * flagged as early retries. It does not hold them: the fault rule decides which requests fail.
     */
    noteRetryAfter(appId: string, tenantId: string, size: TenantSize, seconds: number): void {
        const now = this.clock.now();
        const bucket = this.bucket(appId, tenantId, size, now);
        bucket.retryNotBeforeMs = Math.max(bucket.retryNotBeforeMs, now + seconds * 1000);
    }

    /** Whether this request comes before an earlier Retry-After elapsed (without charging it). */
    isEarly(appId: string, tenantId: string): boolean {
        const bucket = this.buckets.get(`${appId}|${tenantId}`);
        return bucket !== undefined && this.clock.now() < bucket.retryNotBeforeMs;
    }

    reset(): void {
        this.buckets.clear();
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
            this.prune(b, now);
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

    private refuse(
        appId: string,
        tenantId: string,
        bucket: Bucket,
        cost: number,
        earlyRetry: boolean,
        retryAfterSeconds: number,
    ): ThrottleDecision {
        bucket.throttled++;
        return {
            allowed: false,
            cost,
            earlyRetry,
            retryAfterSeconds,
            headers: {
                'retry-after': String(retryAfterSeconds),
                // `<Scope>/<Limit>/<ApplicationId>/<TenantId>` (Microsoft Learn, "Microsoft Graph service-specific
                // throttling limits", identity and access): the resource unit quota counts every request of the
                // app for the tenant, so its limit is ReadWrite (Write is the separate write quota).
                'x-ms-throttle-scope': `Tenant_Application/ReadWrite/${appId}/${tenantId}`,
                'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
            },
        };
    }

    /** Milliseconds until the oldest charges that add up to `units` have left the window. */
    private waitForRoom(bucket: Bucket, now: number, units: number): number {
        const windowMs = this.settings.windowSeconds * 1000;
        let released = 0;
        for (let i = bucket.head; i < bucket.charges.length; i++) {
            const charge = bucket.charges[i] as Charge;
            released += charge.units;
            if (released >= units) return charge.atMs + windowMs - now;
        }
        return windowMs;
    }

    private record(bucket: Bucket, now: number, units: number): void {
        const last = bucket.charges.at(-1);
        if (last !== undefined && bucket.charges.length > bucket.head && last.atMs === now) last.units += units;
        else bucket.charges.push({ atMs: now, units });
        bucket.used += units;
    }

    /** Drops the charges that have left the window (charged at or before now - window). */
    private prune(bucket: Bucket, now: number): void {
        const oldest = now - this.settings.windowSeconds * 1000;
        while (bucket.head < bucket.charges.length && (bucket.charges[bucket.head] as Charge).atMs <= oldest) {
            bucket.used -= (bucket.charges[bucket.head] as Charge).units;
            bucket.head++;
        }
        if (bucket.head === bucket.charges.length) {
            bucket.charges = [];
            bucket.head = 0;
            bucket.used = 0;
        } else if (bucket.head > 1024 && bucket.head * 2 > bucket.charges.length) {
            bucket.charges = bucket.charges.slice(bucket.head);
            bucket.head = 0;
        }
    }

    private bucket(appId: string, tenantId: string, size: TenantSize, now: number): Bucket {
        const key = `${appId}|${tenantId}`;
        let bucket = this.buckets.get(key);
        if (!bucket) {
            bucket = {
                size,
                charges: [],
                head: 0,
                used: 0,
                holdUntilMs: 0,
                retryNotBeforeMs: 0,
                throttled: 0,
                earlyRetries: 0,
            };
            this.buckets.set(key, bucket);
        }
        bucket.size = size;
        this.prune(bucket, now);
        return bucket;
    }
}
