import { createHash } from 'node:crypto';

/**
 * Object ids for lazily generated users. A generated user is a pure function of (tenant seed,
 * index); to answer GET /users/{id} or PATCH by id without materialising the tenant, the id must
 * lead back to the index. So the id is a keyed permutation of the index (a 4-round Feistel network
 * on 64 bits) plus 58 bits of a keyed hash as a check, laid out as a random-looking v4 GUID:
 *
 *   LLLLLLLL-TTTT-4TTT-[89ab]TTT-TTTTRRRRRRRR   (L,R: permuted index; T: check bits)
 *
 * Not cryptography: it only has to look like a real directory and be reversible.
 */
export class ObjectIdCodec {
    private readonly roundKeys: number[];

    constructor(private readonly seed: string) {
        const digest = createHash('sha256').update(`${seed}/object-ids`).digest();
        this.roundKeys = [0, 4, 8, 12].map((offset) => digest.readUInt32LE(offset));
    }

    idFor(index: number): string {
        if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad user index ${index}`);
        let left = Math.floor(index / 2 ** 32) >>> 0;
        let right = index >>> 0;
        for (const key of this.roundKeys) [left, right] = [right, (left ^ mix(right, key)) >>> 0];
        return this.layout(left, right);
    }

    /** The index an id was made from, or undefined when the id was not made by this codec. */
    indexOf(id: string): number | undefined {
        const match = /^([0-9a-f]{8})-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{4}([0-9a-f]{8})$/.exec(
            id.toLowerCase(),
        );
        if (!match) return undefined;
        let left = parseInt(match[1] ?? '', 16) >>> 0;
        let right = parseInt(match[2] ?? '', 16) >>> 0;
        for (let r = this.roundKeys.length - 1; r >= 0; r--)
            [left, right] = [(right ^ mix(left, this.roundKeys[r] ?? 0)) >>> 0, left];
        const index = left * 2 ** 32 + right;
        if (!Number.isSafeInteger(index)) return undefined;
        return this.idFor(index) === id.toLowerCase() ? index : undefined;
    }

    private layout(left: number, right: number): string {
        const check = createHash('sha256').update(`${this.seed}/${left}/${right}`).digest();
        const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
        const b = check.readUInt16LE(0);
        const c = 0x4000 | (check.readUInt16LE(2) & 0x0fff);
        const d = 0x8000 | (check.readUInt16LE(4) & 0x3fff);
        const e = check.readUInt16LE(6);
        return `${hex(left, 8)}-${hex(b, 4)}-${hex(c, 4)}-${hex(d, 4)}-${hex(e, 4)}${hex(right, 8)}`;
    }
}

/** murmur3's 32-bit finaliser over (value xor key): the Feistel round function. */
function mix(value: number, key: number): number {
    let h = (value ^ key) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
}
