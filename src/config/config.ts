import { z } from 'zod';

import { type ConfigIssue, ConfigurationError } from '../errors';
import { checkNcrontab } from './schedule';
import { CONFIG_VARIABLES, type ConfigVariableName, DEFAULT_SYNC_SCHEDULE } from './variables';

export type StorageConfig =
    | { kind: 'connectionString'; connectionString: string }
    | { kind: 'identity'; tableServiceUri: string; queueServiceUri: string; clientId: string | undefined };

/** The validated, fully defaulted configuration. Built once; nothing downstream reads process.env. */
export interface AppConfig {
    storage: StorageConfig;
    app: { clientId: string; tenantId: string; apiAudience: string };
    publicBaseUrl: string;
    authorityHost: string;
    graphBaseUrl: string;
    keyVault: { url: string; clientSecretName: string; sessionSecretName: string };
    sync: { schedule: string };
    /** User-assigned managed identity client id, when the app runs with one. */
    managedIdentityClientId: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

const guid = z.guid({ error: 'must be a GUID such as 00000000-0000-0000-0000-000000000000' });
const secretName = z
    .string()
    .regex(/^[0-9a-zA-Z-]{1,127}$/, { error: 'must be 1-127 letters, digits or dashes (a Key Vault secret name)' });

function isLoopback(hostname: string): boolean {
    return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** An absolute origin-style URL; https unless `allowLoopbackHttp` and the host is loopback. Trailing slash removed. */
function originUrl(options: { allowLoopbackHttp: boolean; allowPath: boolean }) {
    return z.string().transform((value, ctx) => {
        let url: URL;
        try {
            url = new URL(value);
        } catch {
            ctx.addIssue({ code: 'custom', message: `must be an absolute URL, got "${value}"` });
            return z.NEVER;
        }
        const httpAllowed = options.allowLoopbackHttp && isLoopback(url.hostname);
        if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpAllowed)) {
            ctx.addIssue({
                code: 'custom',
                message: `must use https${options.allowLoopbackHttp ? ' (http is allowed only for localhost)' : ''}, got "${value}"`,
            });
            return z.NEVER;
        }
        if (url.search || url.hash || url.username || url.password) {
            ctx.addIssue({
                code: 'custom',
                message: `must not carry credentials, a query or a fragment, got "${value}"`,
            });
            return z.NEVER;
        }
        if (!options.allowPath && url.pathname !== '/') {
            ctx.addIssue({ code: 'custom', message: `must be an origin without a path, got "${value}"` });
            return z.NEVER;
        }
        return url.href.replace(/\/+$/, '');
    });
}

/** An access-token audience: the Application ID URI (v1 tokens) or the client id (v2 tokens). */
function isAudience(value: string): boolean {
    if (guid.safeParse(value).success) return true;
    if (/\s/.test(value)) return false;
    try {
        const url = new URL(value);
        return url.protocol.length > 1 && (url.host !== '' || url.pathname !== '');
    } catch {
        return false;
    }
}

/** Checks the shape of a storage connection string without ever echoing it (it may hold an account key). */
function checkConnectionString(value: string): string | undefined {
    if (/^UseDevelopmentStorage=true;?$/i.test(value.trim())) return undefined;
    const pairs = value
        .split(';')
        .filter((part) => part.trim() !== '')
        .map((part) => part.split('='));
    if (pairs.some((pair) => pair.length < 2 || pair[0]?.trim() === '')) {
        return 'is not a storage connection string (expected key=value pairs separated by ";"; value not shown)';
    }
    const keys = new Set(pairs.map((pair) => pair[0]?.trim().toLowerCase()));
    if (!keys.has('accountname') && !keys.has('tableendpoint') && !keys.has('queueendpoint')) {
        return 'is not a storage connection string (needs AccountName or service endpoints; value not shown)';
    }
    return undefined;
}

/**
 * Reads and validates the environment once. Throws a ConfigurationError that names every missing
 * or invalid variable, so a single restart can fix them all.
 */
