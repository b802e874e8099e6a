import type { RpcInvocationResponse } from '../../../../dev/host/core/coreTypes';
import { type InvocationTarget, Invoker } from '../../../../dev/host/invoke/invoker';
import { createConsoleLogger } from '../../../../dev/host/log/hostLogger';

/** A worker stand-in whose invocations finish when the test says so. */
function controllableTarget() {
    const restarted: string[] = [];
    let finish: ((response: RpcInvocationResponse) => void) | undefined;
    const target: InvocationTarget = {
        invoke: () =>
            Promise.resolve({ pid: 1, response: new Promise<RpcInvocationResponse>((resolve) => (finish = resolve)) }),
        restartWorkerWithInvocation: (id) => {
            restarted.push(id);
            return true;
        },
    };
    return { target, restarted, finish: (response: RpcInvocationResponse) => finish?.(response) };
}

describe('Invoker functionTimeout (fake clock)', () => {
    afterEach(() => jest.useRealTimers());
    const logger = createConsoleLogger({ out: () => undefined });
    const request = { functionName: 'sync', triggerBindingName: 't', data: {}, reason: 'test' };

    it('fails the invocation at the timeout and restarts its worker when it is still running after the grace period', async () => {
        jest.useFakeTimers();
        const { target, restarted } = controllableTarget();
        const invoker = new Invoker({ target, logger, writeOutputs: () => Promise.resolve(), functionTimeoutMs: 5000 });
        const result = invoker.invoke(request);
        await jest.advanceTimersByTimeAsync(5000);
        const outcome = await result;
        expect(outcome.ok).toBe(false);
        expect(!outcome.ok && outcome.error.message).toBe(
            'Timeout value of 00:00:05 was exceeded by function: Functions.sync',
        );
        expect(restarted).toEqual([]);
        await jest.advanceTimersByTimeAsync(2000);
        expect(restarted).toEqual([outcome.invocationId]);
    });

    it('leaves the worker alone when the timed-out invocation finishes within the grace period', async () => {
        jest.useFakeTimers();
        const { target, restarted, finish } = controllableTarget();
        const invoker = new Invoker({ target, logger, writeOutputs: () => Promise.resolve(), functionTimeoutMs: 5000 });
        const result = invoker.invoke(request);
        await jest.advanceTimersByTimeAsync(5000);
        expect((await result).ok).toBe(false);
        finish({});
        await jest.advanceTimersByTimeAsync(5000);
        expect(restarted).toEqual([]);
    });
});
