import { HostError } from '../errors';
import type { HostLogger } from '../log/hostLogger';
import { RandomizedExponentialBackoff } from './backoff';
import type { InvocationRequest, InvocationResult } from './invoker';

/** A function's `retry` option as the host applies it. `maxRetryCount` -1 retries indefinitely. */
export interface RetryPolicy {
    strategy: 'fixedDelay' | 'exponentialBackoff';
    maxRetryCount: number;
    /** Delays of one execution's retries, in order (a fresh sequence per execution). */
    delays(): () => number;
}

type Invoke = (request: InvocationRequest) => Promise<InvocationResult>;

function durationMs(value: unknown, what: string, functionName: string): number {
    // @azure/functions sends durations as RpcDuration ({ seconds, nanos }).
    const { seconds, nanos } = (value ?? {}) as { seconds?: unknown; nanos?: unknown };
    if (typeof seconds !== 'number' || seconds < 0) {
        throw new HostError(`Function "${functionName}": retry.${what} must be a duration`);
    }
    return seconds * 1000 + (typeof nanos === 'number' ? nanos / 1e6 : 0);
}

/**
 * Reads a registration's retryOptions (what @azure/functions sends for `retry`) into a policy, as the host
 * turns them into FixedDelayRetry / ExponentialBackoffRetry attributes. Invalid options fail indexing.
 */
export function parseRetryPolicy(
    retryOptions: unknown,
    functionName: string,
    random: () => number = Math.random,
): RetryPolicy {
    const options = (retryOptions ?? {}) as Record<string, unknown>;
    const strategy = options.retryStrategy ?? options.strategy;
    const maxRetryCount = options.maxRetryCount;
    if (typeof maxRetryCount !== 'number' || !Number.isInteger(maxRetryCount) || maxRetryCount < -1) {
        throw new HostError(`Function "${functionName}": retry.maxRetryCount must be an integer of -1 or more`);
    }
    if (strategy === 'fixedDelay') {
        const delay = durationMs(options.delayInterval, 'delayInterval', functionName);
        return { strategy, maxRetryCount, delays: () => () => delay };
    }
    if (strategy === 'exponentialBackoff') {
        const minimum = durationMs(options.minimumInterval, 'minimumInterval', functionName);
        const maximum = durationMs(options.maximumInterval, 'maximumInterval', functionName);
        if (maximum < minimum) {
            throw new HostError(`Function "${functionName}": retry.minimumInterval is greater than maximumInterval`);
        }
        return {
            strategy,
            maxRetryCount,
            delays: () => {
                const backoff = new RandomizedExponentialBackoff(minimum, maximum, random);
                return () => backoff.nextDelay(false);
            },
        };
    }
    throw new HostError(
        `Function "${functionName}": retry strategy must be "fixedDelay" or "exponentialBackoff", got ${JSON.stringify(strategy)}`,
    );
}

/** Waits `ms`; false if `signal` aborted first. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
        if (signal?.aborted) {
            resolve(false);
            return;
        }
        const onAbort = () => {
            clearTimeout(timer);
            resolve(false);
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve(true);
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}

function formatDelay(ms: number): string {
    const total = Math.round(ms);
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    const seconds = Math.floor(total / 1000);
    const fraction = total % 1000 === 0 ? '' : `.${pad(total % 1000, 3)}`;
    return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}${fraction}`;
}

/**
 * Re-runs a failed execution as the WebJobs SDK's FunctionExecutor does (azure-webjobs-sdk,
 * FunctionExecutorExtensions.TryExecuteAsync + Utility.WaitForNextExecutionAttempt): after each failure it
 * waits the policy's next delay and tries again, up to maxRetryCount retries, passing the attempt number
 * and the last error as `context.retryContext`. Stops retrying once `signal` aborts (the host is stopping).
 */
export function withRetries(invoke: Invoke, policy: RetryPolicy, logger: HostLogger, signal?: AbortSignal): Invoke {
    return async (request) => {
        const nextDelay = policy.delays();
        let retryCount = 0;
        let previous: Error | undefined;
        for (;;) {
            const result = await invoke({
                ...request,
                retryContext: {
                    retryCount,
                    maxRetryCount: policy.maxRetryCount,
                    ...(previous === undefined
                        ? {}
                        : { exception: { message: previous.message, stackTrace: previous.stack ?? '' } }),
                },
            });
            if (result.ok || signal?.aborted) return result;
            if (policy.maxRetryCount !== -1 && retryCount >= policy.maxRetryCount) {
                if (policy.maxRetryCount > 0) {
                    logger.write({
                        functionName: request.functionName,
                        level: 'error',
                        message: `Function execution failed after '${retryCount}' retries.`,
                    });
                }
                return result;
            }
            previous = result.error;
            retryCount++;
            const delay = nextDelay();
            logger.write({
                functionName: request.functionName,
                level: 'information',
                message: `Waiting for \`${formatDelay(delay)}\` before retrying function execution. Next attempt: '${retryCount}'. Max retry count: '${policy.maxRetryCount}'.`,
            });
            if (!(await wait(delay, signal))) return result;
        }
    };
}
