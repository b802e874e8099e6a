/**
 * A problem the developer fixes outside the host: a setting, host.json, a route template, a busy port,
 * an app that throws while loading. The CLI prints only the message, so it must say what to change.
 */
export class HostError extends Error {
    override readonly name = 'HostError';

    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
    }
}
