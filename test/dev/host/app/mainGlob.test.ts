import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { expandBraces, expandMainGlob } from '../../../../dev/host/app/mainGlob';

describe('expandBraces', () => {
    it('expands alternatives in order, including nested and multiple groups', () => {
        expect(expandBraces('dist/src/{index.js,functions/*.js}')).toEqual([
            'dist/src/index.js',
            'dist/src/functions/*.js',
        ]);
        expect(expandBraces('{a,b{1,2}}/{x,y}')).toEqual(['a/x', 'a/y', 'b1/x', 'b1/y', 'b2/x', 'b2/y']);
        expect(expandBraces('plain.js')).toEqual(['plain.js']);
    });

    it('rejects an unbalanced brace', () => {
        expect(() => expandBraces('dist/{a,b')).toThrow('Unbalanced');
    });
});

describe('expandMainGlob', () => {
    let dir: string;
    beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), 'host-glob-'));
        for (const file of [
            'dist/src/index.js',
            'dist/src/index.js.map',
            'dist/src/functions/b.js',
            'dist/src/functions/a.js',
            'dist/src/functions/a.js.map',
            'dist/src/functions/nested/c.js',
            'dist/src/functions/.hidden.js',
        ]) {
            mkdirSync(join(dir, file, '..'), { recursive: true });
            writeFileSync(join(dir, file), '');
        }
        mkdirSync(join(dir, 'dist/src/functions/dir.js'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const expand = (pattern: string) => expandMainGlob(pattern, dir).map((file) => relative(dir, file));

    it("expands this repository's pattern with index.js first and function files sorted", () => {
        expect(expand('dist/src/{index.js,functions/*.js}')).toEqual([
            'dist/src/index.js',
            'dist/src/functions/a.js',
            'dist/src/functions/b.js',
        ]);
    });

    it('supports ? and ** and skips directories, dot files and duplicates', () => {
        expect(expand('dist/src/functions/?.js')).toEqual(['dist/src/functions/a.js', 'dist/src/functions/b.js']);
        expect(expand('dist/**/*.js')).toEqual([
            'dist/src/index.js',
            'dist/src/functions/a.js',
            'dist/src/functions/b.js',
            'dist/src/functions/nested/c.js',
        ]);
        expect(expand('{dist/src/index.js,dist/src/index.js}')).toEqual(['dist/src/index.js']);
        expect(expand('./dist/src/index.js')).toEqual(['dist/src/index.js']);
    });

    it('returns nothing when nothing matches, and refuses paths outside the app', () => {
        expect(expand('dist/src/functions/*.ts')).toEqual([]);
        expect(expand('missing/*.js')).toEqual([]);
        expect(expand('../*')).toEqual([]);
    });
});
