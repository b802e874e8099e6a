/**
 * dev/start/lockFile.ts: one holder per state directory. A lock names its process; a live holder is refused
 * with its pid, one that is gone is taken over, and a release removes only a lock this process holds.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { acquireLock, lockHolder, LockHeldError } from '../../../dev/shared/lockFile';

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('creates an owner-only lock naming this process, and removes it on release', () => {
    const path = join(dir, 'nested', 'stack.lock');
    const lock = acquireLock(path);
    expect(lockHolder(path)).toBe(process.pid);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => acquireLock(path)).toThrow(LockHeldError);
    lock.release();
    expect(existsSync(path)).toBe(false);
    acquireLock(path).release();
});

it('refuses a lock held by another live process, naming it, and leaves the lock alone', () => {
    const path = join(dir, 'stack.lock');
    // The test runner's parent process is alive and is not us.
    writeFileSync(path, JSON.stringify({ pid: process.ppid }));
    const error = (() => {
        try {
            acquireLock(path);
        } catch (e) {
            return e;
        }
        return undefined;
    })();
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error).toMatchObject({ pid: process.ppid, path });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ pid: process.ppid });
});

it.each([
    ['a process that is gone', JSON.stringify({ pid: 4_194_305 })],
    ['an unreadable lock', 'not json'],
])('takes over a lock left by %s', (_what, content) => {
    const path = join(dir, 'stack.lock');
    writeFileSync(path, content);
    const lock = acquireLock(path);
    expect(lockHolder(path)).toBe(process.pid);
    lock.release();
});

it('a release does not remove a lock another process has taken since', () => {
    const path = join(dir, 'stack.lock');
    const lock = acquireLock(path);
    writeFileSync(path, JSON.stringify({ pid: process.ppid }));
    lock.release();
    expect(lockHolder(path)).toBe(process.ppid);
});
