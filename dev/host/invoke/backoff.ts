/**
 * The WebJobs SDK's RandomizedExponentialBackoffStrategy (azure-sdk-for-net,
 * Microsoft.Azure.WebJobs.Extensions.Storage.Common Timers/RandomizedExponentialBackoffStrategy.cs), which
 * the host uses for a queue listener's polling back-off and for `exponentialBackoff` retry policies.
 * Written by hand because the delays must be the host's: the first failure waits the minimum, each
 * later one adds minimum × 2^(n-1) × a random factor in [0.8, 1.2), capped at the maximum; a success
 * goes back to the minimum. Retry libraries use other formulas.
 */
export class RandomizedExponentialBackoff {
    static readonly RANDOMIZATION_FACTOR = 0.2;

    readonly #minimumMs: number;
    readonly #maximumMs: number;
    readonly #random: () => number;
    #currentMs = 0;
    #exponent = 0;

    constructor(minimumMs: number, maximumMs: number, random: () => number = Math.random) {
        if (minimumMs < 0 || maximumMs < minimumMs) {
            throw new RangeError(`invalid back-off bounds ${minimumMs}..${maximumMs} ms`);
        }
        this.#minimumMs = minimumMs;
        this.#maximumMs = maximumMs;
        this.#random = random;
    }

    nextDelay(succeeded: boolean): number {
        if (succeeded) {
            this.#currentMs = this.#minimumMs;
            this.#exponent = 1;
        } else if (this.#currentMs !== this.#maximumMs) {
            let delay = this.#minimumMs;
            if (this.#exponent > 0) {
                const factor = 1 + RandomizedExponentialBackoff.RANDOMIZATION_FACTOR * (2 * this.#random() - 1);
                delay += factor * 2 ** (this.#exponent - 1) * this.#minimumMs;
            }
            if (delay < this.#maximumMs) {
                this.#currentMs = delay;
                this.#exponent++;
            } else {
                this.#currentMs = this.#maximumMs;
            }
        }
        return this.#currentMs;
    }
}
