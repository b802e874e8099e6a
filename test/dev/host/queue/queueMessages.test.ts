import { decodeQueueMessage, encodeQueueMessage } from '../../../../dev/host/queue/queueMessageCodec';
import { queueTriggerMetadata } from '../../../../dev/host/queue/queueListener';
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

describe('toQueueMessages: a string holding a JSON array', () => {
    it('becomes one message per element (strings as they are, other values as JSON); other text stays one message', () => {
        expect(toQueueMessages({ string: ' [{"a":1}, "b", 2] ' })).toEqual(['{"a":1}', 'b', '2']);
        expect(toQueueMessages({ string: '{"a":[1,2]}' })).toEqual(['{"a":[1,2]}']);
        expect(toQueueMessages({ string: 'plain [text]' })).toEqual(['plain [text]']);
    });

    it('fails on text that looks like an array but is not JSON', () => {
        expect(() => toQueueMessages({ string: '[not json]' })).toThrow(
            'looks like a JSON array but is not valid JSON',
        );
    });
});

describe('queueTriggerMetadata', () => {
    const message = {
        messageId: 'm-1',
        dequeueCount: 2,
        insertedOn: new Date('2025-01-01T00:00:00Z'),
        expiresOn: new Date('2025-01-08T00:00:00Z'),
        nextVisibleOn: new Date('2025-01-01T00:10:00Z'),
        popReceipt: 'receipt',
    };

    it('adds the top-level properties of a JSON object message, which win over fixed fields of any casing', () => {
        const metadata = queueTriggerMetadata('work', message, '{"tenant":"contoso","id":"mine","count":3}');
        expect(metadata.tenant).toEqual({ json: '"contoso"' });
        expect(metadata.count).toEqual({ json: '3' });
        expect(metadata.id).toEqual({ json: '"mine"' });
        expect(metadata.Id).toBeUndefined();
        expect(metadata.DequeueCount).toEqual({ json: '2' });
    });

    it('keeps only the fixed fields for text, arrays and invalid JSON', () => {
        for (const text of ['hello', '[1,2]', '{broken']) {
            const metadata = queueTriggerMetadata('work', message, text);
            expect(Object.keys(metadata).sort()).toEqual(
                [
                    'DequeueCount',
                    'ExpirationTime',
                    'Id',
                    'InsertionTime',
                    'NextVisibleTime',
                    'PopReceipt',
                    'QueueTrigger',
                    'sys',
                ].sort(),
            );
        }
    });
});
