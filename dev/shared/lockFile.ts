/**
 * Owner-only lock files that name the process holding them, so that two stacks (or two simulators) never
 * share a state directory: a lock held by a live process is refused with its pid; one left by a process
 * that is gone is taken over. Hand-written rather than a lock library (none is a dependency): `wx` creation
 * plus a liveness check of the recorded pid is the whole protocol, and the pid is what the error must name.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export class LockHeldError extends Error {
    override readonly name = 'LockHeldError';

    constructor(
        readonly path: string,
        readonly pid: number,
    ) {
        super(`${path} is held by process ${pid}`);
    }
}

export interface HeldLock {
    path: string;
    release(): void;
}

/** Locks held by this process (a second simulator in one test process must be refused too). */
const heldHere = new Set<string>();

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
}

/** The pid recorded in a lock file, or undefined when it is missing or unreadable. */
export function lockHolder(path: string): number | undefined {
    try {
        const pid = (JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid;
        return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
        return undefined;
    }
}

/** Takes the lock for this process; throws LockHeldError when a live process holds it. */
export function acquireLock(path: string): HeldLock {
    const key = resolve(path);
    if (heldHere.has(key)) throw new LockHeldError(path, process.pid);
    mkdirSync(dirname(path), { recursive: true });
    for (let attempt = 0; ; attempt++) {
        try {
            writeFileSync(path, `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`, {
                flag: 'wx',
                mode: 0o600,
            });
            break;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
            const holder = lockHolder(path);
            if (holder !== undefined && isProcessAlive(holder)) throw new LockHeldError(path, holder);
            // Left behind by a process that is gone (or unreadable): take it over.
            rmSync(path, { force: true });
        }
    }
    heldHere.add(key);
    const release = () => {
        process.off('exit', release);
        if (!heldHere.delete(key)) return;
        if (lockHolder(path) === process.pid) rmSync(path, { force: true });
    };
    process.on('exit', release);
    return { path, release };
}
