import { AZURITE_ACCOUNT_KEY } from '../../../../dev/azurite/account';
import { describeStorageConnection, resolveStorageConnection } from '../../../../dev/host/config/storageConnection';

const AZURE =
    'DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=c2VjcmV0LWtleQ==;EndpointSuffix=core.windows.net';

describe('resolveStorageConnection', () => {
    it('maps UseDevelopmentStorage=true to Azurite on its default ports', () => {
        const connection = resolveStorageConnection('AzureWebJobsStorage', {
            AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        });
        expect(connection).toMatchObject({
            settingName: 'AzureWebJobsStorage',
            accountName: 'devstoreaccount1',
            queueEndpoint: 'http://127.0.0.1:10001/devstoreaccount1',
        });
        expect(connection.connectionString).toContain('QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1');
    });

    it('derives the queue endpoint of a full Azure connection string', () => {
        expect(resolveStorageConnection('AzureWebJobsStorage', { AzureWebJobsStorage: AZURE })).toMatchObject({
            accountName: 'contoso',
            queueEndpoint: 'https://contoso.queue.core.windows.net',
            connectionString: AZURE,
        });
    });

    it('uses an explicit QueueEndpoint and falls back to the AzureWebJobs<name> setting', () => {
        const value = 'AccountName=dev;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:4000/dev/';
        expect(resolveStorageConnection('Storage', { AzureWebJobsStorage: value })).toMatchObject({
            settingName: 'AzureWebJobsStorage',
            queueEndpoint: 'http://127.0.0.1:4000/dev',
        });
    });

    it('explains a missing setting and identity-based settings, without values', () => {
        expect(() => resolveStorageConnection('AzureWebJobsStorage', {})).toThrow(
            'Connection "AzureWebJobsStorage": app setting AzureWebJobsStorage is not set',
        );
        expect(() =>
            resolveStorageConnection('AzureWebJobsStorage', {
                AzureWebJobsStorage__queueServiceUri: 'https://contoso.queue.core.windows.net',
            }),
        ).toThrow('uses identity-based settings');
        const broken = 'AccountKey=c2VjcmV0LWtleQ==';
        expect(() => resolveStorageConnection('S', { S: broken })).toThrow('value not shown');
        expect(() => resolveStorageConnection('S', { S: broken })).not.toThrow('c2VjcmV0');
    });
});

describe('describeStorageConnection', () => {
    it('shows the account and endpoint only', () => {
        const description = describeStorageConnection(
            resolveStorageConnection('AzureWebJobsStorage', { AzureWebJobsStorage: 'UseDevelopmentStorage=true' }),
        );
        expect(description).toBe('account devstoreaccount1 (queues at http://127.0.0.1:10001/devstoreaccount1)');
        expect(description).not.toContain(AZURITE_ACCOUNT_KEY);
    });
});
