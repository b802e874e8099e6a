import { HttpRequest, InvocationContext } from '@azure/functions';

import { health } from '../../../src/functions/health';
import { appVersion } from '../../../src/version';

describe('health', () => {
    it('answers 200 with status and the package version, uncached', async () => {
        const response = health(
            new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/health' }),
            new InvocationContext({ invocationId: 'test-invocation', functionName: 'health' }),
        );
        expect(response.status).toBe(200);
        expect(response.jsonBody).toEqual({ status: 'ok', version: appVersion });
        expect(response.headers).toEqual({ 'cache-control': 'no-store' });
        const pkg = (await import('../../../package.json')) as { version: string };
        expect(appVersion).toBe(pkg.version);
    });
});
