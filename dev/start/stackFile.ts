import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';

import type { SimulatorStackPart } from './simulatorProcess';

/**
 * `.local/stack.json`: how to reach every part of the running stack, for people, scripts and tests.
 * It holds test credentials (simulator users, a client secret, the managed identity header, the Azurite
 * key), so it is written 0600 and its secrets never go to stdout.
 */
export interface StackFile {
    app: { url: string };
    storage: { connectionString: string; blobUrl: string; queueUrl: string; tableUrl: string };
    simulator?: SimulatorStackPart['simulator'];
    publisher?: SimulatorStackPart['publisher'];
    operationsClient?: SimulatorStackPart['operationsClient'];
    tenants?: SimulatorStackPart['tenants'];
    appSettings?: SimulatorStackPart['appSettings'];
    /** Process ids, so tools can check on (or stop) the parts. */
    pids: { launcher: number; azurite: number; simulator?: number; host: number };
}

export function buildStackFile(parts: {
    appUrl: string;
    storage: StackFile['storage'];
    simulator: SimulatorStackPart | undefined;
    pids: StackFile['pids'];
}): StackFile {
    // Everything but app, storage and pids comes verbatim from the simulator's part of the stack file.
    const sim = parts.simulator;
    return {
        app: { url: parts.appUrl },
        storage: parts.storage,
        ...(sim === undefined
            ? {}
            : {
                  simulator: sim.simulator,
                  publisher: sim.publisher,
                  operationsClient: sim.operationsClient,
                  tenants: sim.tenants,
                  appSettings: sim.appSettings,
              }),
        pids: parts.pids,
    };
}

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

export function writeStackFile(path: string, stack: StackFile): void {
    writeJsonFileAtomic(path, stack);
}

/** A stack file left by an earlier run would describe processes that are gone. */
export function removeStackFile(path: string): void {
    rmSync(path, { force: true });
}
