import type { SimClock } from '../core/clock';
import type { TenantSize } from '../core/contracts';

/**
 * Graph's published throttling model for identity resources: a token bucket of "resource units"
 * per app per tenant, refilled over a window (10 s) with a budget by tenant size, and a cost per
 * request. The per-app-across-tenants budget (150,000 RU / 20 s) is not modelled.
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

interface Bucket {
    units: number;
    updatedMs: number;
    /** Until when the last 429's Retry-After asked the client to wait. */
    retryNotBeforeMs: number;
    throttled: number;
    earlyRetries: number;
}

export class ResourceUnitLimiter {
    private readonly buckets = new Map<string, Bucket>();

    constructor(
        private readonly clock: SimClock,
        readonly settings: ThrottlingSettings,
    ) {}

    /** Charges a request; when the bucket lacks the units, the request is refused with a Retry-After. */
    charge(appId: string, tenantId: string, size: TenantSize, cost: number): ThrottleDecision {
        const now = this.clock.now();
        const bucket = this.bucket(appId, tenantId, size, now);
        const earlyRetry = now < bucket.retryNotBeforeMs;
        if (earlyRetry) bucket.earlyRetries++;
        if (!this.settings.enabled)
            return { allowed: true, cost, earlyRetry, headers: { 'x-ms-resource-unit': String(cost) } };
        const budget = this.settings.budgets[size];
        if (bucket.units >= cost) {
            bucket.units -= cost;
            const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost) };
            const used = (budget - bucket.units) / budget;
            // Graph adds this header once more than 80% of the budget is used.
            if (used > 0.8) headers['x-ms-throttle-limit-percentage'] = used.toFixed(2);
            return { allowed: true, cost, earlyRetry, headers };
        }
        const refillPerMs = budget / (this.settings.windowSeconds * 1000);
        const retryAfterSeconds = Math.max(1, Math.ceil((cost - bucket.units) / refillPerMs / 1000));
        bucket.retryNotBeforeMs = now + retryAfterSeconds * 1000;
        bucket.throttled++;
        return {
            allowed: false,
            cost,
            earlyRetry,
            retryAfterSeconds,
            headers: {
                'retry-after': String(retryAfterSeconds),
                'x-ms-throttle-scope': `Tenant_Application/ReadOnly/${appId}/${tenantId}`,
                'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
            },
        };
    }

    /** Records a Retry-After given by an injected 429/503 so early retries after it are flagged too. */
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

    describe(): Array<{ appId: string; tenantId: string; units: number; throttled: number; earlyRetries: number }> {
        return [...this.buckets.entries()].map(([key, b]) => {
            const [appId = '', tenantId = ''] = key.split('|');
            return {
                appId,
                tenantId,
                units: Math.floor(b.units),
                throttled: b.throttled,
                earlyRetries: b.earlyRetries,
            };
        });
    }

    private bucket(appId: string, tenantId: string, size: TenantSize, now: number): Bucket {
        const key = `${appId}|${tenantId}`;
        const budget = this.settings.budgets[size];
        let bucket = this.buckets.get(key);
        if (!bucket) {
            bucket = { units: budget, updatedMs: now, retryNotBeforeMs: 0, throttled: 0, earlyRetries: 0 };
            this.buckets.set(key, bucket);
        }
        const elapsed = Math.max(0, now - bucket.updatedMs);
        bucket.units = Math.min(budget, bucket.units + (elapsed * budget) / (this.settings.windowSeconds * 1000));
        bucket.updatedMs = now;
        return bucket;
    }
}
