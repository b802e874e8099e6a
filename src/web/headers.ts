/**
 * Security headers on every response the pages send (HTML, redirects, the stylesheet).
 * - CSP: nothing but our own stylesheet loads; no script at all; forms post only to us; no framing.
 *   Pages navigate to the identity platform with links and redirects, which `form-action` does not govern.
 * - nosniff: the browser trusts our content types.
 * - same-origin: callback URLs carry `code`/`state`; no other site ever sees them in a Referer (and
 *   browsers still send our own Origin on our forms; with no-referrer Chromium sends `Origin: null`).
 */
export const CONTENT_SECURITY_POLICY = [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    // For browsers that predate frame-ancestors.
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
};

/** Pages show who is signed in and their organization's data: never stored by a cache. */
export const NO_STORE: Readonly<Record<string, string>> = { 'cache-control': 'no-store' };
