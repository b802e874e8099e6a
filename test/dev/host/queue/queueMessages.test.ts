import { decodeQueueMessage, encodeQueueMessage } from '../../../../dev/host/queue/queueMessageCodec';
import { toQueueMessages } from '../../../../dev/host/queue/queueOutput';

describe('decodeQueueMessage', () => {
    it('decodes base64 (ignoring whitespace, like .NET) into UTF-8 text', () => {
        expect(decodeQueueMessage(Buffer.from('{"tenant":"é"}').toString('base64'), 'base64')).toEqual({
            ok: true,
            text: '{"tenant":"é"}',
        });
        expect(decodeQueueMessage('aGVs\nbG8=', 'base64')).toEqual({ ok: true, text: 'hello' });
        expect(decodeQueueMessage('', 'base64')).toEqual({ ok: true, text: '' });
    });

    it.each(['not base64!', 'aGVsbG8', '{"a":1}', 'aGVsbG8=='])(
        'refuses %j with a reason naming the setting',
        (text) => {
            const decoded = decodeQueueMessage(text, 'base64');
            expect(decoded).toEqual({ ok: false, reason: expect.stringContaining('not valid base64') });
        },
    );

    it('passes text through with messageEncoding none', () => {
        expect(decodeQueueMessage('{"a":1}', 'none')).toEqual({ ok: true, text: '{"a":1}' });
    });
});

describe('encodeQueueMessage', () => {
    it('base64-encodes text and bytes, or leaves text as it is for none', () => {
        expect(encodeQueueMessage('{"a":1}', 'base64')).toBe('eyJhIjoxfQ==');
        expect(encodeQueueMessage(Buffer.from([1, 2, 3]), 'base64')).toBe('AQID');
        expect(encodeQueueMessage('{"a":1}', 'none')).toBe('{"a":1}');
    });
});

describe('toQueueMessages', () => {
    it('writes one message per array element: strings as they are, others as JSON', () => {
        const data = { json: JSON.stringify([{ tenantId: 't1' }, 'plain', 42, [1, 2]]) };
        expect(toQueueMessages(data)).toEqual(['{"tenantId":"t1"}', 'plain', '42', '[1,2]']);
    });

    it('writes one message for a single value', () => {
        expect(toQueueMessages({ json: '{"tenantId":"t1"}' })).toEqual(['{"tenantId":"t1"}']);
        expect(toQueueMessages({ string: 'hello' })).toEqual(['hello']);
        expect(toQueueMessages({ int: 7 })).toEqual(['7']);
        expect(toQueueMessages({ bytes: new Uint8Array([104, 105]) })).toEqual([Buffer.from('hi')]);
    });

    it('writes nothing for an empty array', () => {
        expect(toQueueMessages({ json: '[]' })).toEqual([]);
    });
});
