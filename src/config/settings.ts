import { z } from 'zod';

import { checkNcrontab } from './schedule';

/**
 * The one schema of the app's settings: every environment variable's name, whether it is
 * required, its default, its validation and its description. The README's configuration table,
 * local.settings.example.json and the Bicep app settings are checked against it by tests.
 */

const REQUIRED = 'is required but not set';

/** A string setting; a missing value reads as "is required but not set". */
function text() {
    return z.string({ error: (issue) => (issue.input === undefined ? REQUIRED : 'must be a string') });
}

const guid = text().pipe(z.guid({ error: 'must be a GUID such as 00000000-0000-0000-0000-000000000000' }));

const secretName = text().regex(/^[0-9a-zA-Z-]{1,127}$/, {
    error: 'must be 1-127 letters, digits or dashes (a Key Vault secret name)',
});

function isLoopback(hostname: string): boolean {
    return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** An absolute URL; https unless `allowLoopbackHttp` and the host is loopback. Trailing slashes removed. */
function absoluteUrl(options: { allowLoopbackHttp: boolean; allowPath: boolean }) {
    return text().transform((value, ctx) => {
        let url: URL;
        try {
            url = new URL(value);
        } catch {
            ctx.addIssue({ code: 'custom', message: `must be an absolute URL, got "${value}"` });
            return z.NEVER;
        }
        const httpAllowed = options.allowLoopbackHttp && isLoopback(url.hostname);
        if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpAllowed)) {
            const hint = options.allowLoopbackHttp ? ' (http is allowed only for localhost)' : '';
            ctx.addIssue({ code: 'custom', message: `must use https${hint}, got "${value}"` });
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

const origin = absoluteUrl({ allowLoopbackHttp: false, allowPath: false });

/** An access-token audience: the Application ID URI (v1 tokens) or the client id (v2 tokens). */
const audience = text().refine(
    (value) => {
        if (z.guid().safeParse(value).success) return true;
        if (/\s/.test(value)) return false;
        try {
            const url = new URL(value);
            return url.protocol.length > 1 && (url.host !== '' || url.pathname !== '');
        } catch {
            return false;
        }
    },
    {
        error: (issue) =>
            `must be an Application ID URI such as api://<client id> or a client id GUID, got "${String(issue.input)}"`,
    },
);

/** Checks the shape of a storage connection string without ever echoing it (it may hold an account key). */
const connectionString = text().superRefine((value, ctx) => {
    if (/^UseDevelopmentStorage=true;?$/i.test(value)) return;
    const pairs = value
        .split(';')
        .filter((part) => part.trim() !== '')
        .map((part) => part.split('='));
    if (pairs.some((pair) => pair.length < 2 || pair[0]?.trim() === '')) {
        ctx.addIssue({
            code: 'custom',
            message: 'is not a storage connection string (expected key=value pairs separated by ";"; value not shown)',
        });
        return;
    }
    const keys = new Set(pairs.map((pair) => pair[0]?.trim().toLowerCase()));
    if (!keys.has('accountname') && !keys.has('tableendpoint') && !keys.has('queueendpoint')) {
        ctx.addIssue({
            code: 'custom',
            message: 'is not a storage connection string (needs AccountName or service endpoints; value not shown)',
        });
    }
});

const ncrontab = text().superRefine((value, ctx) => {
    const problem = checkNcrontab(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `"${value}": ${problem}` });
});

/** A whole number in [min, max], given as a decimal string. */
function integer(min: number, max: number) {
    return text()
        .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` })
        .transform(Number)
        .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

export const DEFAULT_SYNC_SCHEDULE = '0 0 * * * *';

/** Shown in the README's "Default" column when the default is computed from another setting. */
export type SettingMeta = { description: string; defaultText?: string } & Record<string, unknown>;

function meta(description: string, defaultText?: string): SettingMeta {
    return defaultText === undefined ? { description } : { description, defaultText };
}

export const settingsSchema = z.object({
    AzureWebJobsStorage: connectionString
        .optional()
        .meta(
            meta(
                'Storage connection string (locally `UseDevelopmentStorage=true` or Azurite). Required unless the identity-based `AzureWebJobsStorage__*` settings are given.',
            ),
        ),
    AzureWebJobsStorage__tableServiceUri: absoluteUrl({ allowLoopbackHttp: true, allowPath: true })
        .optional()
        .meta(meta('Identity-based storage: Table service URI (used when `AzureWebJobsStorage` is not set).')),
    AzureWebJobsStorage__queueServiceUri: absoluteUrl({ allowLoopbackHttp: true, allowPath: true })
        .optional()
        .meta(meta('Identity-based storage: Queue service URI (used when `AzureWebJobsStorage` is not set).')),
    AzureWebJobsStorage__clientId: guid
        .optional()
        .meta(meta('Identity-based storage: client id of the user-assigned managed identity.')),
    APP_CLIENT_ID: guid.meta(meta('Application (client) id of the multi-tenant app registration.')),
    APP_TENANT_ID: guid.meta(meta("Publisher's home tenant id (where the app registration lives).")),
    PUBLIC_BASE_URL: absoluteUrl({ allowLoopbackHttp: true, allowPath: false }).meta(
        meta('Public origin of the app, used to build redirect URIs (https; http only for localhost).'),
    ),
    KEY_VAULT_URL: origin.meta(meta('Key Vault holding the client secret and the session key (https).')),
    CLIENT_SECRET_NAME: secretName
        .default('graph-client-secret')
        .meta(meta('Key Vault secret name of the app registration client secret.')),
    SESSION_SECRET_NAME: secretName
        .default('session-signing-key')
        .meta(meta('Key Vault secret name of the key that signs browser session cookies.')),
    AUTHORITY_HOST: origin
        .default('https://login.microsoftonline.com')
        .meta(meta('Microsoft identity platform host (the simulator locally).')),
    GRAPH_BASE_URL: origin
        .default('https://graph.microsoft.com')
        .meta(meta('Microsoft Graph origin (the simulator locally).')),
    API_AUDIENCE: audience
        .optional()
        .meta(meta('Audience that access tokens for our operations API must carry.', 'api://<APP_CLIENT_ID>')),
    SYNC_SCHEDULE: ncrontab
        .default(DEFAULT_SYNC_SCHEDULE)
        .meta(meta('Six-field NCRONTAB schedule (UTC) of the fan-out timer; hourly by default.')),
    SYNC_MIN_INTERVAL_MINUTES: integer(0, 10_080)
        .default(15)
        .meta(meta('The fan-out skips a tenant whose last sync finished less than this many minutes ago.')),
    SYNC_JITTER_SECONDS: integer(0, 3_600)
        .default(300)
        .meta(
            meta(
                'The fan-out spreads the start of each tenant’s sync over this many seconds, so tenants do not all reach Graph at once.',
            ),
        ),
    SYNC_TIME_BUDGET_SECONDS: integer(10, 3_600)
        .default(240)
        .meta(
            meta(
                'Time one worker invocation spends syncing before it saves its place and hands on to a continuation message.',
            ),
        ),
    SYNC_MAX_DELETE_PERCENT: integer(0, 100)
        .default(20)
        .meta(
            meta(
                'A sync that would delete more than this share of a tenant’s users deletes nothing and waits for an operator (`mass_delete_blocked`).',
            ),
        ),
    SYNC_MAX_INLINE_WAIT_SECONDS: integer(0, 600)
        .default(30)
        .meta(
            meta(
                'Longest Graph `Retry-After` a worker waits in place; a longer one re-queues the sync with that delay.',
            ),
        ),
    CONSENT_GRACE_MINUTES: integer(0, 1_440)
        .default(30)
        .meta(
            meta(
                'After an admin consents, “app unknown” and “no roles” answers mean “not applied yet” for this long instead of “consent revoked”.',
            ),
        ),
    AZURE_CLIENT_ID: guid
        .optional()
        .meta(meta('Client id of the user-assigned managed identity used for Key Vault and Table Storage in Azure.')),
});

export type Settings = z.output<typeof settingsSchema>;
export type SettingName = keyof typeof settingsSchema.shape;

export interface SettingDescription {
    name: SettingName;
    required: boolean;
    /** The default as the README shows it, when there is one. */
    defaultValue?: string;
    description: string;
}

/** Every setting with its documentation, read from the schema itself. */
export function describeSettings(): SettingDescription[] {
    return (Object.entries(settingsSchema.shape) as [SettingName, z.ZodType][]).map(([name, schema]) => {
        const info = z.globalRegistry.get(schema);
        if (typeof info?.description !== 'string') throw new Error(`setting ${name} has no description`);
        const def = schema._zod.def as { type: string; defaultValue?: unknown };
        const defaultText = typeof info.defaultText === 'string' ? info.defaultText : undefined;
        const defaultValue = defaultText ?? (def.type === 'default' ? String(def.defaultValue) : undefined);
        return {
            name,
            required: !schema.safeParse(undefined).success,
            ...(defaultValue === undefined ? {} : { defaultValue }),
            description: info.description,
        };
    });
}
