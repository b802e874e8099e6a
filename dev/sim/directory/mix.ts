import { createHash } from 'node:crypto';

import { mulberry32 } from '../core/ids';

/**
 * Cheap integer hashing for data generated per user. Hashing with SHA-256 per user dominated the
 * cost of a 100k-user page walk (and its garbage); these mix 32-bit integers instead. Not cryptography.
 */

/** murmur3's 32-bit finaliser over (value xor key). */
export function mix32(value: number, key: number): number {
    let h = (value ^ key) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
}

/** Four 32-bit keys derived once from a seed string. */
export function keysFrom(seed: string): [number, number, number, number] {
    const digest = createHash('sha256').update(seed).digest();
    return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}

/** mulberry32 started from a mixed (key, index) state: a reproducible generator per user. */
export function randomFor(keys: readonly number[], index: number): () => number {
    return mulberry32(mix32(mix32(index >>> 0, keys[0] ?? 0) ^ Math.floor(index / 2 ** 32), keys[1] ?? 0));
}
