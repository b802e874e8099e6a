/**
 * Freezes wall-clock time for an in-process simulator: only `Date` is faked (timers, I/O and
 * `performance` stay real), so the simulator clock (`Date.now()` + its offset) moves only through
 * POST /control/clock. Throttling tests use it to make Retry-After values exact and independent of
 * how fast the machine runs the requests.
 */
export function freezeDate(): void {
    jest.useFakeTimers({
        doNotFake: [
            'hrtime',
            'nextTick',
            'performance',
            'queueMicrotask',
            'requestAnimationFrame',
            'cancelAnimationFrame',
            'requestIdleCallback',
            'cancelIdleCallback',
            'setImmediate',
            'clearImmediate',
            'setInterval',
            'clearInterval',
            'setTimeout',
            'clearTimeout',
        ],
    });
}

export function unfreezeDate(): void {
    jest.useRealTimers();
}
