import { keysFrom, mix32 } from './mix';

/**
 * Object ids for lazily generated users. A generated user is a pure function of (tenant seed,
 * index); to answer GET /users/{id} or PATCH by id without materialising the tenant, the id must
 * lead back to the index. So the id is a keyed permutation of the index (a 4-round Feistel network
 * on 64 bits) plus 58 check bits derived from it, laid out as a random-looking v4 GUID:
 *
 *   LLLLLLLL-TTTT-4TTT-[89ab]TTT-TTTTRRRRRRRR   (L,R: permuted index; T: check bits)
 *
 * Not cryptography: it only has to look like a real directory and be reversible.
 */
export class ObjectIdCodec {
    private readonly roundKeys: number[];
    private readonly checkKeys: number[];

    constructor(seed: string) {
        this.roundKeys = keysFrom(`${seed}/object-ids`);
        this.checkKeys = keysFrom(`${seed}/object-id-check`);
    }

    idFor(index: number): string {
        if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad user index ${index}`);
        let left = Math.floor(index / 2 ** 32) >>> 0;
        let right = index >>> 0;
        for (const key of this.roundKeys) [left, right] = [right, (left ^ mix32(right, key)) >>> 0];
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
            [left, right] = [(right ^ mix32(left, this.roundKeys[r] ?? 0)) >>> 0, left];
        const index = left * 2 ** 32 + right;
        if (!Number.isSafeInteger(index)) return undefined;
        return this.idFor(index) === id.toLowerCase() ? index : undefined;
    }

    private layout(left: number, right: number): string {
        const [k0 = 0, k1 = 0] = this.checkKeys;
        const high = mix32(left ^ Math.imul(right, 0x9e3779b1), k0);
        const low = mix32(right ^ Math.imul(left, 0x85ebca77), k1);
        const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
        const b = high >>> 16;
        const c = 0x4000 | (high & 0x0fff);
        const d = 0x8000 | (low >>> 18);
        const e = low & 0xffff;
        return `${hex(left, 8)}-${hex(b, 4)}-${hex(c, 4)}-${hex(d, 4)}-${hex(e, 4)}${hex(right, 8)}`;
    }
}
