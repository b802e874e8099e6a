import { createHmac, timingSafeEqual } from 'node:crypto';

import { z } from 'zod';

/**
 * `$skiptoken` / `$deltatoken` values: opaque to clients, tamper-evident, self-contained (the
 * simulator keeps no per-client state). base64url(JSON) + '.' + truncated HMAC-SHA256.
 */

const common = {
    v: z.literal(1),
    /** Tenant the token was issued for. */
    t: z.string(),
    /** App the token was issued to. */
    a: z.string(),
    /** Simulator-clock ms when the sync state was created (for the 7-day lifetime). */
    at: z.number(),
};

export const listSkipToken = z.object({ ...common, k: z.literal('list'), p: z.number().int().nonnegative() });

const deltaQuery = {
    /** `$select`, encoded so that later calls need not repeat it. */
    s: z.array(z.string()).nullable(),
    /** `$filter` text (ids only), encoded likewise. */
    f: z.string().nullable(),
};

/** Within a round: the initial enumeration (`m: 'i'`, cursor = position) or the changes (`m: 'c'`, cursor = seq). */
export const deltaSkipToken = z.object({
    ...common,
    ...deltaQuery,
    k: z.literal('deltaPage'),
    m: z.enum(['i', 'c']),
    from: z.number().int().nonnegative(),
    to: z.number().int().nonnegative(),
    cur: z.number().int().nonnegative(),
    /** The highest change already delivered before this round (replays re-deliver only newer ones). */
    h: z.number().int().nonnegative().optional(),
});

/** End of a round: changes after `seq` are the next round; those up to `h` were delivered already (replays). */
export const deltaToken = z.object({
    ...common,
    ...deltaQuery,
    k: z.literal('delta'),
    seq: z.number().int().nonnegative(),
    h: z.number().int().nonnegative().optional(),
});

export type ListSkipToken = z.infer<typeof listSkipToken>;
export type DeltaSkipToken = z.infer<typeof deltaSkipToken>;
export type DeltaToken = z.infer<typeof deltaToken>;

export class StateTokens {
    constructor(private readonly key: string) {}

    seal(payload: ListSkipToken | DeltaSkipToken | DeltaToken): string {
        const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
        return `${body}.${this.sign(body)}`;
    }

    /** The payload when the token is intact and of the expected kind; undefined otherwise. */
    open<T>(token: string, schema: z.ZodType<T>): T | undefined {
        const [body, signature, ...rest] = token.split('.');
        if (body === undefined || signature === undefined || rest.length > 0) return undefined;
        const expected = Buffer.from(this.sign(body));
        const given = Buffer.from(signature);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
        try {
            const parsed = schema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
            return parsed.success ? parsed.data : undefined;
        } catch {
            return undefined;
        }
    }

    private sign(body: string): string {
        return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 27);
    }
}
