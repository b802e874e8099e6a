import { ChangeLog } from '../../../../dev/sim/directory';

describe('ChangeLog', () => {
    it('numbers changes and reports each object once, ordered by its last change', () => {
        const log = new ChangeLog();
        log.append('a', 'updated', 0, ['displayName']);
        log.append('b', 'created', 0);
        log.append('a', 'updated', 0, ['jobTitle']);
        expect(log.lastSeq).toBe(3);
        const changed = log.changedBetween(0, 3);
        expect(changed.map((c) => [c.userId, c.lastSeq])).toEqual([
            ['b', 2],
            ['a', 3],
        ]);
        expect([...(changed[1]?.changedProperties ?? [])].sort()).toEqual(['displayName', 'jobTitle']);
        expect(changed[0]?.changedProperties).toBeUndefined();
    });

    it('honours the window bounds (from exclusive, to inclusive)', () => {
        const log = new ChangeLog();
        for (const id of ['a', 'b', 'c', 'd']) log.append(id, 'created', 0);
        expect(log.changedBetween(1, 3).map((c) => c.userId)).toEqual(['b', 'c']);
        expect(log.changedBetween(4, 4)).toEqual([]);
    });

    it('leaves out updates of untracked properties but keeps structural changes', () => {
        const log = new ChangeLog();
        log.append('a', 'updated', 0, ['department']);
        log.append('b', 'updated', 0, ['department', 'displayName']);
        log.append('c', 'softDeleted', 0);
        const changed = log.changedBetween(0, 3, new Set(['id', 'displayName']));
        expect(changed.map((c) => c.userId)).toEqual(['b', 'c']);
        expect([...(changed[0]?.changedProperties ?? [])]).toEqual(['displayName']);
    });

    it('treats a create followed by updates as a whole object', () => {
        const log = new ChangeLog();
        log.append('a', 'created', 0);
        log.append('a', 'updated', 0, ['mail']);
        expect(log.changedBetween(0, 2)[0]?.changedProperties).toBeUndefined();
    });
});
