import { setTimeout as delay } from 'node:timers/promises';

/** Time, behind an interface so tests can run a sync's waits and lease expiries deterministically. */
export interface Clock {
    now(): number;
    /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
    sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: async (ms, signal) => {
        await delay(Math.max(0, ms), undefined, signal === undefined ? undefined : { signal });
    },
};
