import { rmSync } from 'node:fs';

import { writeJsonFileAtomic } from '../shared/jsonFile';
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

export function writeStackFile(path: string, stack: StackFile): void {
    writeJsonFileAtomic(path, stack);
}

/** A stack file left by an earlier run would describe processes that are gone. */
export function removeStackFile(path: string): void {
    rmSync(path, { force: true });
}
