import { RestError } from '@azure/core-rest-pipeline';

import { TransientError } from '../errors';

/** The HTTP status of an Azure SDK REST error (storage, Key Vault), or undefined for anything else. */
export function restStatus(error: unknown): number | undefined {
    return error instanceof RestError ? error.statusCode : undefined;
}

export const isNotFound = (error: unknown): boolean => restStatus(error) === 404;
/** An ETag condition failed: someone else wrote the row since we read it. */
export const isPreconditionFailed = (error: unknown): boolean => restStatus(error) === 412;
export const isConflict = (error: unknown): boolean => restStatus(error) === 409;

/** Wraps a storage failure that is not one of the expected answers as a transient fault. */
export function storageFault(operation: string, error: unknown): TransientError {
    const status = restStatus(error);
    return new TransientError(
        'storage_unavailable',
        `Table/queue storage failed during ${operation}${status === undefined ? '' : ` (HTTP ${status})`}`,
        { cause: error },
    );
}
