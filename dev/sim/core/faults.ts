import { z } from 'zod';

import type { ServiceName } from './http';
import { seededRandom } from './ids';

/** Faults that spoil the body of the normal answer. */
const BODY_FAULTS = ['truncateBody', 'malformedJson', 'repeatNextLink', 'stallBodyMs'] as const;

/** Body of POST /control/faults. */
export const faultRuleInput = z
    .object({
        service: z.enum(['login', 'graph', 'vault', 'msi']),
        /** Matches when the request path starts with this prefix (case-insensitive), e.g. `/v1.0/users/delta`. */
        path: z.string().startsWith('/').optional(),
        /** Matches when the request's tenant (path segment or token `tid`) equals this id or domain. */
        tenant: z.string().min(1).optional(),
        /** HTTP status to answer with. Omit together with `reset` for a latency-only rule. */
        status: z.number().int().min(100).max(599).optional(),
        /** How many matching requests the rule applies to; omitted = until removed. */
        count: z.number().int().positive().optional(),
        /** Probability (0..1) that a matching request is affected; drawn from the seeded generator. */
        rate: z.number().min(0).max(1).optional(),
        /** Seconds put in the Retry-After header of the fault response. */
        retryAfter: z.number().nonnegative().optional(),
        /** Delay before answering (or before handling normally, for a latency-only rule). */
        latencyMs: z.number().int().nonnegative().max(120_000).optional(),
        /** Drop the connection without an answer (ECONNRESET on the client). */
        reset: z.boolean().optional(),
        /** The normal answer's body is cut off halfway: Content-Length of the whole, then the connection closes. */
        truncateBody: z.literal(true).optional(),
        /** The normal answer's body is half of its JSON followed by bytes no parser accepts. */
        malformedJson: z.literal(true).optional(),
        /** The normal answer's `@odata.nextLink` leads back to this page (a page already served). */
        repeatNextLink: z.literal(true).optional(),
        /** The normal answer's headers and first half of the body come at once, the rest after this long. */
        stallBodyMs: z.number().int().positive().max(120_000).optional(),
    })
    .strict()
    .refine(
        (r) =>
            r.status !== undefined ||
            r.reset === true ||
            r.latencyMs !== undefined ||
            BODY_FAULTS.some((name) => r[name] !== undefined),
        { message: `a fault needs at least one of status, reset, latencyMs, ${BODY_FAULTS.join(', ')}` },
    )
    .refine((r) => (r.status === undefined && r.reset !== true) || BODY_FAULTS.every((name) => r[name] === undefined), {
        message: `${BODY_FAULTS.join(', ')} spoil the normal answer: they cannot be combined with status or reset`,
    });
export type FaultRuleInput = z.infer<typeof faultRuleInput>;

export interface FaultRule extends FaultRuleInput {
    id: number;
    /** Requests this rule has affected so far. */
    hits: number;
}

export interface FaultTarget {
    service: ServiceName;
    path: string;
    tenant: string | undefined;
}

/** Fault rules injected through the control API; consulted for every request on the service ports. */
export class FaultRegistry {
    private rules: FaultRule[] = [];
    private nextId = 1;
    private readonly random: () => number;

    constructor(seed: string) {
        this.random = seededRandom(`${seed}/faults`);
    }

    add(input: FaultRuleInput): FaultRule {
        const rule: FaultRule = { ...input, id: this.nextId++, hits: 0 };
        this.rules.push(rule);
        return rule;
    }

    clear(): void {
        this.rules = [];
    }

    /** Removes one rule; false when no rule has that id (already used up or never added). */
    remove(id: number): boolean {
        const before = this.rules.length;
        this.rules = this.rules.filter((r) => r.id !== id);
        return this.rules.length < before;
    }

    list(): FaultRule[] {
        return this.rules.map((r) => ({ ...r }));
    }

    /** The first rule that applies to this request, consuming one of its `count`; undefined when none. */
    take(target: FaultTarget): FaultRule | undefined {
        for (const rule of this.rules) {
            if (rule.service !== target.service) continue;
            if (rule.path !== undefined && !target.path.toLowerCase().startsWith(rule.path.toLowerCase())) continue;
            if (rule.tenant !== undefined && rule.tenant.toLowerCase() !== target.tenant?.toLowerCase()) continue;
            if (rule.rate !== undefined && this.random() >= rule.rate) continue;
            rule.hits++;
            if (rule.count !== undefined && rule.hits >= rule.count) this.rules = this.rules.filter((r) => r !== rule);
            return { ...rule };
        }
        return undefined;
    }
}
