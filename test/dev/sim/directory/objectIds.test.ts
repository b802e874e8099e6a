import { ObjectIdCodec } from '../../../../dev/sim/directory';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ObjectIdCodec', () => {
    const codec = new ObjectIdCodec('tenant-seed');

    it('makes v4-shaped ids that lead back to their index', () => {
        for (const index of [0, 1, 2, 17, 999, 99_999, 1_000_000, 2 ** 40 + 3]) {
            const id = codec.idFor(index);
            expect(id).toMatch(V4);
            expect(codec.indexOf(id)).toBe(index);
            expect(codec.indexOf(id.toUpperCase())).toBe(index);
        }
    });

    it('gives distinct ids for neighbouring indexes and different tenants', () => {
        const ids = new Set(Array.from({ length: 5000 }, (_, i) => codec.idFor(i)));
        expect(ids.size).toBe(5000);
        expect(new ObjectIdCodec('other-seed').idFor(5)).not.toBe(codec.idFor(5));
    });

    it('rejects ids it did not make', () => {
        expect(codec.indexOf(new ObjectIdCodec('other-seed').idFor(5))).toBeUndefined();
        expect(codec.indexOf('00000000-0000-4000-8000-000000000000')).toBeUndefined();
        expect(codec.indexOf('not-a-guid')).toBeUndefined();
        const id = codec.idFor(42);
        const tampered = `${id.slice(0, 9)}${id[9] === 'a' ? 'b' : 'a'}${id.slice(10)}`;
        expect(codec.indexOf(tampered)).toBeUndefined();
    });

    it('refuses negative or fractional indexes', () => {
        expect(() => codec.idFor(-1)).toThrow(RangeError);
        expect(() => codec.idFor(1.5)).toThrow(RangeError);
    });
});
