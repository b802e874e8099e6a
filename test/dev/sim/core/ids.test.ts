import { SimClock } from '../../../../dev/sim/core/clock';
import { guidFrom, IdFactory, isGuid, seededRandom } from '../../../../dev/sim/core/ids';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('IdFactory', () => {
    it('yields the same sequence for the same seed and a different one for another seed', () => {
        const sequence = (seed: string) => {
            const ids = new IdFactory(seed);
            return [ids.guid('user'), ids.guid('user'), ids.guid('tenant')];
        };
        expect(sequence('a')).toEqual(sequence('a'));
        expect(sequence('b')).not.toEqual(sequence('a'));
        for (const id of sequence('a')) expect(id).toMatch(V4);
    });

    it('keeps namespaces independent: ids in one do not shift the other', () => {
        const a = new IdFactory('s');
        const b = new IdFactory('s');
        a.guid('user');
        a.guid('user');
        expect(a.guid('tenant')).toBe(b.guid('tenant'));
        expect(a.guid('user')).not.toBe(b.guid('user'));
    });

    it('gives stable named ids and secrets of the requested length', () => {
        const ids = new IdFactory('s');
        expect(ids.named('app')).toBe(new IdFactory('s').named('app'));
        expect(ids.named('app')).not.toBe(ids.named('other'));
        expect(ids.secret('x', 70)).toHaveLength(70);
        expect(ids.secret('x', 70)).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(ids.secret('x')).toBe(new IdFactory('s').secret('x'));
    });

    it('guidFrom and isGuid agree', () => {
        expect(isGuid(guidFrom('anything'))).toBe(true);
        expect(isGuid('not-a-guid')).toBe(false);
        expect(isGuid(guidFrom('anything').toUpperCase())).toBe(true);
    });
});

describe('seededRandom', () => {
    it('is reproducible and stays in [0, 1)', () => {
        const a = seededRandom('x');
        const b = seededRandom('x');
        const values = Array.from({ length: 1000 }, () => a());
        expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
        expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
        expect(new Set(values).size).toBeGreaterThan(990);
    });
});

describe('SimClock', () => {
    it('moves forward by the requested amount and never backwards', () => {
        const clock = new SimClock();
        const before = clock.now();
        clock.advance(7 * 86_400_000);
        expect(clock.offset).toBe(7 * 86_400_000);
        expect(clock.now() - before).toBeGreaterThanOrEqual(7 * 86_400_000);
        expect(() => clock.advance(-1)).toThrow(RangeError);
        expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
        expect(clock.nowSeconds()).toBe(Math.floor(clock.now() / 1000));
    });
});
