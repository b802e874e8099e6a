import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { HttpRequest } from '@azure/functions';

import { healthHandler } from '../../../src/functions/health';
import { appVersion } from '../../../src/version';

describe('health', () => {
    it('answers 200 with status and the package version, uncached', () => {
        const handler = healthHandler({ config: undefined as never });
        const response = handler(new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/health' }));
        expect(response.status).toBe(200);
        expect(response.jsonBody).toEqual({ status: 'ok', version: appVersion });
        expect(response.headers).toEqual({ 'cache-control': 'no-store' });
        const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
        expect(appVersion).toBe(pkg.version);
    });
});
