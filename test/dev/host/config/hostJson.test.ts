import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { applyHostJsonOverrides, parseHostJson, parseTimeSpan } from '../../../../dev/host/config/hostJson';

describe('parseTimeSpan', () => {
    it.each([
        ['00:00:30', 30_000],
        ['00:01:00', 60_000],
        ['01:02:03', 3_723_000],
        ['00:00:00.200', 200],
        ['00:00:00.1234567', 123],
        ['1.00:00:00', 86_400_000],
        ['00:10', 600_000],
    ])('%s is %d ms', (text, ms) => expect(parseTimeSpan(text)).toBe(ms));

    it.each(['30', '2000', '00:60:00', '24:00:00', 'soon', ''])('rejects %j', (text) =>
        expect(parseTimeSpan(text)).toBeUndefined(),
    );
});

describe('parseHostJson', () => {
    it("uses the real host's defaults when sections are absent", () => {
        expect(parseHostJson({ version: '2.0' })).toEqual({
            routePrefix: 'api',
            queues: {
                messageEncoding: 'base64',
                maxDequeueCount: 5,
                batchSize: 16,
                newBatchThreshold: 8,
                visibilityTimeoutMs: 0,
                maxPollingIntervalMs: 2000,
            },
            functionTimeoutMs: undefined,
        });
    });

    it("reads this repository's host.json", () => {
        const json: unknown = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'host.json'), 'utf8'));
        expect(parseHostJson(json)).toEqual({
            routePrefix: '',
            queues: {
                messageEncoding: 'base64',
                maxDequeueCount: 5,
                batchSize: 4,
                newBatchThreshold: 2,
                visibilityTimeoutMs: 30_000,
                maxPollingIntervalMs: 2000,
            },
            functionTimeoutMs: 600_000,
        });
    });

    it('derives newBatchThreshold from batchSize and trims slashes from the route prefix', () => {
        const options = parseHostJson({
            version: '2.0',
            extensions: { http: { routePrefix: '/v1/' }, queues: { batchSize: 5, messageEncoding: 'none' } },
            functionTimeout: '-1',
        });
        expect(options.routePrefix).toBe('v1');
        expect(options.queues.newBatchThreshold).toBe(2);
        expect(options.queues.messageEncoding).toBe('none');
        expect(options.functionTimeoutMs).toBeUndefined();
    });

    it.each([
        [{}, '"version" must be "2.0"'],
        [{ version: '2.0', extensions: { queues: { batchSize: 33 } } }, 'batchSize" must be an integer from 1 to 32'],
        [{ version: '2.0', extensions: { queues: { maxDequeueCount: 0 } } }, 'maxDequeueCount" must be an integer'],
        [
            { version: '2.0', extensions: { queues: { visibilityTimeout: 30 } } },
            'visibilityTimeout" must be a TimeSpan',
        ],
        [{ version: '2.0', extensions: { queues: { maxPollingInterval: '00:00:00.050' } } }, 'at least 00:00:00.100'],
        [{ version: '2.0', extensions: { queues: { messageEncoding: 'utf8' } } }, 'must be "base64" or "none"'],
        [{ version: '2.0', extensions: { http: { routePrefix: 1 } } }, 'routePrefix" must be a string'],
        [{ version: '2.0', extensions: { queues: [] } }, '"extensions.queues" must be an object'],
        [{ version: '2.0', functionTimeout: 'ten minutes' }, '"functionTimeout" must be a TimeSpan'],
    ])('rejects %j (%s)', (json, message) => {
        expect(() => parseHostJson(json)).toThrow(message);
    });
});

describe('applyHostJsonOverrides', () => {
    it('applies AzureFunctionsJobHost__ app settings over host.json, matching keys case-insensitively', () => {
        const json = { version: '2.0', functionTimeout: '00:10:00', extensions: { queues: { batchSize: 4 } } };
        const options = parseHostJson(
            applyHostJsonOverrides(json, {
                AzureFunctionsJobHost__functionTimeout: '00:00:05',
                azurefunctionsjobhost__Extensions__Queues__BatchSize: '8',
                AzureFunctionsJobHost__extensions__queues__maxPollingInterval: '00:00:30',
                AzureFunctionsJobHost__extensions__http__routePrefix: '',
                UNRELATED: 'x',
            }),
        );
        expect(options.functionTimeoutMs).toBe(5000);
        expect(options.queues.batchSize).toBe(8);
        expect(options.queues.maxPollingIntervalMs).toBe(30_000);
        expect(options.routePrefix).toBe('');
        // host.json itself is left as it was.
        expect(json.extensions.queues.batchSize).toBe(4);
    });

    it('still validates overridden values', () => {
        expect(() =>
            parseHostJson(
                applyHostJsonOverrides(
                    { version: '2.0' },
                    { AzureFunctionsJobHost__extensions__queues__batchSize: 'many' },
                ),
            ),
        ).toThrow('"extensions.queues.batchSize" must be an integer from 1 to 32, got "many"');
    });
});
