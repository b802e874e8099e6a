import type { z } from 'zod';

import { type ConfigIssue, ConfigurationError } from '../errors';
import { describeSettings, type SettingName, type Settings, settingsSchema } from './settings';

export type StorageConfig =
    | { kind: 'connectionString'; connectionString: string }
    | { kind: 'identity'; tableServiceUri: string; queueServiceUri: string; clientId: string | undefined };

export interface SyncConfig {
    schedule: string;
    minIntervalMinutes: number;
    jitterSeconds: number;
    timeBudgetSeconds: number;
    maxDeletePercent: number;
    maxInlineWaitSeconds: number;
    consentGraceMinutes: number;
}

/** The validated, fully defaulted configuration. Built once at start-up; nothing downstream reads process.env. */
export interface AppConfig {
    storage: StorageConfig;
    app: { clientId: string; tenantId: string; apiAudience: string };
    publicBaseUrl: string;
    authorityHost: string;
    graphBaseUrl: string;
    keyVault: { url: string; clientSecretName: string; sessionSecretName: string };
    sync: SyncConfig;
    /** User-assigned managed identity client id, when the app runs with one. */
    managedIdentityClientId: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Every variable the app reads, with its documentation (derived from the one schema). */
export const CONFIG_VARIABLES = describeSettings();
export const CONFIG_VARIABLE_NAMES: readonly SettingName[] = CONFIG_VARIABLES.map((v) => v.name);

/** Blank values count as unset, and surrounding spaces are never part of a value. */
function readEnvironment(env: Environment): Record<string, string | undefined> {
    const values: Record<string, string | undefined> = {};
    for (const name of CONFIG_VARIABLE_NAMES) {
        const value = env[name]?.trim();
        values[name] = value === '' ? undefined : value;
    }
    return values;
}

/** Which storage settings are present decides how the app reaches storage; their format is the schema's job. */
function storagePresenceIssue(values: Record<string, string | undefined>): ConfigIssue | undefined {
    if (values.AzureWebJobsStorage !== undefined) return undefined;
    const table = values.AzureWebJobsStorage__tableServiceUri;
    const queue = values.AzureWebJobsStorage__queueServiceUri;
    if (table === undefined && queue === undefined)
        return {
            variable: 'AzureWebJobsStorage',
            problem:
                'is required but not set (or set AzureWebJobsStorage__tableServiceUri and AzureWebJobsStorage__queueServiceUri)',
        };
    if (table === undefined || queue === undefined)
        return {
            variable:
                table === undefined ? 'AzureWebJobsStorage__tableServiceUri' : 'AzureWebJobsStorage__queueServiceUri',
            problem: 'is required when AzureWebJobsStorage is not set',
        };
    return undefined;
}

function storageOf(settings: Settings): StorageConfig {
    if (settings.AzureWebJobsStorage !== undefined)
        return { kind: 'connectionString', connectionString: settings.AzureWebJobsStorage };
    // storagePresenceIssue has already required both URIs.
    return {
        kind: 'identity',
        tableServiceUri: settings.AzureWebJobsStorage__tableServiceUri ?? '',
        queueServiceUri: settings.AzureWebJobsStorage__queueServiceUri ?? '',
        clientId: settings.AzureWebJobsStorage__clientId,
    };
}

function issuesOf(error: z.ZodError): ConfigIssue[] {
    const byVariable = new Map<string, string[]>();
    for (const issue of error.issues) {
        const variable = String(issue.path[0] ?? '(configuration)');
        byVariable.set(variable, [...(byVariable.get(variable) ?? []), issue.message]);
    }
    return [...byVariable].map(([variable, problems]) => ({ variable, problem: problems.join('; ') }));
}

/**
 * Validates the environment against the settings schema. Throws a ConfigurationError that names
 * every missing or invalid variable, so a single restart can fix them all.
 */
export function loadConfig(env: Environment): AppConfig {
    const values = readEnvironment(env);
    const parsed = settingsSchema.safeParse(values);
    const issues = parsed.success ? [] : issuesOf(parsed.error);
    const storageIssue = storagePresenceIssue(values);
    if (storageIssue !== undefined && !issues.some((i) => i.variable === storageIssue.variable))
        issues.push(storageIssue);
    if (!parsed.success || issues.length > 0) throw new ConfigurationError(issues);
    const settings = parsed.data;
    return {
        storage: storageOf(settings),
        app: {
            clientId: settings.APP_CLIENT_ID,
            tenantId: settings.APP_TENANT_ID,
            apiAudience: settings.API_AUDIENCE ?? `api://${settings.APP_CLIENT_ID}`,
        },
        publicBaseUrl: settings.PUBLIC_BASE_URL,
        authorityHost: settings.AUTHORITY_HOST,
        graphBaseUrl: settings.GRAPH_BASE_URL,
        keyVault: {
            url: settings.KEY_VAULT_URL,
            clientSecretName: settings.CLIENT_SECRET_NAME,
            sessionSecretName: settings.SESSION_SECRET_NAME,
        },
        sync: {
            schedule: settings.SYNC_SCHEDULE,
            minIntervalMinutes: settings.SYNC_MIN_INTERVAL_MINUTES,
            jitterSeconds: settings.SYNC_JITTER_SECONDS,
            timeBudgetSeconds: settings.SYNC_TIME_BUDGET_SECONDS,
            maxDeletePercent: settings.SYNC_MAX_DELETE_PERCENT,
            maxInlineWaitSeconds: settings.SYNC_MAX_INLINE_WAIT_SECONDS,
            consentGraceMinutes: settings.CONSENT_GRACE_MINUTES,
        },
        managedIdentityClientId: settings.AZURE_CLIENT_ID,
    };
}
