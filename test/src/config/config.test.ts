import { ConfigurationError } from '../../../src/errors';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config';

const CLIENT_ID = '11111111-1111-1111-1111-111111111111';
const TENANT_ID = '22222222-2222-2222-2222-222222222222';

const minimal = {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    APP_CLIENT_ID: CLIENT_ID,
    APP_TENANT_ID: TENANT_ID,
    PUBLIC_BASE_URL: 'http://localhost:7071',
    KEY_VAULT_URL: 'https://vault.example.net',
};

function issuesOf(env: Record<string, string | undefined>): Map<string, string> {
    try {
        loadConfig(env);
    } catch (error) {
        if (error instanceof ConfigurationError) return new Map(error.issues.map((i) => [i.variable, i.problem]));
        throw error;
    }
    throw new Error('expected a ConfigurationError');
}

describe('loadConfig', () => {
    it('fills every documented default from a minimal environment', () => {
        const config = loadConfig(minimal);
        expect(config).toEqual({
            storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
            app: { clientId: CLIENT_ID, tenantId: TENANT_ID, apiAudience: `api://${CLIENT_ID}` },
            publicBaseUrl: 'http://localhost:7071',
            authorityHost: 'https://login.microsoftonline.com',
            graphBaseUrl: 'https://graph.microsoft.com',
            keyVault: {
                url: 'https://vault.example.net',
                clientSecretName: 'graph-client-secret',
                sessionSecretName: 'session-signing-key',
            },
            sync: {
                schedule: '0 0 * * * *',
                minIntervalMinutes: 15,
                jitterSeconds: 300,
                timeBudgetSeconds: 240,
                maxDeletePercent: 20,
                maxInlineWaitSeconds: 30,
                consentGraceMinutes: 30,
            },
            managedIdentityClientId: undefined,
        });
    });

    it('uses explicit values over defaults and trims trailing slashes', () => {
        const config = loadConfig({
            ...minimal,
            PUBLIC_BASE_URL: 'https://sync.example.com/',
            CLIENT_SECRET_NAME: 'other-secret',
            SESSION_SECRET_NAME: 'other-session',
            AUTHORITY_HOST: 'https://127.0.0.1:8443/',
            GRAPH_BASE_URL: 'https://127.0.0.1:8444',
            API_AUDIENCE: 'api://custom',
            SYNC_SCHEDULE: '0 */5 * * * *',
            AZURE_CLIENT_ID: '33333333-3333-3333-3333-333333333333',
        });
        expect(config.publicBaseUrl).toBe('https://sync.example.com');
        expect(config.keyVault).toEqual({
            url: 'https://vault.example.net',
            clientSecretName: 'other-secret',
            sessionSecretName: 'other-session',
        });
        expect(config.authorityHost).toBe('https://127.0.0.1:8443');
        expect(config.graphBaseUrl).toBe('https://127.0.0.1:8444');
        expect(config.app.apiAudience).toBe('api://custom');
        expect(config.sync.schedule).toBe('0 */5 * * * *');
        expect(config.managedIdentityClientId).toBe('33333333-3333-3333-3333-333333333333');
    });

    it('names every missing required variable at once', () => {
        const issues = issuesOf({});
        expect([...issues.keys()].sort()).toEqual([
            'APP_CLIENT_ID',
            'APP_TENANT_ID',
            'AzureWebJobsStorage',
            'KEY_VAULT_URL',
            'PUBLIC_BASE_URL',
        ]);
        for (const problem of issues.values()) expect(problem).toMatch(/required/);
    });

    it('treats blank values as missing', () => {
        const issues = issuesOf({ ...minimal, APP_CLIENT_ID: '   ' });
        expect(issues.get('APP_CLIENT_ID')).toMatch(/required/);
    });

    it.each(['0 */5 * * * *', '0 30 9 * * MON-FRI', '0 0 0 1 JAN,JUL *', '0 0 0 13 * 5', '0 0 12 * * */2'])(
        'accepts the NCRONTAB schedule %j',
        (schedule) => {
            expect(loadConfig({ ...minimal, SYNC_SCHEDULE: schedule }).sync.schedule).toBe(schedule);
        },
    );

    it('puts every problem in the error message, one line per variable', () => {
        expect(() => loadConfig({ ...minimal, APP_CLIENT_ID: 'nope', SYNC_SCHEDULE: 'hourly' })).toThrow(
            /Invalid configuration \(2 problem\(s\)\):\n {2}- APP_CLIENT_ID: must be a GUID.*\n {2}- SYNC_SCHEDULE: "hourly": expected 6 NCRONTAB fields/s,
        );
    });

    it.each([
        ['APP_CLIENT_ID', 'not-a-guid', /GUID/],
        ['APP_TENANT_ID', 'contoso.onmicrosoft.com', /GUID/],
        ['AZURE_CLIENT_ID', 'x', /GUID/],
        ['PUBLIC_BASE_URL', 'sync.example.com', /absolute URL/],
        ['PUBLIC_BASE_URL', 'http://sync.example.com', /https \(http is allowed only for localhost\)/],
        ['PUBLIC_BASE_URL', 'https://sync.example.com/app', /without a path/],
        ['PUBLIC_BASE_URL', 'https://sync.example.com/?x=1', /query/],
        ['KEY_VAULT_URL', 'http://localhost:8443', /must use https/],
        ['AUTHORITY_HOST', 'http://127.0.0.1:8443', /must use https/],
        ['GRAPH_BASE_URL', 'ftp://graph', /must use https/],
        ['CLIENT_SECRET_NAME', 'has spaces', /Key Vault secret name/],
        ['SESSION_SECRET_NAME', 'under_score', /Key Vault secret name/],
        ['SYNC_SCHEDULE', '0 * * * *', /expected 6 NCRONTAB fields .* got 5/],
        ['SYNC_SCHEDULE', '61 * * * * *', /61/],
        ['SYNC_SCHEDULE', '0 0 0 L * *', /does not support/],
        ['SYNC_SCHEDULE', '0 0 0 ? * MON', /does not support/],
        ['SYNC_SCHEDULE', '0 0 0 * * 1#2', /does not support/],
        ['SYNC_SCHEDULE', '0 0 H * * *', /does not support/],
        ['SYNC_SCHEDULE', '0 0 0 * * 7', /0-6/],
        ['SYNC_SCHEDULE', '0 0 0 * * 5-7', /0-6/],
        ['API_AUDIENCE', 'my api', /Application ID URI/],
        ['API_AUDIENCE', 'not-a-uri', /Application ID URI/],
        ['SYNC_MIN_INTERVAL_MINUTES', 'soon', /whole number/],
        ['SYNC_MAX_DELETE_PERCENT', '101', /at most 100/],
        ['SYNC_TIME_BUDGET_SECONDS', '5', /at least 10/],
        ['SYNC_MAX_INLINE_WAIT_SECONDS', '-1', /whole number/],
        ['SYNC_JITTER_SECONDS', '1.5', /whole number/],
        ['CONSENT_GRACE_MINUTES', '99999', /at most 1440/],
    ])('rejects %s=%j', (name, value, problem) => {
        const issues = issuesOf({ ...minimal, [name]: value });
        expect(issues.get(name)).toMatch(problem);
        expect(issues.size).toBe(1);
    });

    it('accepts a full storage connection string and never echoes it in errors', () => {
        const cs =
            'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';
        expect(loadConfig({ ...minimal, AzureWebJobsStorage: cs }).storage).toEqual({
            kind: 'connectionString',
            connectionString: cs,
        });
        const bad = 'AccountKey=c2VjcmV0-super-secret';
        const issues = issuesOf({ ...minimal, AzureWebJobsStorage: bad });
        expect(issues.get('AzureWebJobsStorage')).toMatch(/not a storage connection string/);
        expect(issues.get('AzureWebJobsStorage')).not.toContain('super-secret');
    });

    it('accepts identity-based storage settings when no connection string is set', () => {
        const config = loadConfig({
            ...minimal,
            AzureWebJobsStorage: undefined,
            AzureWebJobsStorage__tableServiceUri: 'https://acct.table.core.windows.net/',
            AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
            AzureWebJobsStorage__clientId: '44444444-4444-4444-4444-444444444444',
        });
        expect(config.storage).toEqual({
            kind: 'identity',
            tableServiceUri: 'https://acct.table.core.windows.net',
            queueServiceUri: 'https://acct.queue.core.windows.net',
            clientId: '44444444-4444-4444-4444-444444444444',
        });
    });

    it('names the missing half of identity-based storage settings', () => {
        const issues = issuesOf({
            ...minimal,
            AzureWebJobsStorage: undefined,
            AzureWebJobsStorage__tableServiceUri: 'https://acct.table.core.windows.net',
        });
        expect(issues.get('AzureWebJobsStorage__queueServiceUri')).toMatch(
            /required when AzureWebJobsStorage is not set/,
        );
    });

    it('accepts an Application ID URI or a client id as API_AUDIENCE', () => {
        expect(loadConfig({ ...minimal, API_AUDIENCE: 'api://tenant/tenant-sync' }).app.apiAudience).toBe(
            'api://tenant/tenant-sync',
        );
        expect(loadConfig({ ...minimal, API_AUDIENCE: CLIENT_ID }).app.apiAudience).toBe(CLIENT_ID);
        expect(loadConfig({ ...minimal, API_AUDIENCE: 'https://sync.example.com/api' }).app.apiAudience).toBe(
            'https://sync.example.com/api',
        );
    });

    it.each([
        ['AzureWebJobsStorage__tableServiceUri', 'not a url', /absolute URL/],
        ['AzureWebJobsStorage__queueServiceUri', 'http://acct.queue.core.windows.net', /must use https/],
        ['AzureWebJobsStorage__queueServiceUri', 'https://acct.queue.core.windows.net/?sv=secret', /query/],
    ])('rejects identity-based %s=%j', (name, value, problem) => {
        const issues = issuesOf({
            ...minimal,
            AzureWebJobsStorage: undefined,
            AzureWebJobsStorage__tableServiceUri: 'https://acct.table.core.windows.net',
            AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
            [name]: value,
        });
        expect(issues.get(name)).toMatch(problem);
        expect(issues.size).toBe(1);
    });

    it('rejects a malformed identity client id', () => {
        const issues = issuesOf({
            ...minimal,
            AzureWebJobsStorage: undefined,
            AzureWebJobsStorage__tableServiceUri: 'https://a.table.core.windows.net',
            AzureWebJobsStorage__queueServiceUri: 'https://a.queue.core.windows.net',
            AzureWebJobsStorage__clientId: 'me',
        });
        expect(issues.get('AzureWebJobsStorage__clientId')).toMatch(/GUID/);
    });

    it('documents a default for every optional variable it fills', () => {
        const withDefaults = CONFIG_VARIABLES.filter((v) => 'defaultValue' in v).map((v) => v.name);
        expect(withDefaults.sort()).toEqual([
            'API_AUDIENCE',
            'AUTHORITY_HOST',
            'CLIENT_SECRET_NAME',
            'CONSENT_GRACE_MINUTES',
            'GRAPH_BASE_URL',
            'SESSION_SECRET_NAME',
            'SYNC_JITTER_SECONDS',
            'SYNC_MAX_DELETE_PERCENT',
            'SYNC_MAX_INLINE_WAIT_SECONDS',
            'SYNC_MIN_INTERVAL_MINUTES',
            'SYNC_SCHEDULE',
            'SYNC_TIME_BUDGET_SECONDS',
        ]);
    });

    it('reads the sync tuning values as numbers', () => {
        const config = loadConfig({
            ...minimal,
            SYNC_MIN_INTERVAL_MINUTES: '0',
            SYNC_JITTER_SECONDS: '60',
            SYNC_TIME_BUDGET_SECONDS: '900',
            SYNC_MAX_DELETE_PERCENT: '100',
            SYNC_MAX_INLINE_WAIT_SECONDS: ' 5 ',
            CONSENT_GRACE_MINUTES: '1',
        });
        expect(config.sync).toEqual({
            schedule: '0 0 * * * *',
            minIntervalMinutes: 0,
            jitterSeconds: 60,
            timeBudgetSeconds: 900,
            maxDeletePercent: 100,
            maxInlineWaitSeconds: 5,
            consentGraceMinutes: 1,
        });
    });

    it('derives the required flag and defaults from the schema itself', () => {
        const byName = new Map(CONFIG_VARIABLES.map((v) => [v.name, v]));
        expect(byName.get('APP_CLIENT_ID')).toMatchObject({ required: true });
        expect(byName.get('APP_CLIENT_ID')).not.toHaveProperty('defaultValue');
        expect(byName.get('SYNC_MAX_DELETE_PERCENT')).toMatchObject({ required: false, defaultValue: '20' });
        expect(byName.get('API_AUDIENCE')).toMatchObject({ required: false, defaultValue: 'api://<APP_CLIENT_ID>' });
        for (const variable of CONFIG_VARIABLES) expect(variable.description.length).toBeGreaterThan(20);
    });
});
