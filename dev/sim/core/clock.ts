/**
 * The simulator's notion of "now". Tests move it forward (POST /control/clock) to age tokens and
 * delta links without waiting; it never moves backwards.
 */
export class SimClock {
    private offsetMs = 0;

    now(): number {
        return Date.now() + this.offsetMs;
    }

    nowSeconds(): number {
        return Math.floor(this.now() / 1000);
    }

    advance(ms: number): void {
        if (!Number.isFinite(ms) || ms < 0)
            throw new RangeError('the clock only moves forward by a finite number of milliseconds');
        this.offsetMs += ms;
    }

    get offset(): number {
        return this.offsetMs;
    }

    /** Back to a saved offset (a restart): simulator time keeps running with the wall clock from where it was. */
    restoreOffset(offsetMs: number): void {
        if (!Number.isFinite(offsetMs)) throw new RangeError('the clock offset must be a finite number');
        this.offsetMs = offsetMs;
    }
}
