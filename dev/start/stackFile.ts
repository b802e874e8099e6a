import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import type { SimulatorReady } from './simulatorProcess';

/**
 * `.local/stack.json`: how to reach every part of the running stack, for people, scripts and tests.
 * It holds test credentials (simulator users, a client secret, the Azurite key), so it is written 0600.
 */
export interface StackFile {
    app: { url: string };
    storage: { connectionString: string; blobUrl: string; queueUrl: string; tableUrl: string };
    simulator?: SimulatorReady['simulator'];
    publisher?: SimulatorReady['publisher'];
    operationsClient?: SimulatorReady['operationsClient'];
    tenants?: SimulatorReady['tenants'];
    appSettings?: SimulatorReady['appSettings'];
    /** Process ids, so tools can check on (or stop) the parts. */
    pids: { launcher: number; azurite: number; simulator?: number; host: number };
}

export function buildStackFile(parts: {
    appUrl: string;
    storage: StackFile['storage'];
    simulator: SimulatorReady | undefined;
    pids: StackFile['pids'];
}): StackFile {
    // Everything but app, storage and pids comes verbatim from the simulator's READY payload.
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

/** Atomic (write then rename), so a reader never sees half a file. */
export function writeStackFile(path: string, stack: StackFile): void {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
}

/** A stack file left by an earlier run would describe processes that are gone. */
export function removeStackFile(path: string): void {
    rmSync(path, { force: true });
}
