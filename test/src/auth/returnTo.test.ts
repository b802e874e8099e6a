import { safeReturnTo } from '../../../src/auth/returnTo';

const BASE = 'https://tenant-sync.example';

describe('safeReturnTo', () => {
    it.each([
        ['/tenants/72f988bf-86f1-41af-91ab-2d7cd011db47', '/tenants/72f988bf-86f1-41af-91ab-2d7cd011db47'],
        ['/tenants/x/users?q=zo%C3%AB&page=abc', '/tenants/x/users?q=zo%C3%AB&page=abc'],
        ['/connect', '/connect'],
        ['/a/../b', '/b'],
    ])('keeps the same-origin path %s', (value, expected) => {
        expect(safeReturnTo(value, BASE)).toBe(expected);
    });

    it.each([
        [null],
        [undefined],
        [''],
        ['https://evil.example/'],
        ['http://tenant-sync.example/'],
        ['//evil.example/path'],
        ['/\\evil.example'],
        ['\\\\evil.example'],
        ['javascript:alert(1)'],
        ['tenants/x'],
        ['/x\u0000y'],
        ['/x\ny'],
        [`/${'a'.repeat(600)}`],
    ])('replaces %j with /', (value) => {
        expect(safeReturnTo(value, BASE)).toBe('/');
    });
});
