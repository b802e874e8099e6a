import { createConsoleLogger, describeError, formatLogLine } from '../../../../dev/host/log/hostLogger';
import { redactSecrets } from '../../../../dev/host/log/redact';

describe('redactSecrets', () => {
    it.each([
        ['DefaultEndpointsProtocol=http;AccountName=a;AccountKey=abc+/==;QueueEndpoint=x', 'AccountKey=[hidden];'],
        ['client_secret=s3cr3t&scope=x', 'client_secret=[hidden]&'],
        ['https://acct.blob.core.windows.net/c?sv=1&sig=abcdef', 'sig=[hidden]'],
        ['authorization: Bearer abc.def-ghi', 'Bearer [hidden]'],
        ['cookie eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', '[hidden token]'],
        ['SharedAccessSignature=sv=2020&sig=x', 'SharedAccessSignature=[hidden]'],
    ])('masks %j', (text, expected) => {
        expect(redactSecrets(text)).toContain(expected);
    });

    it('leaves ordinary text alone', () => {
        expect(redactSecrets('Executed (Succeeded, 12 ms) for tenant contoso')).toBe(
            'Executed (Succeeded, 12 ms) for tenant contoso',
        );
    });
});

describe('host log lines', () => {
    const at = new Date('2025-01-01T00:00:00.000Z');

    it('prefix the function name and invocation id, and keep one event on one line', () => {
        expect(
            formatLogLine({ level: 'information', message: 'a\nb', functionName: 'f', invocationId: 'i-1' }, at),
        ).toBe('2025-01-01T00:00:00.000Z info  f[i-1] a\\nb');
        expect(formatLogLine({ level: 'warning', message: 'w', functionName: 'f' }, at)).toBe(
            '2025-01-01T00:00:00.000Z warn  f: w',
        );
        expect(formatLogLine({ level: 'error', message: 'AccountKey=k' }, at)).toBe(
            '2025-01-01T00:00:00.000Z error host: AccountKey=[hidden]',
        );
    });

    it('drop levels below the minimum', () => {
        const lines: string[] = [];
        const logger = createConsoleLogger({ minLevel: 'information', out: (line) => lines.push(line), now: () => at });
        logger.write({ level: 'debug', message: 'hidden' });
        logger.write({ level: 'information', message: 'shown' });
        expect(lines).toEqual(['2025-01-01T00:00:00.000Z info  host: shown']);
    });

    it('describe an error by message and the frame that threw', () => {
        const error = new TypeError('bad');
        expect(describeError(error)).toMatch(/^TypeError: bad \(at .*hostLogger\.test\.ts:\d+:\d+\)?\)$/);
        expect(describeError('text')).toBe('text');
    });
});
