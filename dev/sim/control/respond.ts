import type { z } from 'zod';

import type { Handler, SimRequest, SimResponse } from '../core/http';
import { DirectoryConflictError, UserNotFoundError } from '../directory';

/** A control-API failure with its HTTP status; answered as `{"error":{"code","message"}}`. */
export class ControlError extends Error {
    override readonly name = 'ControlError';

    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

export const notFound = (message: string) => new ControlError(404, 'NotFound', message);
export const badInput = (message: string) => new ControlError(400, 'BadRequest', message);

export function reply(status: number, body: unknown): SimResponse {
    return { status, body, headers: { 'cache-control': 'no-store' } };
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

/** Maps domain errors to control-API answers so route handlers can just throw. */
export function guarded(handler: Handler): Handler {
    return async (request) => {
        try {
            return await handler(request);
        } catch (error) {
            if (error instanceof ControlError)
                return reply(error.status, { error: { code: error.code, message: error.message } });
            if (error instanceof UserNotFoundError)
                return reply(404, { error: { code: 'NotFound', message: error.message } });
            if (error instanceof DirectoryConflictError)
                return reply(409, { error: { code: 'Conflict', message: error.message } });
            if (error instanceof RangeError)
                return reply(400, { error: { code: 'BadRequest', message: error.message } });
            throw error;
        }
    };
}
