/** The queue message's validation at the edge: what the worker may rely on once a message parses. */
import { InvalidMessageError } from '../../../src/errors';
import { parseSyncMessage } from '../../../src/sync/syncMessage';

const message = {
    tenantId: '79613673-B181-467A-BCDF-076A05A8FE49',
    reason: 'manual',
    runId: '8203200000000-0123abcd',
    requestedAt: '2026-12-02T12:00:00.000Z',
};

describe('parseSyncMessage', () => {
    it('lower-cases the tenant id, as tenant rows and queue markers key it', () => {
        expect(parseSyncMessage(message).tenantId).toBe('79613673-b181-467a-bcdf-076a05a8fe49');
        expect(parseSyncMessage(JSON.stringify(message)).tenantId).toBe('79613673-b181-467a-bcdf-076a05a8fe49');
    });

    it('refuses a tenant id that is not a GUID, naming the field', () => {
        expect(() => parseSyncMessage({ ...message, tenantId: 'contoso.com' })).toThrow(
            new InvalidMessageError('not a sync message: tenantId must be a GUID'),
        );
    });
});