export function loadConfig(env: Environment): AppConfig {
    const issues: ConfigIssue[] = [];
    const read = (name: ConfigVariableName): string | undefined => {
        const value = env[name];
        return value === undefined || value.trim() === '' ? undefined : value.trim();
    };
    const defaultOf = (name: ConfigVariableName): string | undefined => {
        const variable = CONFIG_VARIABLES.find((v) => v.name === name);
        return variable !== undefined && 'defaultValue' in variable ? variable.defaultValue : undefined;
    };
    function parse<T>(
        name: ConfigVariableName,
        schema: z.ZodType<T, string>,
        options: { required: boolean },
    ): T | undefined {
        const raw = read(name) ?? defaultOf(name);
        if (raw === undefined) {
            if (options.required) issues.push({ variable: name, problem: 'is required but not set' });
            return undefined;
        }
        const result = schema.safeParse(raw);
        if (!result.success) {
            issues.push({ variable: name, problem: result.error.issues.map((i) => i.message).join('; ') });
            return undefined;
        }
        return result.data;
    }

    const clientId = parse('APP_CLIENT_ID', guid, { required: true });
    const tenantId = parse('APP_TENANT_ID', guid, { required: true });
    const publicBaseUrl = parse('PUBLIC_BASE_URL', originUrl({ allowLoopbackHttp: true, allowPath: false }), {
        required: true,
    });
    const keyVaultUrl = parse('KEY_VAULT_URL', originUrl({ allowLoopbackHttp: false, allowPath: false }), {
        required: true,
    });
    const clientSecretName = parse('CLIENT_SECRET_NAME', secretName, { required: true });
    const sessionSecretName = parse('SESSION_SECRET_NAME', secretName, { required: true });
    const authorityHost = parse('AUTHORITY_HOST', originUrl({ allowLoopbackHttp: false, allowPath: false }), {
        required: true,
    });
    const graphBaseUrl = parse('GRAPH_BASE_URL', originUrl({ allowLoopbackHttp: false, allowPath: false }), {
        required: true,
    });
    const managedIdentityClientId = parse('AZURE_CLIENT_ID', guid, { required: false });

    const audienceRaw = read('API_AUDIENCE');
    if (audienceRaw !== undefined && !isAudience(audienceRaw)) {
        issues.push({
            variable: 'API_AUDIENCE',
            problem: `must be an Application ID URI such as api://<client id> or a client id GUID, got "${audienceRaw}"`,
        });
    }
    const apiAudience = audienceRaw ?? (clientId === undefined ? undefined : `api://${clientId}`);

    const schedule = read('SYNC_SCHEDULE') ?? DEFAULT_SYNC_SCHEDULE;
    const scheduleProblem = checkNcrontab(schedule);
    if (scheduleProblem !== undefined)
        issues.push({ variable: 'SYNC_SCHEDULE', problem: `"${schedule}": ${scheduleProblem}` });

    const storage = readStorage(read, issues);

    if (issues.length > 0) throw new ConfigurationError(issues);
    // Every value below was checked above; the non-null assertions only restate that.
    return {
        storage: storage!,
        app: { clientId: clientId!, tenantId: tenantId!, apiAudience: apiAudience! },
        publicBaseUrl: publicBaseUrl!,
        authorityHost: authorityHost!,
        graphBaseUrl: graphBaseUrl!,
        keyVault: { url: keyVaultUrl!, clientSecretName: clientSecretName!, sessionSecretName: sessionSecretName! },
        sync: { schedule },
        managedIdentityClientId,
    };
}

function readStorage(
    read: (name: ConfigVariableName) => string | undefined,
    issues: ConfigIssue[],
): StorageConfig | undefined {
    const connectionString = read('AzureWebJobsStorage');
    if (connectionString !== undefined) {
        const problem = checkConnectionString(connectionString);
        if (problem !== undefined) {
            issues.push({ variable: 'AzureWebJobsStorage', problem });
            return undefined;
        }
        return { kind: 'connectionString', connectionString };
    }
    const tableServiceUri = read('AzureWebJobsStorage__tableServiceUri');
    const queueServiceUri = read('AzureWebJobsStorage__queueServiceUri');
    if (tableServiceUri === undefined && queueServiceUri === undefined) {
        issues.push({
            variable: 'AzureWebJobsStorage',
            problem:
                'is required but not set (or set AzureWebJobsStorage__tableServiceUri and AzureWebJobsStorage__queueServiceUri)',
        });
        return undefined;
    }
    const uri = originUrl({ allowLoopbackHttp: true, allowPath: true });
    let ok = true;
    const check = (name: ConfigVariableName, value: string | undefined): string => {
        if (value === undefined) {
            issues.push({ variable: name, problem: 'is required when AzureWebJobsStorage is not set' });
            ok = false;
            return '';
        }
        const result = uri.safeParse(value);
        if (!result.success) {
            issues.push({ variable: name, problem: result.error.issues.map((i) => i.message).join('; ') });
            ok = false;
            return '';
        }
        return result.data;
    };
    const table = check('AzureWebJobsStorage__tableServiceUri', tableServiceUri);
    const queue = check('AzureWebJobsStorage__queueServiceUri', queueServiceUri);
    const clientIdRaw = read('AzureWebJobsStorage__clientId');
    if (clientIdRaw !== undefined && !guid.safeParse(clientIdRaw).success) {
        issues.push({
            variable: 'AzureWebJobsStorage__clientId',
            problem: 'must be a GUID such as 00000000-0000-0000-0000-000000000000',
        });
        ok = false;
    }
    return ok ? { kind: 'identity', tableServiceUri: table, queueServiceUri: queue, clientId: clientIdRaw } : undefined;
}
