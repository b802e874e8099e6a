import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

import type { StorageConnection } from '../config/storageConnection';

/** A timer's recorded schedule: the last occurrence run, the next one expected, when it was computed. */
export interface ScheduleStatus {
    last: Date;
    next: Date;
    lastUpdated: Date;
}

/** Where schedule statuses persist between host runs. */
export interface ScheduleStatusStore {
    /** The recorded status, or undefined when none was recorded yet. */
    get(timerName: string): Promise<ScheduleStatus | undefined>;
    set(timerName: string, status: ScheduleStatus): Promise<void>;
}

/** .NET's default(DateTime), which the host records for "never". */
export const NEVER = new Date('0001-01-01T00:00:00.000Z');

/** A date the host treats as set (after its DefaultDateTimeThreshold). */
export function isSet(date: Date): boolean {
    return date.getTime() > NEVER.getTime() + 24 * 3600 * 1000;
}

/** The JSON the host stores and passes to functions (PascalCase, ISO 8601). */
export function toStatusJson(status: ScheduleStatus): { Last: string; Next: string; LastUpdated: string } {
    return {
        Last: status.last.toISOString(),
        Next: status.next.toISOString(),
        LastUpdated: status.lastUpdated.toISOString(),
    };
}

function parseDate(value: unknown): Date {
    const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) throw new Error(`not a date: ${JSON.stringify(value)}`);
    return date;
}

export function fromStatusJson(text: string): ScheduleStatus {
    const json = JSON.parse(text) as Record<string, unknown>;
    return { last: parseDate(json.Last), next: parseDate(json.Next), lastUpdated: parseDate(json.LastUpdated) };
}

const HOSTS_CONTAINER = 'azure-webjobs-hosts';

/**
 * Schedule statuses in blob storage where the host keeps them (WebJobs.Extensions StorageScheduleMonitorV2):
 * container `azure-webjobs-hosts`, blob `timers/{hostId}/{timerName}/status`, in the AzureWebJobsStorage
 * account. Against Azurite they survive host restarts as long as Azurite's data does.
 */
export class BlobScheduleStatusStore implements ScheduleStatusStore {
    readonly #hostId: string;
    readonly #container: ContainerClient;
    #created: Promise<unknown> | undefined;

    constructor(connection: StorageConnection, hostId: string) {
        this.#hostId = hostId;
        const service = BlobServiceClient.fromConnectionString(connection.connectionString, {
            retryOptions: { maxTries: 3, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 },
        });
        this.#container = service.getContainerClient(HOSTS_CONTAINER);
    }

    blobName(timerName: string): string {
        return `timers/${this.#hostId}/${timerName}/status`;
    }

    async get(timerName: string): Promise<ScheduleStatus | undefined> {
        try {
            const buffer = await this.#container.getBlockBlobClient(this.blobName(timerName)).downloadToBuffer();
            return fromStatusJson(buffer.toString('utf8'));
        } catch (error) {
            const { statusCode } = error as { statusCode?: number };
            if (statusCode === 404) return undefined;
            throw error;
        }
    }

    async set(timerName: string, status: ScheduleStatus): Promise<void> {
        this.#created ??= this.#container.createIfNotExists().catch((error: unknown) => {
            this.#created = undefined;
            throw error;
        });
        await this.#created;
        const body = JSON.stringify(toStatusJson(status));
        await this.#container.getBlockBlobClient(this.blobName(timerName)).upload(body, Buffer.byteLength(body));
    }
}
