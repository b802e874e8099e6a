import { createHash } from 'node:crypto';

/**
 * Deterministic identifiers: the same seed always yields the same world, so a failing test or a
 * demo can be reproduced exactly. Each namespace gets its own sequence, so adding ids in one part
 * of the world does not shift the ids of another.
 */
export class IdFactory {
    private readonly counts = new Map<string, number>();

    constructor(private readonly seed: string) {}

    /** Next GUID (RFC 4122 v4 layout) in `namespace`. */
    guid(namespace: string): string {
        const n = (this.counts.get(namespace) ?? 0) + 1;
        this.counts.set(namespace, n);
        return guidFrom(`${this.seed}/${namespace}/${n}`);
    }

    /** How far each namespace has counted (saved with the simulator's state). */
    counters(): Record<string, number> {
        return Object.fromEntries(this.counts);
    }

    /** Continues from saved counts, so ids made after a restart never repeat earlier ones. */
    restoreCounters(saved: Record<string, number>): void {
        for (const [namespace, n] of Object.entries(saved))
            this.counts.set(namespace, Math.max(n, this.counts.get(namespace) ?? 0));
    }

    /** A stable GUID for a fixed name, independent of call order. */
    named(name: string): string {
        return guidFrom(`${this.seed}/named/${name}`);
    }

    /** A random-looking but reproducible string of url-safe characters. */
    secret(name: string, length = 40): string {
        let out = '';
        for (let i = 0; out.length < length; i++) {
            out += createHash('sha256').update(`${this.seed}/secret/${name}/${i}`).digest('base64url');
        }
        return out.slice(0, length);
    }

    /** A reproducible pseudo-random number generator for data generation. */
    random(namespace: string): () => number {
        return seededRandom(`${this.seed}/random/${namespace}`);
    }
}

export function guidFrom(text: string): string {
    const h = createHash('sha256').update(text).digest();
    h[6] = ((h[6] ?? 0) & 0x0f) | 0x40;
    h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
    const hex = h.subarray(0, 16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** mulberry32 over a hash of the seed: tiny, fast, reproducible; not for cryptography. */
export function seededRandom(seed: string): () => number {
    return mulberry32(createHash('sha256').update(seed).digest().readUInt32LE(0));
}

/** The mulberry32 generator from a 32-bit initial state; values in [0, 1). */
export function mulberry32(initialState: number): () => number {
    let state = initialState;
    return () => {
        state = (state + 0x6d2b79f5) | 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export function isGuid(value: string): boolean {
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
