import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** host.json is deployed as-is; these are the settings the app's behaviour depends on. */
const hostJson = JSON.parse(readFileSync(join(__dirname, '../../host.json'), 'utf8')) as {
    version: string;
    extensionBundle: { id: string; version: string };
    logging: { applicationInsights: { samplingSettings: { isEnabled: boolean; excludedTypes: string } } };
    extensions: { http: { routePrefix: string }; queues: Record<string, unknown> };
};

describe('host.json', () => {
    it('uses the v4 extension bundle range', () => {
        expect(hostJson.version).toBe('2.0');
        expect(hostJson.extensionBundle).toEqual({
            id: 'Microsoft.Azure.Functions.ExtensionBundle',
            version: '[4.*, 5.0.0)',
        });
    });

    it('serves routes without a prefix, so the landing page owns / and machine endpoints name /api themselves', () => {
        expect(hostJson.extensions.http.routePrefix).toBe('');
    });

    it('spells out the queue settings the worker relies on instead of trusting defaults', () => {
        expect(hostJson.extensions.queues).toEqual(
            expect.objectContaining({
                messageEncoding: 'base64',
                maxDequeueCount: 5,
                batchSize: expect.any(Number),
                visibilityTimeout: expect.any(String),
            }),
        );
    });

    it('never samples away traces, so every sync summary line reaches Application Insights', () => {
        const excluded = hostJson.logging.applicationInsights.samplingSettings.excludedTypes.split(';');
        expect(excluded).toEqual(expect.arrayContaining(['Request', 'Trace']));
    });
});
