import { ControlError, errorReply } from '../core/controlReply';
import { BadJsonError, type Handler } from '../core/http';
import { DirectoryConflictError, UserNotFoundError } from '../directory';

export { badInput, bodyOf, ControlError, integerParam, notFound, reply } from '../core/controlReply';

/**
 * Maps failures to the control API's one error style, so route handlers just throw: ControlError as
 * itself, the directory's errors as 404/409, malformed JSON and RangeError as 400, anything else as 500.
 * Applied to every control route, the identity half's included.
 */
export function guarded(handler: Handler): Handler {
    return async (request) => {
        try {
            return await handler(request);
        } catch (error) {
            if (error instanceof ControlError) return errorReply(error.status, error.message);
            if (error instanceof UserNotFoundError) return errorReply(404, error.message);
            if (error instanceof DirectoryConflictError) return errorReply(409, error.message);
            if (error instanceof BadJsonError || error instanceof RangeError) return errorReply(400, error.message);
            console.error('[sim:control] handler failed:', error);
            return errorReply(500, error instanceof Error ? error.message : String(error));
        }
    };
}
