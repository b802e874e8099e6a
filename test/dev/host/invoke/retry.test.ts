import { RandomizedExponentialBackoff } from '../../../../dev/host/invoke/backoff';
import type { InvocationRequest, InvocationResult } from '../../../../dev/host/invoke/invoker';
import { parseRetryPolicy, withRetries } from '../../../../dev/host/invoke/retry';
import { createConsoleLogger } from '../../../../dev/host/log/hostLogger';

describe('RandomizedExponentialBackoff', () => {
    it('waits the minimum first, then adds minimum × 2^(n-1) × a factor in [0.8, 1.2), capped at the maximum', () => {
        const middle = new RandomizedExponentialBackoff(100, 1000, () => 0.5);
        expect([1, 2, 3, 4, 5, 6].map(() => middle.nextDelay(false))).toEqual([100, 200, 300, 500, 900, 1000]);
        expect(middle.nextDelay(true)).toBe(100);
        const low = new RandomizedExponentialBackoff(100, 60_000, () => 0);
        expect([1, 2, 3].map(() => low.nextDelay(false))).toEqual([100, 180, 260]);
    });
});

describe('parseRetryPolicy', () => {
    it('reads what @azure/functions registers for retry', () => {
        const fixed = parseRetryPolicy(
            { strategy: 'fixedDelay', retryStrategy: 'fixedDelay', maxRetryCount: 2, delayInterval: { seconds: 5 } },
            'tick',
        );
        expect(fixed.maxRetryCount).toBe(2);
        const delay = fixed.delays();
        expect([delay(), delay()]).toEqual([5000, 5000]);
        const exponential = parseRetryPolicy(
            {
                retryStrategy: 'exponentialBackoff',
                maxRetryCount: -1,
                minimumInterval: { seconds: 1 },
                maximumInterval: { seconds: 4 },
            },
            'tick',
            () => 0.5,
        );
        const next = exponential.delays();
        expect([next(), next(), next(), next()]).toEqual([1000, 2000, 3000, 4000]);
    });

    it.each([
        [{ strategy: 'linear', maxRetryCount: 1 }, 'retry strategy must be "fixedDelay" or "exponentialBackoff"'],
        [{ strategy: 'fixedDelay', delayInterval: { seconds: 1 } }, 'retry.maxRetryCount must be an integer'],
        [{ strategy: 'fixedDelay', maxRetryCount: 1 }, 'retry.delayInterval must be a duration'],
        [
            {
                strategy: 'exponentialBackoff',
                maxRetryCount: 1,
                minimumInterval: { seconds: 5 },
                maximumInterval: { seconds: 1 },
            },
            'minimumInterval is greater than maximumInterval',
        ],
    ])('refuses %j', (options, message) => {
        expect(() => parseRetryPolicy(options, 'tick')).toThrow(message);
    });
});

describe('withRetries (fake clock)', () => {
    afterEach(() => jest.useRealTimers());
    const lines: string[] = [];
    const logger = createConsoleLogger({ out: (line) => lines.push(line) });
    const request: InvocationRequest = { functionName: 'tick', triggerBindingName: 't', data: {}, reason: 'timer' };

    function failingTimes(failures: number) {
        const seen: { at: number; retryContext: unknown }[] = [];
        const invoke = (r: InvocationRequest): Promise<InvocationResult> => {
            seen.push({ at: Date.now(), retryContext: r.retryContext });
            return Promise.resolve(
                seen.length <= failures
                    ? { ok: false, invocationId: `i${seen.length}`, error: new Error(`failure ${seen.length}`) }
                    : { ok: true, invocationId: `i${seen.length}`, response: {} },
            );
        };
        return { seen, invoke };
    }

    it('retries after each fixed delay with the attempt number and the last error, until it succeeds', async () => {
        jest.useFakeTimers({ now: 0 });
        const { seen, invoke } = failingTimes(2);
        const policy = parseRetryPolicy(
            { strategy: 'fixedDelay', maxRetryCount: 5, delayInterval: { seconds: 2 } },
            'tick',
        );
        const result = withRetries(invoke, policy, logger)(request);
        await jest.advanceTimersByTimeAsync(10_000);
        expect((await result).ok).toBe(true);
        expect(seen.map((s) => s.at)).toEqual([0, 2000, 4000]);
        expect(seen.map((s) => s.retryContext)).toEqual([
            { retryCount: 0, maxRetryCount: 5 },
            { retryCount: 1, maxRetryCount: 5, exception: expect.objectContaining({ message: 'failure 1' }) },
            { retryCount: 2, maxRetryCount: 5, exception: expect.objectContaining({ message: 'failure 2' }) },
        ]);
    });

    it('gives up after maxRetryCount retries and returns the last failure', async () => {
        jest.useFakeTimers({ now: 0 });
        const { seen, invoke } = failingTimes(10);
        const policy = parseRetryPolicy(
            { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: { seconds: 1 } },
            'tick',
        );
        const result = withRetries(invoke, policy, logger)(request);
        await jest.advanceTimersByTimeAsync(10_000);
        const final = await result;
        expect(final.ok).toBe(false);
        expect(seen).toHaveLength(3);
        expect(lines.join('\n')).toContain("Function execution failed after '2' retries.");
    });

    it('stops retrying when the host stops', async () => {
        jest.useFakeTimers({ now: 0 });
        const { seen, invoke } = failingTimes(10);
        const policy = parseRetryPolicy(
            { strategy: 'fixedDelay', maxRetryCount: -1, delayInterval: { seconds: 60 } },
            'tick',
        );
        const stopping = new AbortController();
        const result = withRetries(invoke, policy, logger, stopping.signal)(request);
        await jest.advanceTimersByTimeAsync(1000);
        stopping.abort();
        expect((await result).ok).toBe(false);
        expect(seen).toHaveLength(1);
    });
});
