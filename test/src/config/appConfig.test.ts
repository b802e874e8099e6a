import type { AppConfig } from '../../../src/config';

const valid = {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    APP_CLIENT_ID: '11111111-1111-1111-1111-111111111111',
    APP_TENANT_ID: '22222222-2222-2222-2222-222222222222',
    PUBLIC_BASE_URL: 'http://localhost:7071',
    KEY_VAULT_URL: 'https://vault.example.net',
};

describe('appConfig', () => {
    const saved = { ...process.env };
    afterEach(() => {
        process.env = { ...saved };
    });

    /** A fresh copy of the module, so each test starts with nothing cached. */
    function freshAppConfig(): () => AppConfig {
        let fn: (() => AppConfig) | undefined;
        jest.isolateModules(() => {
            fn = jest.requireActual<{ appConfig: () => AppConfig }>('../../../src/config/appConfig').appConfig;
        });
        return fn!;
    }

    it('reads process.env once and returns the same object afterwards', () => {
        Object.assign(process.env, valid, { SYNC_SCHEDULE: '0 */5 * * * *' });
        const appConfig = freshAppConfig();
        const first = appConfig();
        expect(first.sync.schedule).toBe('0 */5 * * * *');
        process.env.SYNC_SCHEDULE = '0 0 0 * * *';
        expect(appConfig()).toBe(first);
        expect(appConfig().sync.schedule).toBe('0 */5 * * * *');
    });

    it('throws the configuration error when the environment is invalid, and tries again next time', () => {
        for (const name of Object.keys(valid)) delete process.env[name];
        const appConfig = freshAppConfig();
        expect(() => appConfig()).toThrow(/APP_CLIENT_ID: is required/);
        Object.assign(process.env, valid);
        expect(appConfig().app.clientId).toBe(valid.APP_CLIENT_ID);
    });
});
