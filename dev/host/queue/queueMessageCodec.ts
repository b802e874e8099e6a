import type { QueueOptions } from '../config/hostJson';

export type DecodedQueueMessage = { ok: true; text: string } | { ok: false; reason: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Turns a stored message into the text the function receives. With `messageEncoding: base64` (the
 * default) text that is not valid base64 cannot be delivered; the host moves it straight to poison.
 */
export function decodeQueueMessage(stored: string, encoding: QueueOptions['messageEncoding']): DecodedQueueMessage {
    if (encoding === 'none') return { ok: true, text: stored };
    // .NET's Convert.FromBase64String ignores whitespace; so do we.
    const compact = stored.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
        return {
            ok: false,
            reason: 'the message is not valid base64 (host.json extensions.queues.messageEncoding is "base64")',
        };
    }
    return { ok: true, text: Buffer.from(compact, 'base64').toString('utf8') };
}

export function encodeQueueMessage(payload: string | Buffer, encoding: QueueOptions['messageEncoding']): string {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    return encoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8');
}
