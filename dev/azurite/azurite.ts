/**
 * Starts Azurite (blob, queue and table services) as a child process on loopback and hands back its
 * connection string and service URLs. The child never outlives the caller (see dev/shared/childProcess.ts).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { type ChildExit, describeExit, ManagedChild } from '../shared/childProcess';
import { AZURITE_DEFAULT_PORTS, type AzuriteEndpoints, azuriteConnectionString, azuriteEndpoints } from './account';

export interface StartAzuriteOptions {
    /** Directory for persisted data. Without it (or with `inMemory: true`) nothing is written to disk. */
    location?: string;
    inMemory?: boolean;
    /** Ports; 0 picks a free one. Defaults are Azurite's own (10000 blob, 10001 queue, 10002 table). */
    blobPort?: number;
    queuePort?: number;
    tablePort?: number;
    /** How long to wait for all three services. */
    startTimeoutMs?: number;
    /** Azurite's output lines, e.g. to prefix and print them. */
    onLine?: (line: string) => void;
}

export interface RunningAzurite extends AzuriteEndpoints {
    /** Holds the well-known development key: hand it to SDK clients, never print it. */
    connectionString: string;
    pid: number;
    /** Settles when the process ends, whoever ended it. */
    exited: Promise<ChildExit>;
    stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const SERVICES = ['Blob', 'Queue', 'Table'] as const;
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/;
const PORT_IN_USE = /EADDRINUSE: address already in use \S+:(\d+)/;

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<RunningAzurite> {
    if (options.location !== undefined && options.inMemory === true) {
        throw new Error('startAzurite: pass either location (persisted) or inMemory, not both');
    }
    const storage =
        options.location === undefined ? ['--inMemoryPersistence'] : ['--location', resolve(options.location)];
    if (options.location !== undefined) mkdirSync(resolve(options.location), { recursive: true });
    const ports = {
        blob: options.blobPort ?? AZURITE_DEFAULT_PORTS.blob,
        queue: options.queuePort ?? AZURITE_DEFAULT_PORTS.queue,
        table: options.tablePort ?? AZURITE_DEFAULT_PORTS.table,
    };
    const child = new ManagedChild({
        name: 'azurite',
        nodeArgs: [
            require.resolve('azurite/dist/src/azurite.js'),
            '--silent',
            // Without this Azurite tries to reach Application Insights; without the next, new SDKs are refused.
            '--disableTelemetry',
            '--skipApiVersionCheck',
            ...storage,
            ...['--blobHost', HOST, '--queueHost', HOST, '--tableHost', HOST],
            ...[
                '--blobPort',
                String(ports.blob),
                '--queuePort',
                String(ports.queue),
                '--tablePort',
                String(ports.table),
            ],
        ],
        ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
    });

    const bound: Partial<Record<(typeof SERVICES)[number], number>> = {};
    try {
        await Promise.all(
            SERVICES.map(async (service) => {
                const pattern = new RegExp(LISTENING.source.replace('(Blob|Queue|Table)', `(${service})`));
                const match = await child.waitForLine(pattern, options.startTimeoutMs ?? 20_000);
                bound[service] = Number(match[2]);
            }),
        );
    } catch (error) {
        await child.stop();
        const inUse = child
            .recentLines(50)
            .map((line) => PORT_IN_USE.exec(line))
            .find((m) => m !== null);
        if (inUse) {
            throw new Error(
                `Azurite could not start: port ${inUse[1]} on ${HOST} is already in use (another Azurite or storage emulator?); stop it or choose other ports`,
                { cause: error },
            );
        }
        const exit = child.exitInfo;
        const why = exit === undefined ? (error as Error).message : describeExit(exit);
        throw new Error(`Azurite could not start (${why}):\n${child.recentLines(10).join('\n')}`, { cause: error });
    }

    const endpoints = azuriteEndpoints(HOST, {
        blob: bound.Blob ?? ports.blob,
        queue: bound.Queue ?? ports.queue,
        table: bound.Table ?? ports.table,
    });
    return {
        ...endpoints,
        connectionString: azuriteConnectionString(endpoints),
        pid: child.pid,
        exited: child.exited,
        stop: async () => {
            await child.stop();
        },
    };
}
