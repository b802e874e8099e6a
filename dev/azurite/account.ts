/**
 * Azurite's single built-in account. The key is the documented, public development key (the same one
 * `UseDevelopmentStorage=true` implies), not a secret; connection strings are still never logged.
 */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite's default ports, the ones `UseDevelopmentStorage=true` points at. */
export const AZURITE_DEFAULT_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;

export interface AzuriteEndpoints {
    /** Service URLs including the account path, e.g. `http://127.0.0.1:10001/devstoreaccount1`. */
    blobUrl: string;
    queueUrl: string;
    tableUrl: string;
}

export function azuriteEndpoints(
    host: string,
    ports: { blob: number; queue: number; table: number },
): AzuriteEndpoints {
    const url = (port: number) => `http://${host}:${port}/${AZURITE_ACCOUNT_NAME}`;
    return { blobUrl: url(ports.blob), queueUrl: url(ports.queue), tableUrl: url(ports.table) };
}

export function azuriteConnectionString(endpoints: AzuriteEndpoints): string {
    return [
        'DefaultEndpointsProtocol=http',
        `AccountName=${AZURITE_ACCOUNT_NAME}`,
        `AccountKey=${AZURITE_ACCOUNT_KEY}`,
        `BlobEndpoint=${endpoints.blobUrl}`,
        `QueueEndpoint=${endpoints.queueUrl}`,
        `TableEndpoint=${endpoints.tableUrl}`,
    ].join(';');
}
