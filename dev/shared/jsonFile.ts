import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `value` as JSON, owner-only (0600) and atomically: a new temporary file next to `path`, then a
 * rename, so a reader never sees half a file and the file is never readable by others, not even briefly.
 * The one implementation for both writers of the stack file: the launcher and `npm run sim`.
 */
export function writeJsonFileAtomic(path: string, value: unknown): void {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
    try {
        // 'wx' always creates the file, so the 0600 mode applies (an existing file would keep its own mode).
        writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
        renameSync(temporary, path);
    } catch (error) {
        rmSync(temporary, { force: true });
        throw error;
    }
}
