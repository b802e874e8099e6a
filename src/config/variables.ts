/**
 * Every environment variable the app reads, with its default. The README's configuration table,
 * local.settings.example.json and the Bicep app settings are checked against this list by tests.
 */
export interface ConfigVariable {
    name: string;
    required: boolean;
    /** Human-readable default, or undefined when there is none. */
    defaultValue?: string;
    description: string;
}

export const DEFAULT_SYNC_SCHEDULE = '0 0 * * * *';

export const CONFIG_VARIABLES = [
    {
        name: 'AzureWebJobsStorage',
        required: false,
        description:
            'Storage connection string (locally `UseDevelopmentStorage=true` or Azurite). Required unless the identity-based `AzureWebJobsStorage__*` settings are given.',
    },
    {
        name: 'AzureWebJobsStorage__tableServiceUri',
        required: false,
        description: 'Identity-based storage: Table service URI (used when `AzureWebJobsStorage` is not set).',
    },
    {
        name: 'AzureWebJobsStorage__queueServiceUri',
        required: false,
        description: 'Identity-based storage: Queue service URI (used when `AzureWebJobsStorage` is not set).',
    },
    {
        name: 'AzureWebJobsStorage__clientId',
        required: false,
        description: 'Identity-based storage: client id of the user-assigned managed identity.',
    },
    {
        name: 'APP_CLIENT_ID',
        required: true,
        description: 'Application (client) id of the multi-tenant app registration.',
    },
    {
        name: 'APP_TENANT_ID',
        required: true,
        description: "Publisher's home tenant id (where the app registration lives).",
    },
    {
        name: 'PUBLIC_BASE_URL',
        required: true,
        description: 'Public origin of the app, used to build redirect URIs (https; http only for localhost).',
    },
    {
        name: 'KEY_VAULT_URL',
        required: true,
        description: 'Key Vault holding the client secret and the session key (https).',
    },
    {
        name: 'CLIENT_SECRET_NAME',
        required: false,
        defaultValue: 'graph-client-secret',
        description: 'Key Vault secret name of the app registration client secret.',
    },
    {
        name: 'SESSION_SECRET_NAME',
        required: false,
        defaultValue: 'session-signing-key',
        description: 'Key Vault secret name of the key that signs browser session cookies.',
    },
    {
        name: 'AUTHORITY_HOST',
        required: false,
        defaultValue: 'https://login.microsoftonline.com',
        description: 'Microsoft identity platform host (the simulator locally).',
    },
    {
        name: 'GRAPH_BASE_URL',
        required: false,
        defaultValue: 'https://graph.microsoft.com',
        description: 'Microsoft Graph origin (the simulator locally).',
    },
    {
        name: 'API_AUDIENCE',
        required: false,
        defaultValue: 'api://<APP_CLIENT_ID>',
        description: 'Audience that access tokens for our operations API must carry.',
    },
    {
        name: 'SYNC_SCHEDULE',
        required: false,
        defaultValue: DEFAULT_SYNC_SCHEDULE,
        description: 'Six-field NCRONTAB schedule (UTC) of the fan-out timer; hourly by default.',
    },
    {
        name: 'AZURE_CLIENT_ID',
        required: false,
        description: 'Client id of the user-assigned managed identity used for Key Vault and Table Storage in Azure.',
    },
] as const satisfies readonly ConfigVariable[];

export type ConfigVariableName = (typeof CONFIG_VARIABLES)[number]['name'];

export const CONFIG_VARIABLE_NAMES: readonly ConfigVariableName[] = CONFIG_VARIABLES.map((v) => v.name);
