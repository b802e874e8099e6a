/**
 * The control API's one answer style, shared by every part that contributes control routes: JSON,
 * `cache-control: no-store`, and errors as `{"error":{"code","message"}}` with one of CONTROL_ERROR_CODES.
 */
import type { z } from 'zod';

import type { SimRequest, SimResponse } from './http';

/** Every error code the control API answers with, by status. */
export const CONTROL_ERROR_CODES = {
    400: 'BadRequest',
    404: 'NotFound',
    409: 'Conflict',
    500: 'InternalError',
} as const;
export type ControlStatus = keyof typeof CONTROL_ERROR_CODES;

/** A control-API failure: route handlers throw it, the control service answers it. */
export class ControlError extends Error {
    override readonly name = 'ControlError';

    constructor(
        readonly status: ControlStatus,
        message: string,
    ) {
        super(message);
    }

    get code(): string {
        return CONTROL_ERROR_CODES[this.status];
    }
}

export const badInput = (message: string) => new ControlError(400, message);
export const notFound = (message: string) => new ControlError(404, message);
export const conflict = (message: string) => new ControlError(409, message);

export function reply(status: number, body: unknown): SimResponse {
    return { status, body, headers: { 'cache-control': 'no-store' } };
}

export function errorReply(status: ControlStatus, message: string): SimResponse {
    return reply(status, { error: { code: CONTROL_ERROR_CODES[status], message } });
}

/** The request body validated by `schema`; a 400 naming every problem otherwise. */
export function bodyOf<T>(request: SimRequest, schema: z.ZodType<T>): T {
    const parsed = schema.safeParse(request.json());
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((issue) => {
        const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
        return `${where}: ${issue.message}`;
    });
    throw badInput(`Invalid request body: ${problems.join('; ')}`);
}

/** A non-negative integer query parameter, or `fallback` when absent. */
export function integerParam(request: SimRequest, name: string, fallback: number): number {
    const raw = request.url.searchParams.get(name);
    if (raw === null || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw badInput(`Query parameter ${name} must be a non-negative integer, got "${raw}"`);
    return Number(raw);
}
