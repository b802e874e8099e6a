import { AZURITE_DEFAULT_PORTS, azuriteConnectionString, azuriteEndpoints } from '../../azurite/account';
import { HostError } from '../errors';
import type { AppSettings } from './settings';

/** A resolved storage connection. `connectionString` may hold a key: pass it to SDK clients, never to a log. */
export interface StorageConnection {
    /** The app setting it came from, e.g. `AzureWebJobsStorage`. */
    settingName: string;
    connectionString: string;
    accountName: string;
    queueEndpoint: string;
}

function parsePairs(connectionString: string): Map<string, string> {
    const pairs = new Map<string, string>();
    for (const part of connectionString.split(';')) {
        const eq = part.indexOf('=');
        if (part.trim() === '') continue;
        if (eq <= 0) throw new Error('not key=value pairs');
        pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    return pairs;
}

/**
 * Resolves a binding's `connection` (an app setting name, not a connection string) like the host:
 * `<name>` or `AzureWebJobs<name>`; `UseDevelopmentStorage=true` means Azurite on its default ports.
 */
export function resolveStorageConnection(connection: string, settings: AppSettings): StorageConnection {
    const settingName = [connection, `AzureWebJobs${connection}`].find((name) => settings[name] !== undefined);
    const raw = settingName === undefined ? undefined : settings[settingName]?.trim();
    if (settingName === undefined || raw === undefined || raw === '') {
        const identityBased = Object.keys(settings).some((name) => name.startsWith(`${connection}__`));
        throw new HostError(
            identityBased
                ? `Connection "${connection}" uses identity-based settings (${connection}__*), which the local host does not support; set ${connection} to a connection string or UseDevelopmentStorage=true`
                : `Connection "${connection}": app setting ${connection} is not set (use UseDevelopmentStorage=true for Azurite)`,
        );
    }
    const connectionString = /^UseDevelopmentStorage=true;?$/i.test(raw)
        ? azuriteConnectionString(azuriteEndpoints('127.0.0.1', AZURITE_DEFAULT_PORTS))
        : raw;
    let pairs: Map<string, string>;
    try {
        pairs = parsePairs(connectionString);
    } catch {
        throw new HostError(`App setting ${settingName} is not a storage connection string (value not shown)`);
    }
    const accountName = pairs.get('accountname');
    const explicitQueue = pairs.get('queueendpoint');
    const protocol = pairs.get('defaultendpointsprotocol') ?? 'https';
    const suffix = pairs.get('endpointsuffix') ?? 'core.windows.net';
    const queueEndpoint =
        explicitQueue ?? (accountName === undefined ? undefined : `${protocol}://${accountName}.queue.${suffix}`);
    if (queueEndpoint === undefined) {
        throw new HostError(
            `App setting ${settingName} has neither QueueEndpoint nor AccountName, so no queue service can be derived (value not shown)`,
        );
    }
    return {
        settingName,
        connectionString,
        accountName: accountName ?? new URL(queueEndpoint).hostname.split('.')[0] ?? 'unknown',
        queueEndpoint: queueEndpoint.replace(/\/+$/, ''),
    };
}

/** What may be printed about a connection: account name and endpoint, never keys or SAS tokens. */
export function describeStorageConnection(connection: StorageConnection): string {
    const endpoint = new URL(connection.queueEndpoint);
    return `account ${connection.accountName} (queues at ${endpoint.origin}${endpoint.pathname.replace(/\/$/, '')})`;
}
