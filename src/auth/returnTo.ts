/** Where to send the browser after sign-in when nothing (valid) was asked for. */
export const DEFAULT_RETURN_TO = '/';

const MAX_RETURN_TO_LENGTH = 512;

/**
 * A `returnTo` value reduced to a path on our own origin, or the default. Only a single leading
 * slash is accepted: `//host`, `/\host`, schemes, control characters and backslashes (which browsers
 * read as slashes) would let a link send a signed-in user to another site (an open redirect).
 */
export function safeReturnTo(value: string | null | undefined, publicBaseUrl: string): string {
    if (value === null || value === undefined || value === '' || value.length > MAX_RETURN_TO_LENGTH)
        return DEFAULT_RETURN_TO;
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
    if (!value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value))
        return DEFAULT_RETURN_TO;
    let url: URL;
    try {
        url = new URL(value, publicBaseUrl);
    } catch {
        return DEFAULT_RETURN_TO;
    }
    if (url.origin !== new URL(publicBaseUrl).origin) return DEFAULT_RETURN_TO;
    return `${url.pathname}${url.search}`;
}
